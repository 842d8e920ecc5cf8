package yelb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	sigsjson "sigs.k8s.io/json"

	"github.com/workshop/spinnaker-modernization/internal/schemacheck"
)

// testValues returns the values of a stack for every backend and delivery.
func testValues(backend, delivery string) Values {
	v := Values{
		Backend:          backend,
		Images:           DefaultImages,
		StorageClass:     "yelb-gp3",
		ALBTags:          "workshop=hello-dev,managed-by=pulumi",
		LoadBalancerName: "hello-dev-ui",
		Mesh:             MeshValues{Name: "yelb-mesh", AWSName: "hello-dev-yelb-mesh", EnvoyRoleArn: "arn:aws:iam::123456789012:role/hello-dev-app-envoy"},
		Lattice: LatticeValues{GatewayName: "hello-dev-yelb", RouteName: "appserver", ServiceName: "hello-dev-appserver",
			AppServerHost: "appserver.yelb.hello-dev.internal"},
	}
	if delivery == DeliverySpinnaker {
		v.Namespace = SpinnakerNamespace
		v.Images.AppServerV2 = AppServerV2Placeholder
	} else {
		v.Namespace = "hello-dev"
		v.Images.AppServerV2 = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/hello-dev/yelbv2:0123456789ab"
	}
	return v
}

type variant struct{ backend, delivery string }

var variants = []variant{
	{BackendLattice, DeliverySpinnaker}, {BackendLattice, DeliveryPulumi},
	{BackendAppMesh, DeliverySpinnaker}, {BackendAppMesh, DeliveryPulumi},
}

// builtIn are the upstream Go types each built-in kind decodes into.
var builtIn = map[string]func() any{
	"v1/Namespace":                           func() any { return &corev1.Namespace{} },
	"v1/ServiceAccount":                      func() any { return &corev1.ServiceAccount{} },
	"v1/ConfigMap":                           func() any { return &corev1.ConfigMap{} },
	"v1/Service":                             func() any { return &corev1.Service{} },
	"apps/v1/Deployment":                     func() any { return &appsv1.Deployment{} },
	"apps/v1/StatefulSet":                    func() any { return &appsv1.StatefulSet{} },
	"policy/v1/PodDisruptionBudget":          func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1/Ingress":           func() any { return &networkingv1.Ingress{} },
	"storage.k8s.io/v1/StorageClass":         func() any { return &storagev1.StorageClass{} },
	"gateway.networking.k8s.io/v1/Gateway":   func() any { return &gatewayv1.Gateway{} },
	"gateway.networking.k8s.io/v1/HTTPRoute": func() any { return &gatewayv1.HTTPRoute{} },
}

// strictDecode decodes like the API server: case-sensitive, unknown and
// duplicate fields rejected.
func strictDecode(o Object, into any) error {
	data, err := json.Marshal(o)
	if err != nil {
		return err
	}
	strict, err := sigsjson.UnmarshalStrict(data, into)
	if err != nil {
		return err
	}
	if len(strict) > 0 {
		return fmt.Errorf("%v", strict)
	}
	return nil
}

// crdSchemas are the upstream CRDs vendored in internal/crds.
func crdSchemas(t *testing.T) schemacheck.Registry {
	t.Helper()
	r, err := schemacheck.Vendored()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func rendered(t *testing.T, v variant) map[string][]Object {
	t.Helper()
	all, err := RenderAll(testValues(v.backend, v.delivery))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]Object{}
	for f, text := range all {
		objs, err := Objects(text)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(objs) == 0 {
			t.Fatalf("%s renders no objects", f)
		}
		out[f] = objs
	}
	return out
}

func apiKind(o Object) string { api, _ := o["apiVersion"].(string); return api + "/" + o.Kind() }

