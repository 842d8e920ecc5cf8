package yelb

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// servicePort returns a Service's port by number, failing if absent.
func servicePort(t *testing.T, objs []Object, name string, port int32) corev1.ServicePort {
	t.Helper()
	o := find(objs, "Service", name)
	if o == nil {
		t.Fatalf("Service %s does not exist", name)
	}
	for _, p := range decode[corev1.Service](t, o).Spec.Ports {
		if p.Port == port {
			return p
		}
	}
	t.Fatalf("Service %s has no port %d", name, port)
	return corev1.ServicePort{}
}

// TestPortsAgreeEndToEnd follows a request: ALB ingress -> yelb-ui ->
// app server -> database and redis, checking each hop's port resolves to a
// container port the pods really open.
func TestPortsAgreeEndToEnd(t *testing.T) {
	for _, v := range variants {
		for stage := 1; stage <= len(StageFiles); stage++ {
			t.Run(fmt.Sprintf("%s/%s/stage-%d", v.backend, v.delivery, stage), func(t *testing.T) {
				objs := composed(t, v, stage)
				checkServiceTargets(t, objs)
				checkIngress(t, objs)
				// The app server reaches its data tier by these names and
				// ports, fixed in its image.
				servicePort(t, objs, "yelb-db", 5432)
				servicePort(t, objs, "redis-server", 6379)
				servicePort(t, objs, "yelb-appserver", AppServerPort)
				checkProxyTarget(t, objs, testValues(v.backend, v.delivery))
			})
		}
	}
}

// checkServiceTargets: every Service's named targetPort is a container
// port of every workload it selects.
func checkServiceTargets(t *testing.T, objs []Object) {
	t.Helper()
	pods := map[string]corev1.PodSpec{}
	for _, o := range objs {
		if o.Kind() == "Deployment" || o.Kind() == "StatefulSet" {
			pods[o.Name()] = decode[appsv1.Deployment](t, o).Spec.Template.Spec
		}
	}
	podLabels := podTemplates(t, objs)
	for _, o := range objs {
		if o.Kind() != "Service" {
			continue
		}
		svc := decode[corev1.Service](t, o)
		for _, w := range matchingWorkloads(podLabels, svc.Spec.Selector) {
			_, name, _ := strings.Cut(w, "/")
			for _, p := range svc.Spec.Ports {
				if !hasContainerPort(pods[name], p.TargetPort.StrVal) {
					t.Errorf("Service %s targets port %q, which %s does not open", o.Name(), p.TargetPort.StrVal, w)
				}
			}
		}
	}
}

func checkIngress(t *testing.T, objs []Object) {
	t.Helper()
	ing := decode[networkingv1.Ingress](t, find(objs, "Ingress", "yelb-ui"))
	if ing.Annotations["alb.ingress.kubernetes.io/scheme"] != "internet-facing" || ing.Annotations["alb.ingress.kubernetes.io/target-type"] != "ip" {
		t.Errorf("ingress annotations %v, want internet-facing and target type ip", ing.Annotations)
	}
	backend := ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service
	uiSvc := decode[corev1.Service](t, find(objs, "Service", backend.Name))
	if len(uiSvc.Spec.Ports) != 1 || uiSvc.Spec.Ports[0].Name != backend.Port.Name || uiSvc.Spec.Ports[0].Port != 80 {
		t.Errorf("ingress names port %q of %s, which has %+v", backend.Port.Name, backend.Name, uiSvc.Spec.Ports)
	}
}

// checkProxyTarget: yelb-ui proxies /api to the app server's port; behind
// Lattice it names the route's hostname as Host, by which Lattice picks the
// service, and behind App Mesh it calls the app server's Service.
func checkProxyTarget(t *testing.T, objs []Object, vals Values) {
	t.Helper()
	conf := decode[corev1.ConfigMap](t, find(objs, "ConfigMap", "yelb-ui-nginx")).Data["default.conf"]
	m := regexp.MustCompile(`proxy_pass\s+http://([^:/;]+):(\d+)`).FindStringSubmatch(conf)
	if m == nil || m[2] != fmt.Sprint(AppServerPort) {
		t.Fatalf("yelb-ui does not proxy to port %d:\n%s", AppServerPort, conf)
	}
	if vals.Backend == BackendLattice {
		route := decode[gatewayv1.HTTPRoute](t, find(objs, "HTTPRoute", vals.Lattice.RouteName))
		if want := "proxy_set_header Host " + string(route.Spec.Hostnames[0]) + ";"; !strings.Contains(conf, want) {
			t.Errorf("yelb-ui lacks %q, by which Lattice picks the service:\n%s", want, conf)
		}
		return
	}
	servicePort(t, objs, m[1], AppServerPort)
}

