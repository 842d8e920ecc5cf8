package kubecheck

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/workshop/spinnaker-modernization/components/yelb"
	"github.com/workshop/spinnaker-modernization/internal/harness"
	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
	"github.com/workshop/spinnaker-modernization/stacks"
)

// variants are the configurations whose objects differ: both traffic
// backends, both delivery modes, every stage.
var variants = []struct {
	name      string
	overrides map[string]string
}{
	{"dev", nil},
	{"dev-appmesh", map[string]string{"workshop:yelb": `{"backend":"appmesh"}`}},
	{"pulumi-lattice-stage4", pulumiDelivery("lattice")},
	{"pulumi-appmesh-stage4", pulumiDelivery("appmesh")},
}

func pulumiDelivery(backend string) map[string]string {
	return map[string]string{
		"workshop:platform": "false",
		"workshop:yelb":     fmt.Sprintf(`{"backend":%q,"delivery":"pulumi","stage":4,"appServerV2Image":"example.com/yelb-appserver:v2"}`, backend),
	}
}

// source is one object and where it came from, for the failure message.
type source struct {
	variant, from string
	obj           harness.Object
}

func (s source) String() string {
	return fmt.Sprintf("%s %s/%s (%s, from %s)", s.obj["kind"], harness.Namespace(s.obj), harness.Name(s.obj), s.variant, s.from)
}

// TestEveryObjectPassesTheAPIServer submits every Kubernetes object the
// program would create to a real kube-apiserver with dryRun=All and strict
// field validation, CRDs and namespaces first. Helm charts are not rendered:
// their repositories are not reachable here.
func TestEveryObjectPassesTheAPIServer(t *testing.T) {
	cp := harness.StartForTest(t, harness.Options{})
	ctx := context.Background()
	var all []source
	for _, v := range variants {
		all = append(all, objectsOf(t, v.name, v.overrides)...)
	}
	installCRDs(t, ctx, cp, all)
	createNamespaces(t, ctx, cp, all)
	checked := 0
	for _, s := range all {
		kind := s.obj["kind"]
		if kind == "Namespace" || kind == "CustomResourceDefinition" {
			continue
		}
		checked++
		if err := cp.DryRun(ctx, s.obj); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	t.Logf("%d objects of %d variants accepted by kube-apiserver %s", checked, len(variants), harness.KubernetesVersion)
}

// objectsOf runs the program with the example stack's config, changed, and
// returns every Kubernetes object it would create.
func objectsOf(t *testing.T, variant string, overrides map[string]string) []source {
	t.Helper()
	project, raw, secrets, err := stacks.ReadStackConfig("../..", "dev")
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(raw, overrides)
	cfg, err := stacks.Parse("dev", raw)
	if err != nil {
		t.Fatal(err)
	}
	cloud := mockcloud.New(project, "dev", cfg.Region)
	if err := cloud.Run(raw, secrets, stacks.Program(raw)); err != nil {
		t.Fatalf("%s: program failed: %v", variant, err)
	}
	var out []source
	add := func(from string, objs ...harness.Object) {
		for _, o := range objs {
			out = append(out, source{variant, from, o})
		}
	}
	for _, r := range cloud.Resources() {
		switch {
		case r.Type == "kubernetes:yaml/v2:ConfigGroup":
			add(r.URN, documents(t, r.String("yaml"))...)
		case r.Type == "aws:s3/bucketObjectv2:BucketObjectv2" && strings.HasSuffix(r.String("key"), ".yaml"):
			add(r.URN, documents(t, asDeployedBySpinnaker(r.String("content"), cfg.Prefix))...)
		case strings.HasPrefix(r.Type, "kubernetes:") && r.Custom && !isPulumiOnly(r.Type):
			add(r.URN, typedObject(r))
		}
	}
	return out
}

// isPulumiOnly are the kubernetes provider's types that are not objects.
func isPulumiOnly(typ string) bool {
	return typ == "pulumi:providers:kubernetes" || strings.Contains(typ, ":helm.sh/") || strings.Contains(typ, ":yaml/")
}

// typedObject is a typed resource's inputs: the object as submitted.
func typedObject(r mockcloud.Resource) harness.Object {
	return mockcloud.PlainMap(r.Inputs, false)
}

// asDeployedBySpinnaker is what the deploy stage submits: orca evaluates the
// namespace override, and the build has put the pushed image in v2.
func asDeployedBySpinnaker(manifest, namespace string) string {
	manifest = strings.ReplaceAll(manifest, yelb.SpinnakerNamespace, namespace)
	return strings.ReplaceAll(manifest, yelb.AppServerV2Placeholder, "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/hello-dev/yelbv2:0123abc-1")
}

func documents(t *testing.T, multi string) []harness.Object {
	t.Helper()
	var out []harness.Object
	for _, doc := range strings.Split(multi, "\n---") {
		var o harness.Object
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatalf("parsing a manifest: %v\n%s", err, doc)
		}
		if len(o) > 0 {
			out = append(out, o)
		}
	}
	return out
}

func installCRDs(t *testing.T, ctx context.Context, cp *harness.ControlPlane, all []source) {
	t.Helper()
	crds := vendoredCRDs(t)
	for _, s := range all {
		if s.obj["kind"] == "CustomResourceDefinition" {
			crds = append(crds, s.obj)
		}
	}
	var names []string
	for _, crd := range crds {
		if err := cp.Create(ctx, crd); err != nil {
			t.Fatalf("installing CRD %s: %v", harness.Name(crd), err)
		}
		names = append(names, harness.Name(crd))
	}
	if err := cp.WaitEstablished(ctx, names); err != nil {
		t.Fatal(err)
	}
}

// createNamespaces stores every namespace the objects name: the program's
// own Namespace objects as written, the others (those charts create) plain.
func createNamespaces(t *testing.T, ctx context.Context, cp *harness.ControlPlane, all []source) {
	t.Helper()
	named := map[string]bool{}
	for _, s := range all {
		if s.obj["kind"] == "Namespace" {
			if err := cp.Create(ctx, s.obj); err != nil {
				t.Errorf("%s: %v", s, err)
			}
			named[harness.Name(s.obj)] = true
		}
	}
	var apiErr *harness.APIError
	for _, s := range all {
		ns := harness.Namespace(s.obj)
		if ns == "" || named[ns] {
			continue
		}
		named[ns] = true
		obj := harness.Object{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}
		if err := cp.Create(ctx, obj); err != nil && !errors.As(err, &apiErr) {
			t.Fatalf("namespace %s: %v", ns, err)
		}
	}
}