// TestManifestsDecodeStrictly puts every object of every stage, backend and
// delivery mode through the upstream API types or CRD schemas.
func TestManifestsDecodeStrictly(t *testing.T) {
	schemas := crdSchemas(t)
	for _, v := range variants {
		t.Run(v.backend+"/"+v.delivery, func(t *testing.T) {
			for f, objs := range rendered(t, v) {
				for _, o := range objs {
					checkObject(t, schemas, fmt.Sprintf("%s %s %s", f, o.Kind(), o.Name()), o)
				}
			}
		})
	}
}

func checkObject(t *testing.T, schemas schemacheck.Registry, where string, o Object) {
	t.Helper()
	if mk := builtIn[apiKind(o)]; mk != nil {
		if err := strictDecode(o, mk()); err != nil {
			t.Errorf("%s: %v", where, err)
		}
	}
	api, _ := o["apiVersion"].(string)
	switch {
	case schemas.Has(api, o.Kind()):
		for _, err := range schemas.Validate(o) {
			t.Errorf("%s: %v", where, err)
		}
		var meta metav1.ObjectMeta
		mo, _ := o["metadata"].(map[string]any)
		if err := strictDecode(mo, &meta); err != nil {
			t.Errorf("%s metadata: %v", where, err)
		}
	case builtIn[apiKind(o)] == nil:
		t.Errorf("%s: %s has neither an API type nor a CRD schema to check it against", where, apiKind(o))
	}
}

// TestStrictDecodingRejects proves the checks above can fail.
func TestStrictDecodingRejects(t *testing.T) {
	objs := rendered(t, variants[0])["1.app-v1.yaml"]
	var dep Object
	for _, o := range objs {
		if o.Kind() == "Deployment" {
			dep = o
		}
	}
	bad := Object{}
	data, _ := json.Marshal(dep)
	_ = json.Unmarshal(bytes.Replace(data, []byte(`"replicas"`), []byte(`"replica"`), 1), &bad)
	if err := strictDecode(bad, &appsv1.Deployment{}); err == nil {
		t.Error("misspelled field accepted by the strict decoder")
	}
	schemas := crdSchemas(t)
	tgp := Object{"apiVersion": "application-networking.k8s.aws/v1alpha1", "kind": "TargetGroupPolicy",
		"spec": map[string]any{"targetRef": map[string]any{"group": "", "kind": "Service", "name": "x"}, "healthcheck": map[string]any{}}}
	if len(schemas.Validate(tgp)) == 0 {
		t.Error("misspelled TargetGroupPolicy field accepted by the CRD schema")
	}
}

// composed is what a cluster holds after each stage, per variant.
func composed(t *testing.T, v variant, upTo int) []Object {
	t.Helper()
	objs, err := Compose(testValues(v.backend, v.delivery), upTo)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// podTemplates are the pod labels each workload creates.
func podTemplates(t *testing.T, objs []Object) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, o := range objs {
		var spec struct {
			Spec struct {
				Selector *metav1.LabelSelector  `json:"selector"`
				Template corev1.PodTemplateSpec `json:"template"`
			} `json:"spec"`
		}
		switch o.Kind() {
		case "Deployment", "StatefulSet":
		default:
			continue
		}
		data, _ := json.Marshal(o)
		if err := json.Unmarshal(data, &spec); err != nil {
			t.Fatal(err)
		}
		if !selects(spec.Spec.Selector.MatchLabels, spec.Spec.Template.Labels) {
			t.Errorf("%s %s: selector %v does not match its own pods %v", o.Kind(), o.Name(), spec.Spec.Selector.MatchLabels, spec.Spec.Template.Labels)
		}
		out[o.Kind()+"/"+o.Name()] = spec.Spec.Template.Labels
	}
	return out
}

func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// matchingWorkloads names the workloads whose pods a selector picks.
func matchingWorkloads(pods map[string]map[string]string, selector map[string]string) []string {
	var out []string
	for name, labels := range pods {
		if selects(selector, labels) {
			out = append(out, name)
		}
	}
	return out
}

