package yelb

import (
	"fmt"
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
		vals := testValues(v.backend, v.delivery)
		for stage := 1; stage <= len(StageFiles); stage++ {
			objs := composed(t, v, stage)
			where := fmt.Sprintf("%s/%s stage %d", v.backend, v.delivery, stage)
			pods := map[string]corev1.PodSpec{}
			for _, o := range objs {
				if o.Kind() == "Deployment" || o.Kind() == "StatefulSet" {
					pods[o.Name()] = decode[appsv1.Deployment](t, o).Spec.Template.Spec
				}
			}
			// Every Service's named targetPort is a container port of every
			// workload it selects.
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
							t.Errorf("%s: Service %s targets port %q, which %s does not open", where, o.Name(), p.TargetPort.StrVal, w)
						}
					}
				}
			}

			ing := decode[networkingv1.Ingress](t, find(objs, "Ingress", "yelb-ui"))
			if ing.Annotations["alb.ingress.kubernetes.io/scheme"] != "internet-facing" || ing.Annotations["alb.ingress.kubernetes.io/target-type"] != "ip" {
				t.Errorf("%s: ingress annotations %v, want internet-facing and target type ip", where, ing.Annotations)
			}
			backend := ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service
			uiSvc := decode[corev1.Service](t, find(objs, "Service", backend.Name))
			if len(uiSvc.Spec.Ports) != 1 || uiSvc.Spec.Ports[0].Name != backend.Port.Name || uiSvc.Spec.Ports[0].Port != 80 {
				t.Errorf("%s: ingress names port %q of %s, which has %+v", where, backend.Port.Name, backend.Name, uiSvc.Spec.Ports)
			}

			// The app server reaches its data tier by these names and ports,
			// fixed in its image.
			servicePort(t, objs, "yelb-db", 5432)
			servicePort(t, objs, "redis-server", 6379)
			servicePort(t, objs, "yelb-appserver", AppServerPort)

			conf := decode[corev1.ConfigMap](t, find(objs, "ConfigMap", "yelb-ui-nginx")).Data["default.conf"]
			upstream := "yelb-appserver"
			if v.backend == BackendLattice {
				upstream = vals.Lattice.AppServerHost
				if !strings.Contains(conf, "proxy_set_header Host "+upstream+";") {
					t.Errorf("%s: yelb-ui does not send Host %s, by which Lattice picks the service", where, upstream)
				}
			}
			if want := fmt.Sprintf("proxy_pass http://%s:%d/api;", upstream, AppServerPort); !strings.Contains(conf, want) {
				t.Errorf("%s: nginx config lacks %q:\n%s", where, want, conf)
			}
		}
	}
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
		v := variant{BackendLattice, delivery}
		vals := testValues(v.backend, v.delivery)
		for stage := 1; stage <= len(StageFiles); stage++ {
			objs := composed(t, v, stage)
			where := fmt.Sprintf("%s stage %d", delivery, stage)
			gw := decode[gatewayv1.Gateway](t, find(objs, "Gateway", vals.Lattice.GatewayName))
			if gw.Spec.GatewayClassName != "amazon-vpc-lattice" {
				t.Errorf("%s: gateway class %q", where, gw.Spec.GatewayClassName)
			}
			route := decode[gatewayv1.HTTPRoute](t, find(objs, "HTTPRoute", vals.Lattice.RouteName))
			if len(route.Spec.Hostnames) != 1 || string(route.Spec.Hostnames[0]) != vals.Lattice.AppServerHost {
				t.Errorf("%s: route hostnames %v, want [%s]", where, route.Spec.Hostnames, vals.Lattice.AppServerHost)
			}
			parent := route.Spec.ParentRefs[0]
			if string(parent.Name) != vals.Lattice.GatewayName {
				t.Errorf("%s: route parent %s, want %s", where, parent.Name, vals.Lattice.GatewayName)
			}
			listener := slices.IndexFunc(gw.Spec.Listeners, func(l gatewayv1.Listener) bool { return l.Name == *parent.SectionName })
			if listener < 0 || gw.Spec.Listeners[listener].Port != AppServerPort || gw.Spec.Listeners[listener].Protocol != gatewayv1.HTTPProtocolType {
				t.Errorf("%s: route section %s is not an HTTP listener on %d: %+v", where, *parent.SectionName, AppServerPort, gw.Spec.Listeners)
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
				t.Errorf("%s: route sends to %v, want %v", where, got, want)
			}
			for _, o := range objs {
				if o.Kind() != "TargetGroupPolicy" {
					continue
				}
				ref := o["spec"].(map[string]any)["targetRef"].(map[string]any)
				if ref["kind"] != "Service" || find(objs, "Service", ref["name"].(string)) == nil {
					t.Errorf("%s: TargetGroupPolicy %s targets missing %v", where, o.Name(), ref)
				}
			}
			// A Lattice service is named "<route>-<namespace>", 40 characters at most.
			if n := len(vals.Lattice.RouteName) + 1 + len("hello-dev-with-28-characters"); n > 40 {
				t.Errorf("Lattice service name of %d characters for the longest prefix", n)
			}
		}
	}
}