func hasContainerPort(pod corev1.PodSpec, name string) bool {
	for _, c := range pod.Containers {
		for _, p := range c.Ports {
			if p.Name == name {
				return true
			}
		}
	}
	return false
}

// TestLatticeReferences: the route hangs off the Gateway's listener, sends
// to Services that exist on their port, with v1 only in stages 1-2 and 1:1
// from stage 3; health policies target existing Services.
func TestLatticeReferences(t *testing.T) {
	for _, delivery := range []string{DeliverySpinnaker, DeliveryPulumi} {
		for stage := 1; stage <= len(StageFiles); stage++ {
			t.Run(fmt.Sprintf("%s/stage-%d", delivery, stage), func(t *testing.T) {
				checkLatticeStage(t, testValues(BackendLattice, delivery), composed(t, variant{BackendLattice, delivery}, stage), stage)
			})
		}
	}
}

func checkLatticeStage(t *testing.T, vals Values, objs []Object, stage int) {
	t.Helper()
	gw := decode[gatewayv1.Gateway](t, find(objs, "Gateway", vals.Lattice.GatewayName))
	if gw.Spec.GatewayClassName != "amazon-vpc-lattice" {
		t.Errorf("gateway class %q", gw.Spec.GatewayClassName)
	}
	route := decode[gatewayv1.HTTPRoute](t, find(objs, "HTTPRoute", vals.Lattice.RouteName))
	if len(route.Spec.Hostnames) != 1 || string(route.Spec.Hostnames[0]) != vals.Lattice.AppServerHost {
		t.Errorf("route hostnames %v, want [%s]", route.Spec.Hostnames, vals.Lattice.AppServerHost)
	}
	parent := route.Spec.ParentRefs[0]
	if string(parent.Name) != vals.Lattice.GatewayName {
		t.Errorf("route parent %s, want %s", parent.Name, vals.Lattice.GatewayName)
	}
	listener := slices.IndexFunc(gw.Spec.Listeners, func(l gatewayv1.Listener) bool { return l.Name == *parent.SectionName })
	if listener < 0 || gw.Spec.Listeners[listener].Port != AppServerPort || gw.Spec.Listeners[listener].Protocol != gatewayv1.HTTPProtocolType {
		t.Errorf("route section %s is not an HTTP listener on %d: %+v", *parent.SectionName, AppServerPort, gw.Spec.Listeners)
	}
	var got []string
	for _, ref := range route.Spec.Rules[0].BackendRefs {
		servicePort(t, objs, string(ref.Name), int32(*ref.Port))
		got = append(got, fmt.Sprintf("%s=%d", ref.Name, *ref.Weight))
	}
	want := []string{"yelb-appserver=1"}
	if stage >= 3 {
		want = []string{"yelb-appserver=1", "yelb-appserver-v2=1"}
	}
	if !slices.Equal(got, want) {
		t.Errorf("route sends to %v, want %v", got, want)
	}
	for _, o := range objs {
		if o.Kind() != "TargetGroupPolicy" {
			continue
		}
		ref := o["spec"].(map[string]any)["targetRef"].(map[string]any)
		if ref["kind"] != "Service" || find(objs, "Service", ref["name"].(string)) == nil {
			t.Errorf("TargetGroupPolicy %s targets missing %v", o.Name(), ref)
		}
	}
}

// TestAppMeshReferences: every VirtualNode selects pods and names a Service
// that exists on its port; every backend, provider and route target exists;
// stage 3 splits 1:1 and the retry policy is the workshop's.
func TestAppMeshReferences(t *testing.T) {
	for _, delivery := range []string{DeliverySpinnaker, DeliveryPulumi} {
		for stage := 1; stage <= len(StageFiles); stage++ {
			t.Run(fmt.Sprintf("%s/stage-%d", delivery, stage), func(t *testing.T) {
				vals := testValues(BackendAppMesh, delivery)
				objs := composed(t, variant{BackendAppMesh, delivery}, stage)
				for _, o := range objs {
					spec, _ := o["spec"].(map[string]any)
					switch o.Kind() {
					case "VirtualNode":
						checkVirtualNode(t, vals, objs, o.Name(), spec)
					case "VirtualService":
						checkVirtualService(t, objs, o.Name(), spec)
					case "VirtualRouter":
						checkVirtualRouter(t, objs, spec, stage)
					}
				}
				checkMeshMembership(t, vals, objs)
			})
		}
	}
}