func find(objs []Object, kind, name string) Object {
	for _, o := range objs {
		if o.Kind() == kind && o.Name() == name {
			return o
		}
	}
	return nil
}

func decode[T any](t *testing.T, o Object) T {
	t.Helper()
	var v T
	data, _ := json.Marshal(o)
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSelectorsMatchPods: every Service, PDB, anti-affinity and spread
// selector picks pods a workload of the same stage really creates, and the
// anti-affinity picks only its own workload's pods (the original's did not).
func TestSelectorsMatchPods(t *testing.T) {
	for _, v := range variants {
		for stage := 1; stage <= len(StageFiles); stage++ {
			t.Run(fmt.Sprintf("%s/%s/stage-%d", v.backend, v.delivery, stage), func(t *testing.T) {
				checkSelectors(t, composed(t, v, stage))
			})
		}
	}
}

func checkSelectors(t *testing.T, objs []Object) {
	t.Helper()
	pods := podTemplates(t, objs)
	for _, o := range objs {
		switch o.Kind() {
		case "Service":
			svc := decode[corev1.Service](t, o)
			if len(matchingWorkloads(pods, svc.Spec.Selector)) == 0 {
				t.Errorf("Service %s selects %v, which no workload creates", o.Name(), svc.Spec.Selector)
			}
		case "PodDisruptionBudget":
			pdb := decode[policyv1.PodDisruptionBudget](t, o)
			if got := matchingWorkloads(pods, pdb.Spec.Selector.MatchLabels); len(got) != 1 {
				t.Errorf("PDB %s selects workloads %v, want exactly one", o.Name(), got)
			}
		case "Deployment":
			checkOwnPodsOnly(t, pods, o)
		}
	}
}

// checkOwnPodsOnly: a Deployment's anti-affinity and spread select its own
// pods and no other workload's.
func checkOwnPodsOnly(t *testing.T, pods map[string]map[string]string, o Object) {
	t.Helper()
	spec := decode[appsv1.Deployment](t, o).Spec.Template.Spec
	own := "Deployment/" + o.Name()
	var selectors []map[string]string
	if a := spec.Affinity; a != nil && a.PodAntiAffinity != nil {
		for _, term := range a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
			selectors = append(selectors, term.LabelSelector.MatchLabels)
		}
	}
	for _, c := range spec.TopologySpreadConstraints {
		selectors = append(selectors, c.LabelSelector.MatchLabels)
	}
	for _, sel := range selectors {
		if got := matchingWorkloads(pods, sel); len(got) != 1 || got[0] != own {
			t.Errorf("%s: anti-affinity or spread selects %v, want only its own pods", own, got)
		}
	}
}

// TestHighAvailability: stage 4 runs six replicas of yelb-ui and of every
// app server version that takes traffic (v2 has half of it from stage 3) on
// distinct nodes across zones, with budgets; every container has probes
// and requests.
func TestHighAvailability(t *testing.T) {
	for _, v := range variants {
		objs := composed(t, v, 4)
		for _, name := range []string{"yelb-ui", "yelb-appserver", "yelb-appserver-v2"} {
			t.Run(v.backend+"/"+v.delivery+"/"+name, func(t *testing.T) {
				o := find(objs, "Deployment", name)
				if o == nil {
					t.Fatalf("stage 4 has no Deployment %s", name)
				}
				checkHA(t, decode[appsv1.Deployment](t, o))
				if find(objs, "PodDisruptionBudget", name) == nil {
					t.Errorf("%s has no PodDisruptionBudget", name)
				}
			})
		}
		t.Run(v.backend+"/"+v.delivery+"/probes-and-requests", func(t *testing.T) {
			for _, o := range objs {
				if o.Kind() == "Deployment" || o.Kind() == "StatefulSet" {
					checkProbesAndRequests(t, o)
				}
			}
		})
	}
}

