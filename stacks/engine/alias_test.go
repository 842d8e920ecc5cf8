package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	yamlv2 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/yaml/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/addons"
	"github.com/workshop/spinnaker-modernization/internal/harness"
)

// crdsProgram registers the Gateway API CRDs under a component named as
// the add-ons are: as a ConfigFile of a file (the old shape, which read the
// release URL) or as the add-ons do now.
func crdsProgram(kubeconfig, file string, old bool) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		provider, err := kubernetes.NewProvider(ctx, "app", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String(kubeconfig)})
		if err != nil {
			return err
		}
		var parent struct{ pulumi.ResourceState }
		if err := ctx.RegisterComponentResource("workshop:addons:AddOns", "hello-dev-app", &parent); err != nil {
			return err
		}
		opts := []pulumi.ResourceOption{pulumi.Parent(&parent), pulumi.Provider(provider)}
		if old {
			_, err = yamlv2.NewConfigFile(ctx, "hello-dev-app-gateway-api-crds", &yamlv2.ConfigFileArgs{File: pulumi.String(file)}, opts...)
		} else {
			_, err = addons.NewGatewayAPICRDs(ctx, "hello-dev-app-gateway-api-crds", opts...)
		}
		if err != nil {
			return err
		}
		return ctx.RegisterResourceOutputs(&parent, pulumi.Map{})
	}
}

// TestGatewayCRDsSurviveTheMoveToAConfigGroup: stacks brought up before
// the CRDs were embedded hold them under a ConfigFile. Moving to a
// ConfigGroup changes the parent of every CRD; unless the parent's alias
// carries to them, the next up deletes and recreates the CRDs, and
// deleting a CRD deletes every HTTPRoute of the app with it.
func TestGatewayCRDsSurviveTheMoveToAConfigGroup(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the real engine scenarios take minutes")
	}
	cluster := harness.StartForTest(t, harness.Options{})
	kubeconfig, err := os.ReadFile(cluster.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "standard-install.yaml")
	if err := os.WriteFile(file, []byte(addons.GatewayAPICRDs), 0o644); err != nil {
		t.Fatal(err)
	}
	e := harness.NewEngine(t, harness.EngineOptions{Kubernetes: true})
	ctx := context.Background()
	up := func(old bool) []apitype.OpType {
		t.Helper()
		stack, err := e.Stack(ctx, "workshop", "dev", crdsProgram(string(kubeconfig), file, old), nil)
		if err != nil {
			t.Fatal(err)
		}
		rec := record()
		_, err = stack.Up(ctx, optup.EventStreams(rec.ch))
		evs := rec.wait()
		if err != nil {
			t.Fatalf("up: %v\n%s", err, diagnostics(evs))
		}
		var ops []apitype.OpType
		for _, ev := range evs {
			if pre := ev.ResourcePreEvent; pre != nil && strings.Contains(pre.Metadata.Type, "CustomResourceDefinition") {
				ops = append(ops, pre.Metadata.Op)
			}
		}
		return ops
	}
	route := harness.Object{"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": map[string]any{"name": "httproutes.gateway.networking.k8s.io"}}
	if ops := up(true); len(ops) == 0 {
		t.Fatal("the old shape created no CRD")
	}
	before, found, err := cluster.Get(ctx, route)
	if err != nil || !found {
		t.Fatalf("the HTTPRoute CRD after the first up: %v %v", found, err)
	}
	for _, op := range up(false) {
		if op != apitype.OpSame {
			t.Errorf("moving to the ConfigGroup runs %s on a CRD; want every CRD the same", op)
		}
	}
	after, found, err := cluster.Get(ctx, route)
	uid := func(o harness.Object) any { return o["metadata"].(map[string]any)["uid"] }
	if err != nil || !found || uid(after) != uid(before) {
		t.Errorf("the HTTPRoute CRD was replaced (uid %v, then %v, found %v, %v)", uid(before), uid(after), found, err)
	}
}