// TestAppMeshReferences: every VirtualNode selects pods and names a Service
// that exists on its port; every backend, provider and route target exists;
// stage 3 splits 1:1 and the retry policy is the workshop's.
func TestAppMeshReferences(t *testing.T) {
	for _, delivery := range []string{DeliverySpinnaker, DeliveryPulumi} {
		v := variant{BackendAppMesh, delivery}
		vals := testValues(v.backend, v.delivery)
		for stage := 1; stage <= len(StageFiles); stage++ {
			objs := composed(t, v, stage)
			pods := podTemplates(t, objs)
			where := fmt.Sprintf("%s stage %d", delivery, stage)
			for _, o := range objs {
				spec, _ := o["spec"].(map[string]any)
				switch o.Kind() {
				case "VirtualNode":
					sel := stringMap(dig(spec, "podSelector", "matchLabels"))
					if len(matchingWorkloads(pods, sel)) != 1 {
						t.Errorf("%s: VirtualNode %s selects %v", where, o.Name(), matchingWorkloads(pods, sel))
					}
					host, _ := dig(spec, "serviceDiscovery", "dns", "hostname").(string)
					svc, ok := strings.CutSuffix(host, "."+vals.Namespace+".svc.cluster.local")
					port := dig(spec, "listeners").([]any)[0].(map[string]any)["portMapping"].(map[string]any)["port"].(float64)
					if !ok {
						t.Errorf("%s: VirtualNode %s discovers %q outside namespace %s", where, o.Name(), host, vals.Namespace)
					} else {
						servicePort(t, objs, svc, int32(port))
					}
					backends, _ := spec["backends"].([]any)
					for _, b := range backends {
						name := dig(b.(map[string]any), "virtualService", "virtualServiceRef", "name").(string)
						if find(objs, "VirtualService", name) == nil {
							t.Errorf("%s: VirtualNode %s has backend %s, which does not exist", where, o.Name(), name)
						}
					}
				case "VirtualService":
					for kind, ref := range dig(spec, "provider").(map[string]any) {
						name := ref.(map[string]any)[kind+"Ref"].(map[string]any)["name"].(string)
						want := map[string]string{"virtualNode": "VirtualNode", "virtualRouter": "VirtualRouter"}[kind]
						if find(objs, want, name) == nil {
							t.Errorf("%s: VirtualService %s provided by missing %s %s", where, o.Name(), want, name)
						}
					}
				case "VirtualRouter":
					route := dig(spec, "routes").([]any)[0].(map[string]any)["httpRoute"].(map[string]any)
					var got []string
					for _, wt := range dig(route, "action", "weightedTargets").([]any) {
						name := dig(wt.(map[string]any), "virtualNodeRef", "name").(string)
						if find(objs, "VirtualNode", name) == nil {
							t.Errorf("%s: router targets missing VirtualNode %s", where, name)
						}
						got = append(got, fmt.Sprintf("%s=%v", name, wt.(map[string]any)["weight"]))
					}
					want := []string{"yelb-appserver=1"}
					if stage >= 3 {
						want = []string{"yelb-appserver=1", "yelb-appserver-v2=1"}
					}
					if !slices.Equal(got, want) {
						t.Errorf("%s: router sends to %v, want %v", where, got, want)
					}
					retry := route["retryPolicy"].(map[string]any)
					if retry["maxRetries"] != 2.0 || dig(retry, "perRetryTimeout", "value") != 2000.0 || dig(retry, "perRetryTimeout", "unit") != "ms" ||
						fmt.Sprint(retry["httpRetryEvents"]) != "[server-error client-error gateway-error]" {
						t.Errorf("%s: retry policy %v is not the workshop's", where, retry)
					}
				}
			}
			ns := decode[corev1.Namespace](t, find(objs, "Namespace", vals.Namespace))
			if ns.Labels["mesh"] != vals.Mesh.Name || ns.Labels["appmesh.k8s.aws/sidecarInjectorWebhook"] != "enabled" {
				t.Errorf("%s: namespace labels %v do not join mesh %s with sidecar injection", where, ns.Labels, vals.Mesh.Name)
			}
			mesh := find(objs, "Mesh", vals.Mesh.Name)
			if mesh == nil || stringMap(dig(mesh["spec"].(map[string]any), "namespaceSelector", "matchLabels"))["mesh"] != vals.Mesh.Name {
				t.Errorf("%s: Mesh %s missing or not selecting the namespace", where, vals.Mesh.Name)
			}
		}
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
