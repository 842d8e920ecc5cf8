package crds_test

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/workshop/spinnaker-modernization/components/addons"
	"github.com/workshop/spinnaker-modernization/internal/crds"
)

// TestEveryCRDOnce: two copies of one CRD would be two installs of it,
// which is what issue 10 item 3 removed (the Lattice chart's DNSEndpoint
// beside external-dns's).
func TestEveryCRDOnce(t *testing.T) {
	docs, err := crds.Documents()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, d := range docs {
		if first, dup := seen[d.Name]; dup {
			t.Errorf("CRD %s is in both %s and %s", d.Name, first, d.File)
		}
		seen[d.Name] = d.File
	}
	// The kinds the program's objects use, by upstream CRD name.
	for _, name := range []string{
		"meshes.appmesh.k8s.aws", "virtualnodes.appmesh.k8s.aws", "virtualservices.appmesh.k8s.aws", "virtualrouters.appmesh.k8s.aws",
		"targetgrouppolicies.application-networking.k8s.aws",
		"gatewayclasses.gateway.networking.k8s.io", "gateways.gateway.networking.k8s.io", "httproutes.gateway.networking.k8s.io",
		"dnsendpoints.externaldns.k8s.io",
	} {
		t.Run(name, func(t *testing.T) {
			if seen[name] == "" {
				t.Errorf("no vendored CRD %s", name)
			}
		})
	}
}

// TestFilesMatchPinnedVersions: the vendored files are those of the
// versions the program installs.
func TestFilesMatchPinnedVersions(t *testing.T) {
	for _, want := range []string{
		"appmesh-controller-" + addons.AppMeshControllerChart.Version + "-crds.yaml",
		"aws-gateway-controller-" + addons.GatewayAPIControllerChart.Version + "-crds.yaml",
		"external-dns-" + addons.ExternalDNSChart.Version + "-dnsendpoints.externaldns.k8s.io.yaml",
		"gateway-api-" + addons.GatewayAPIVersion + "-standard/gateway.networking.k8s.io_httproutes.yaml",
	} {
		t.Run(want, func(t *testing.T) {
			if _, err := fs.Stat(crds.Files, want); err != nil {
				t.Errorf("%v: vendor that version's CRDs (see internal/crds/README.md)", err)
			}
		})
	}
	// Each Gateway API CRD says which bundle it belongs to.
	docs, err := crds.Documents()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if strings.HasPrefix(d.File, "gateway-api-") && !strings.Contains(string(d.YAML), "gateway.networking.k8s.io/bundle-version: "+addons.GatewayAPIVersion+"\n") {
			t.Errorf("%s is not from Gateway API %s", d.File, addons.GatewayAPIVersion)
		}
	}
}