func checkHA(t *testing.T, dep appsv1.Deployment) {
	t.Helper()
	if *dep.Spec.Replicas != 6 {
		t.Errorf("replicas = %d, want 6", *dep.Spec.Replicas)
	}
	pod := dep.Spec.Template.Spec
	if pod.Affinity == nil || pod.Affinity.PodAntiAffinity == nil || len(pod.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) != 1 ||
		pod.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution[0].TopologyKey != "kubernetes.io/hostname" {
		t.Errorf("want one required anti-affinity per hostname, got %+v", pod.Affinity)
	}
	if len(pod.TopologySpreadConstraints) != 1 || pod.TopologySpreadConstraints[0].TopologyKey != "topology.kubernetes.io/zone" {
		t.Errorf("want a zone spread, got %+v", pod.TopologySpreadConstraints)
	}
}

func checkProbesAndRequests(t *testing.T, o Object) {
	t.Helper()
	for _, c := range decode[appsv1.Deployment](t, o).Spec.Template.Spec.Containers {
		if c.ReadinessProbe == nil || c.LivenessProbe == nil {
			t.Errorf("%s: container %s lacks a readiness or liveness probe", o.Name(), c.Name)
		}
		if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
			t.Errorf("%s: container %s lacks CPU/memory requests or a memory limit", o.Name(), c.Name)
		}
	}
}

var pinnedImage = regexp.MustCompile(`^[a-z0-9.\-/]+(:[0-9]+)?/[a-z0-9._\-/]+:[A-Za-z0-9._\-]+$|^__APP_V2_IMAGE__$`)

func TestImagesPinned(t *testing.T) {
	for _, v := range variants {
		t.Run(v.backend+"/"+v.delivery, func(t *testing.T) {
			for _, o := range composed(t, v, 4) {
				if o.Kind() != "Deployment" && o.Kind() != "StatefulSet" {
					continue
				}
				for _, c := range decode[appsv1.Deployment](t, o).Spec.Template.Spec.Containers {
					if !pinnedImage.MatchString(c.Image) || strings.HasSuffix(c.Image, ":latest") {
						t.Errorf("%s: image %q is not pinned to a tag", o.Name(), c.Image)
					}
				}
			}
		})
	}
}

// TestV2TemplatesCarryThePlaceholder: under Spinnaker delivery the v2 image
// is known only to the build, which fills it into every stage that runs
// v2 (manifests/buildspec.yml).
func TestV2TemplatesCarryThePlaceholder(t *testing.T) {
	vals := testValues(BackendLattice, DeliverySpinnaker)
	for _, f := range []string{"2.app-v2.yaml", "4.high-availability.yaml"} {
		if !strings.Contains(mustRender(t, vals, f), AppServerV2Placeholder) {
			t.Errorf("%s lacks the build's placeholder %s", f, AppServerV2Placeholder)
		}
	}
}

func mustRender(t *testing.T, v Values, f string) string {
	t.Helper()
	s, err := Render(v, f)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestNamespaces: namespaced objects carry the delivery mode's namespace;
// for Spinnaker that is the deploy stage's override, never a fixed name.
func TestNamespaces(t *testing.T) {
	clusterScoped := map[string]bool{"Namespace": true, "StorageClass": true, "Mesh": true}
	for _, v := range variants {
		t.Run(v.backend+"/"+v.delivery, func(t *testing.T) {
			want := testValues(v.backend, v.delivery).Namespace
			for _, o := range composed(t, v, 4) {
				if clusterScoped[o.Kind()] {
					if o.Namespace() != "" {
						t.Errorf("cluster-scoped %s %s has namespace %q", o.Kind(), o.Name(), o.Namespace())
					}
					continue
				}
				if o.Namespace() != want {
					t.Errorf("%s %s in namespace %q, want %q", o.Kind(), o.Name(), o.Namespace(), want)
				}
			}
			if find(composed(t, v, 1), "Namespace", want) == nil {
				t.Errorf("stage 1 does not create namespace %q", want)
			}
		})
	}
}