func checkVirtualNode(t *testing.T, vals Values, objs []Object, name string, spec map[string]any) {
	t.Helper()
	pods := podTemplates(t, objs)
	sel := stringMap(dig(spec, "podSelector", "matchLabels"))
	if len(matchingWorkloads(pods, sel)) != 1 {
		t.Errorf("VirtualNode %s selects %v", name, matchingWorkloads(pods, sel))
	}
	host, _ := dig(spec, "serviceDiscovery", "dns", "hostname").(string)
	svc, ok := strings.CutSuffix(host, "."+vals.Namespace+".svc.cluster.local")
	port := dig(spec, "listeners").([]any)[0].(map[string]any)["portMapping"].(map[string]any)["port"].(float64)
	if !ok {
		t.Errorf("VirtualNode %s discovers %q outside namespace %s", name, host, vals.Namespace)
	} else {
		servicePort(t, objs, svc, int32(port))
	}
	backends, _ := spec["backends"].([]any)
	for _, b := range backends {
		ref := dig(b.(map[string]any), "virtualService", "virtualServiceRef", "name").(string)
		if find(objs, "VirtualService", ref) == nil {
			t.Errorf("VirtualNode %s has backend %s, which does not exist", name, ref)
		}
	}
}

func checkVirtualService(t *testing.T, objs []Object, name string, spec map[string]any) {
	t.Helper()
	for kind, ref := range dig(spec, "provider").(map[string]any) {
		target := ref.(map[string]any)[kind+"Ref"].(map[string]any)["name"].(string)
		want := map[string]string{"virtualNode": "VirtualNode", "virtualRouter": "VirtualRouter"}[kind]
		if find(objs, want, target) == nil {
			t.Errorf("VirtualService %s provided by missing %s %s", name, want, target)
		}
	}
}

func checkVirtualRouter(t *testing.T, objs []Object, spec map[string]any, stage int) {
	t.Helper()
	route := dig(spec, "routes").([]any)[0].(map[string]any)["httpRoute"].(map[string]any)
	var got []string
	for _, wt := range dig(route, "action", "weightedTargets").([]any) {
		name := dig(wt.(map[string]any), "virtualNodeRef", "name").(string)
		if find(objs, "VirtualNode", name) == nil {
			t.Errorf("router targets missing VirtualNode %s", name)
		}
		got = append(got, fmt.Sprintf("%s=%v", name, wt.(map[string]any)["weight"]))
	}
	want := []string{"yelb-appserver=1"}
	if stage >= 3 {
		want = []string{"yelb-appserver=1", "yelb-appserver-v2=1"}
	}
	if !slices.Equal(got, want) {
		t.Errorf("router sends to %v, want %v", got, want)
	}
	retry := route["retryPolicy"].(map[string]any)
	if retry["maxRetries"] != 2.0 || dig(retry, "perRetryTimeout", "value") != 2000.0 || dig(retry, "perRetryTimeout", "unit") != "ms" ||
		fmt.Sprint(retry["httpRetryEvents"]) != "[server-error client-error gateway-error]" {
		t.Errorf("retry policy %v is not the workshop's", retry)
	}
}

func checkMeshMembership(t *testing.T, vals Values, objs []Object) {
	t.Helper()
	ns := decode[corev1.Namespace](t, find(objs, "Namespace", vals.Namespace))
	if ns.Labels["mesh"] != vals.Mesh.Name || ns.Labels["appmesh.k8s.aws/sidecarInjectorWebhook"] != "enabled" {
		t.Errorf("namespace labels %v do not join mesh %s with sidecar injection", ns.Labels, vals.Mesh.Name)
	}
	mesh := find(objs, "Mesh", vals.Mesh.Name)
	if mesh == nil || stringMap(dig(mesh["spec"].(map[string]any), "namespaceSelector", "matchLabels"))["mesh"] != vals.Mesh.Name {
		t.Errorf("Mesh %s missing or not selecting the namespace", vals.Mesh.Name)
	}
}

func dig(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

func stringMap(v any) map[string]string {
	out := map[string]string{}
	m, _ := v.(map[string]any)
	for k, val := range m {
		out[k], _ = val.(string)
	}
	return out
}
