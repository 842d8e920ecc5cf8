package yelb

import (
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// Facts about the images and controllers the manifests run against, each
// read in the upstream source named beside it.

// TestDataDirectoriesOnFreshVolumes: a fresh ext4 EBS volume holds
// lost+found. The postgres entrypoint runs initdb in $PGDATA while
// $PGDATA/PG_VERSION is missing, and initdb refuses a non-empty directory,
// so PGDATA must be a directory below the mount (or the mount a subPath).
// mreferre/yelb yelb-db/Dockerfile at 9cba442 (tag 0.5): FROM postgres:10.0;
// docker-library/postgres 10/Dockerfile (ENV PGDATA /var/lib/postgresql/data)
// and 10/docker-entrypoint.sh at 2f0f505 (mkdir -p "$PGDATA", initdb).
// Redis writes appendonly.aof and dump.rdb into its working directory and
// does not need it empty: docker-library/redis 4.0/Dockerfile at 29b44c4
// (4.0.2: VOLUME /data, WORKDIR /data) and 4.0/docker-entrypoint.sh
// (chown -R redis . then redis-server).
func TestDataDirectoriesOnFreshVolumes(t *testing.T) {
	images := []struct {
		statefulSet, dataDirEnv, imageDataDir string
		needsEmptyDir                         bool
	}{
		{"yelb-db", "PGDATA", "/var/lib/postgresql/data", true},
		{"redis-server", "", "/data", false},
	}
	for _, v := range variants {
		objs := composed(t, v, 1)
		for _, img := range images {
			t.Run(v.backend+"/"+v.delivery+"/"+img.statefulSet, func(t *testing.T) {
				sts := decode[appsv1.StatefulSet](t, find(objs, "StatefulSet", img.statefulSet))
				claims := map[string]bool{}
				for _, c := range sts.Spec.VolumeClaimTemplates {
					claims[c.Name] = true
				}
				c := sts.Spec.Template.Spec.Containers[0]
				dataDir := img.imageDataDir
				for _, e := range c.Env {
					if img.dataDirEnv != "" && e.Name == img.dataDirEnv {
						dataDir = e.Value
					}
				}
				var mount *corev1.VolumeMount
				for i, m := range c.VolumeMounts {
					if claims[m.Name] && (dataDir == m.MountPath || strings.HasPrefix(dataDir, m.MountPath+"/")) {
						mount = &c.VolumeMounts[i]
					}
				}
				if mount == nil {
					t.Fatalf("data directory %s is on no volume claim: the data dies with the pod", dataDir)
				}
				if img.needsEmptyDir && dataDir == mount.MountPath && mount.SubPath == "" {
					t.Errorf("data directory %s is the root of volume %s, which holds lost+found; the image needs an empty directory", dataDir, mount.Name)
				}
			})
		}
	}
}

// uiStartScript is yelb-ui's container command as rendered.
func uiStartScript(t *testing.T, objs []Object) (string, corev1.PodSpec) {
	t.Helper()
	pod := decode[appsv1.Deployment](t, find(objs, "Deployment", "yelb-ui")).Spec.Template.Spec
	cmd := pod.Containers[0].Command
	if len(cmd) != 3 || cmd[0] != "/bin/sh" || cmd[1] != "-c" {
		t.Fatalf("yelb-ui command %q is not a shell script", cmd)
	}
	return cmd[2], pod
}

// TestUIResolvesTheAppServerPerRequest: nginx resolves a host name written
// in proxy_pass once, at start, and refuses to start while it does not
// resolve; a name in a variable is resolved per request through the
// `resolver` directive, and a URI after it would replace every request's
// URI. nginx docs: https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_pass
// and https://nginx.org/en/docs/http/ngx_http_core_module.html#resolver.
// The resolver is the pod's own nameserver, which the kubelet sets to the
// cluster DNS Service for dnsPolicy ClusterFirst; nginxinc/docker-nginx
// entrypoint/15-local-resolvers.envsh reads /etc/resolv.conf the same way.
// The yelb-ui 0.7 image is nginx:1.17.10 (mreferre/yelb yelb-ui/Dockerfile
// at d85c95e), debian:buster-slim (nginxinc/docker-nginx
// mainline/buster/Dockerfile at 594ce7a), so /bin/sh is there.
func TestUIResolvesTheAppServerPerRequest(t *testing.T) {
	for _, delivery := range []string{DeliverySpinnaker, DeliveryPulumi} {
		t.Run(delivery, func(t *testing.T) {
			vals := testValues(BackendLattice, delivery)
			objs := composed(t, variant{BackendLattice, delivery}, 1)
			conf := decode[corev1.ConfigMap](t, find(objs, "ConfigMap", "yelb-ui-nginx")).Data["default.conf"]
			pass := regexp.MustCompile(`proxy_pass\s+(\S+);`).FindStringSubmatch(conf)
			set := regexp.MustCompile(`set\s+\$(\w+)\s+(\S+);`).FindStringSubmatch(conf)
			switch {
			case pass == nil || !strings.Contains(pass[1], "$"):
				t.Errorf("proxy_pass names the app server literally, resolved once at start:\n%s", conf)
			case set == nil || set[2] != vals.Lattice.AppServerHost || !strings.HasPrefix(pass[1], "http://$"+set[1]+":"):
				t.Errorf("proxy_pass %s does not go to the variable holding %s:\n%s", pass[1], vals.Lattice.AppServerHost, conf)
			case strings.Contains(strings.TrimPrefix(pass[1], "http://"), "/"):
				t.Errorf("proxy_pass %s carries a URI, which nginx would send in place of every request's", pass[1])
			}
			if !strings.Contains(conf, "include "+ResolverConf+";") {
				t.Errorf("the server block does not include the resolver %s:\n%s", ResolverConf, conf)
			}
			script, pod := uiStartScript(t, objs)
			if got := writeResolver(t, script, "search hello-dev.svc.cluster.local svc.cluster.local\nnameserver 172.20.0.10\noptions ndots:5\n"); got != "resolver 172.20.0.10 valid=10s ipv6=off;\n" {
				t.Errorf("the start script wrote %q", got)
			}
			mounted := slices.ContainsFunc(pod.Containers[0].VolumeMounts, func(m corev1.VolumeMount) bool {
				return m.MountPath == path.Dir(ResolverConf) && !m.ReadOnly
			})
			if !mounted {
				t.Errorf("nothing writable is mounted at %s", path.Dir(ResolverConf))
			}
			nginxAccepts(t, conf)
		})
	}
}

// writeResolver runs the start script on a resolv.conf and returns what it
// writes for nginx.
func writeResolver(t *testing.T, script, resolvConf string) string {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "resolv.conf"), filepath.Join(dir, "resolver.conf")
	if err := os.WriteFile(in, []byte(resolvConf), 0o644); err != nil {
		t.Fatal(err)
	}
	script = strings.NewReplacer("/etc/resolv.conf", in, ResolverConf, out, "exec nginx", "exit 0 #").Replace(script)
	if msg, err := exec.Command("/bin/sh", "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("start script: %v: %s", err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// nginxAccepts runs `nginx -t` on the server block where nginx is
// installed: it fails with "host not found in upstream" on a host name
// that does not resolve, as the app server's does not before ExternalDNS
// writes it.
func nginxAccepts(t *testing.T, serverBlock string) {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		t.Log("nginx is not installed; the server block was not loaded by nginx")
		return
	}
	dir := t.TempDir()
	resolver := filepath.Join(dir, "resolver.conf")
	main := filepath.Join(dir, "nginx.conf")
	block := strings.ReplaceAll(serverBlock, ResolverConf, resolver)
	files := map[string]string{
		resolver: "resolver 127.0.0.1 valid=10s ipv6=off;\n",
		main:     "error_log stderr;\npid " + filepath.Join(dir, "nginx.pid") + ";\nevents {}\nhttp {\n" + block + "}\n",
	}
	for name, text := range files {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command(bin, "-t", "-e", "stderr", "-p", dir, "-c", main).CombinedOutput(); err != nil {
		t.Errorf("nginx -t: %v\n%s", err, out)
	}
}

// TestLatticeServiceNamesAreUniquePerStack: without an override the
// controller names a service Truncate(route, 20) + "-" + Truncate(namespace,
// 18) (aws-application-networking-k8s v2.1.3 pkg/utils/common.go
// LatticeServiceName), and service names are unique per account; the
// override annotation is pkg/k8s/utils.go ServiceNameOverrideAnnotation.
func TestLatticeServiceNamesAreUniquePerStack(t *testing.T) {
	truncate := func(s string, n int) string { return strings.Trim(s[:min(n, len(s))], "-") }
	prefixes := []string{"workshop-attendee-01", "workshop-attendee-02", "hello-dev-with-28-characters"}
	seen := map[string]string{}
	for _, prefix := range prefixes {
		t.Run(prefix, func(t *testing.T) {
			args := AppArgs{Prefix: prefix, Backend: BackendLattice, Images: DefaultImages, ServiceDomain: ServiceDomain(prefix)}
			args.Images.AppServerV2 = AppServerV2Placeholder
			objs, err := Compose(ValuesFor(args, DeliveryPulumi), 1)
			if err != nil {
				t.Fatal(err)
			}
			route := decode[gatewayv1.HTTPRoute](t, find(objs, "HTTPRoute", "appserver"))
			name := route.Annotations["application-networking.k8s.aws/service-name-override"]
			if name == "" {
				name = truncate(route.Name, 20) + "-" + truncate(route.Namespace, 18)
			}
			if other, dup := seen[name]; dup {
				t.Errorf("stacks %s and %s share the Lattice service %s", other, prefix, name)
			}
			seen[name] = prefix
			if err := ValidateLatticeServiceName(name); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestValidateLatticeServiceName follows the controller's
// ValidateVPCLatticeServiceName (v2.1.3 pkg/k8s/utils.go).
func TestValidateLatticeServiceName(t *testing.T) {
	for name, ok := range map[string]bool{
		"hello-dev-appserver": true, "ab": false, strings.Repeat("a", 41): false, strings.Repeat("a", 40): true,
		"svc-dev-appserver": false, "-a-b": false, "a-b-": false, "a--b": false, "Hello-dev": false, "a_b": false,
	} {
		t.Run(name, func(t *testing.T) {
			if err := ValidateLatticeServiceName(name); (err == nil) != ok {
				t.Errorf("valid = %v, want %v (%v)", err == nil, ok, err)
			}
		})
	}
}

// TestVirtualServicesAreNamedAsClientsCallThem: Envoy routes HTTP on the
// Host header, which must be a VirtualService's name (awsName), as
// upstream's yelb mesh files name them (aws/aws-app-mesh-examples
// blogs/cert-manager-tls/yelb-base.yaml: awsName yelb-appserver, yelb-db,
// redis-server, yelb-ui). nginx calls the app server by the host of its
// proxy_pass; the app server calls "yelb-db" and "redis-server" (mreferre/yelb
// yelb-appserver/yelb-appserver.rb, configure :production, at 9cba442).
func TestVirtualServicesAreNamedAsClientsCallThem(t *testing.T) {
	for _, delivery := range []string{DeliverySpinnaker, DeliveryPulumi} {
		objs := composed(t, variant{BackendAppMesh, delivery}, 1)
		conf := decode[corev1.ConfigMap](t, find(objs, "ConfigMap", "yelb-ui-nginx")).Data["default.conf"]
		host := regexp.MustCompile(`proxy_pass\s+http://([^:/;]+)`).FindStringSubmatch(conf)
		if host == nil {
			t.Fatalf("no proxy_pass host in\n%s", conf)
		}
		called := map[string]string{"yelb-appserver": host[1], "yelb-db": "yelb-db", "redis-server": "redis-server", "yelb-ui": "yelb-ui"}
		for vs, want := range called {
			t.Run(delivery+"/"+vs, func(t *testing.T) {
				o := find(objs, "VirtualService", vs)
				if o == nil {
					t.Fatalf("no VirtualService %s", vs)
				}
				if got := dig(o["spec"].(map[string]any), "awsName"); got != want {
					t.Errorf("awsName %v, but clients call %s", got, want)
				}
			})
		}
	}
}

// TestStatefulSetsNameHeadlessServices: a StatefulSet's serviceName must
// name a headless Service, which gives its pods their DNS names, or be
// left out (optional since Kubernetes 1.33, kubernetes/kubernetes#130233;
// k8s.io/api apps/v1 StatefulSetSpec.ServiceName).
func TestStatefulSetsNameHeadlessServices(t *testing.T) {
	for _, v := range variants {
		objs := composed(t, v, len(StageFiles))
		for _, o := range objs {
			if o.Kind() != "StatefulSet" {
				continue
			}
			t.Run(fmt.Sprintf("%s/%s/%s", v.backend, v.delivery, o.Name()), func(t *testing.T) {
				name := decode[appsv1.StatefulSet](t, o).Spec.ServiceName
				if name == "" {
					return
				}
				svc := find(objs, "Service", name)
				if svc == nil || decode[corev1.Service](t, svc).Spec.ClusterIP != corev1.ClusterIPNone {
					t.Errorf("serviceName %s is not a headless Service", name)
				}
			})
		}
	}
}

// TestProbesHitPathsTheAppsServe: the app server serves GET /api/hostname
// without touching redis or the database (mreferre/yelb
// yelb-appserver/yelb-appserver.rb and modules/hostname.rb at 9cba442);
// yelb-ui's nginx serves / from its root.
func TestProbesHitPathsTheAppsServe(t *testing.T) {
	served := map[string][]string{
		"yelb-appserver": {"/api/hostname", "/api/pageviews", "/api/getstats", "/api/getvotes"},
		"yelb-ui":        {"/"},
	}
	for _, v := range variants {
		objs := composed(t, v, len(StageFiles))
		for _, o := range objs {
			switch o.Kind() {
			case "Deployment":
				for _, c := range decode[appsv1.Deployment](t, o).Spec.Template.Spec.Containers {
					for _, p := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe} {
						if p != nil && p.HTTPGet != nil && !slices.Contains(served[c.Name], p.HTTPGet.Path) {
							t.Errorf("%s/%s %s: probe on %s, which %s does not serve", v.backend, v.delivery, o.Name(), p.HTTPGet.Path, c.Name)
						}
					}
				}
			case "TargetGroupPolicy":
				if p := dig(o["spec"].(map[string]any), "healthCheck", "path"); !slices.Contains(served["yelb-appserver"], p.(string)) {
					t.Errorf("%s: Lattice health check on %v, which the app server does not serve", o.Name(), p)
				}
			}
		}
	}
}

// TestSpinnakerEvaluatesOnlyTheNamespace: a Deploy (Manifest) stage with
// skipExpressionEvaluation false, as the pipelines deploy (the namespace is
// itself an expression; components/spinnaker/pipelines), evaluates every
// ${...} in the manifest as a pipeline expression, so a shell or nginx
// variable written ${name} would be mangled or fail the stage
// (https://spinnaker.io/docs/guides/user/pipeline/expressions/).
func TestSpinnakerEvaluatesOnlyTheNamespace(t *testing.T) {
	for _, backend := range []string{BackendLattice, BackendAppMesh} {
		all, err := RenderAll(testValues(backend, DeliverySpinnaker))
		if err != nil {
			t.Fatal(err)
		}
		for f, text := range all {
			t.Run(backend+"/"+f, func(t *testing.T) {
				if rest := strings.ReplaceAll(text, SpinnakerNamespace, ""); strings.Contains(rest, "${") {
					i := strings.Index(rest, "${")
					t.Errorf("pipeline expression other than the namespace: %q", rest[i:min(len(rest), i+40)])
				}
			})
		}
	}
}
