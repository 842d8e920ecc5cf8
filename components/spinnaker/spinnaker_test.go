package spinnaker

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

const appKubeconfig = `{"clusters":[{"name":"k","cluster":{"server":"https://APP.eks.amazonaws.com","certificate-authority-data":"Q0E="}}]}`

var stageFiles = []string{"1.app-v1.yaml", "2.app-v2.yaml", "3.weighted-route.yaml", "4.high-availability.yaml"}

// graph is the recorded install, with the custom timeouts the engine was
// given, which the simulated cloud does not keep.
type graph struct {
	*mockcloud.Cloud
	mu       sync.Mutex
	timeouts map[string]string // "<name>/create"
}

func (g *graph) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	if t := args.RegisterRPC.GetCustomTimeouts(); t != nil {
		g.mu.Lock()
		g.timeouts[args.Name+"/create"], g.timeouts[args.Name+"/update"] = t.GetCreate(), t.GetUpdate()
		g.mu.Unlock()
	}
	return g.Cloud.NewResource(args)
}

// example are the arguments the stack gives, for one CodeBuild project.
func example(project string) SpinnakerArgs {
	return SpinnakerArgs{
		Version: "2026.2.3", Namespace: "spinnaker", Region: "ap-northeast-2",
		PlatformClusterName: "hello-test-platform",
		AccountID:           pulumi.String("123456789012"), ManagedRoleArn: pulumi.String("arn:aws:iam::123456789012:role/managed"),
		ArtifactBucket: pulumi.String("artifacts-1"), CodeBuildProject: pulumi.String(project),
		Apps: []AppTarget{{
			Account: "eks", Application: "yelb", ClusterName: pulumi.String("hello-test-app"),
			KubeconfigJSON: pulumi.ToSecret(pulumi.String(appKubeconfig)).(pulumi.StringOutput), Namespace: pulumi.String("hello-test"),
		}},
		StageFiles: stageFiles,
		Ingress:    IngressConfig{Scheme: SchemeInternal}, IngressName: "hello-test-cd",
	}
}

func build(t *testing.T, project string) *graph {
	return buildArgs(t, example(project))
}

func buildWith(t *testing.T, project string, ingress IngressConfig) *graph {
	a := example(project)
	a.Ingress = ingress
	return buildArgs(t, a)
}

func buildArgs(t *testing.T, args SpinnakerArgs) *graph {
	t.Helper()
	g, err := run(args)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func run(args SpinnakerArgs) (*graph, error) {
	g := &graph{Cloud: mockcloud.New("workshop", "test", "ap-northeast-2"), timeouts: map[string]string{}}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		var nodes, addOn pulumi.CustomResourceState
		if err := ctx.RegisterResource("test:index:Nodes", "nodes", nil, &nodes); err != nil {
			return err
		}
		if err := ctx.RegisterResource("test:index:AddOn", "coredns", nil, &addOn); err != nil {
			return err
		}
		provider, err := kubernetes.NewProvider(ctx, "platform", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return err
		}
		args.Provider, args.Nodes = provider, &nodes
		args.AddOns, args.IngressController = []pulumi.Resource{&addOn}, []pulumi.Resource{&nodes}
		_, err = NewSpinnaker(ctx, "spin", args)
		return err
	}, pulumi.WithMocks("workshop", "test", g))
	return g, err
}

func name(r mockcloud.Resource) string {
	s, _ := r.Input("metadata").(map[string]any)["name"].(string)
	return s
}

func byName(g *graph, typ string) map[string]mockcloud.Resource {
	out := map[string]mockcloud.Resource{}
	for _, r := range g.OfType(typ) {
		out[name(r)] = r
	}
	return out
}

func podSpec(r mockcloud.Resource) map[string]any {
	return r.Input("spec").(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
}

// TestServicesAsUpstreamRunsThem: image, memory and readiness probe as in
// spinnaker-kustomize/base/<service>/deployment.yml; the JVM services as
// user 10111 (base/gate/deployment.yml), deck as its image has it.
func TestServicesAsUpstreamRunsThem(t *testing.T) {
	g := build(t, "yelbv2")
	deployments := byName(g, "kubernetes:apps/v1:Deployment")
	services := byName(g, "kubernetes:core/v1:Service")
	for _, w := range []struct {
		svc, memory, readiness string
	}{
		{"clouddriver", "1Gi", "/health"}, {"front50", "1Gi", "/health"}, {"orca", "1Gi", "/health"},
		{"echo", "1Gi", "/health"}, {"igor", "1Gi", "/health"}, {"rosco", "1Gi", "/health"},
		{"gate", "1Gi", "/api/v1/health"}, {"deck", "500Mi", ""},
	} {
		t.Run(w.svc, func(t *testing.T) {
			d, ok := deployments["spin-"+w.svc]
			if _, svcOK := services["spin-"+w.svc]; !ok || !svcOK {
				t.Fatalf("deployment %v, service %v", ok, svcOK)
			}
			spec := podSpec(d)
			c := spec["containers"].([]any)[0].(map[string]any)
			if c["image"] != "ghcr.io/spinnaker/"+w.svc+":2026.2.3" {
				t.Errorf("image %v", c["image"])
			}
			if mem := c["resources"].(map[string]any)["requests"].(map[string]any)["memory"]; mem != w.memory {
				t.Errorf("memory %v, want %s", mem, w.memory)
			}
			probe := c["readinessProbe"].(map[string]any)
			if w.readiness == "" && probe["tcpSocket"] == nil || w.readiness != "" && get(probe, "httpGet", "path") != w.readiness {
				t.Errorf("readiness %v, want %q", probe, w.readiness)
			}
			security, _ := spec["securityContext"].(map[string]any)
			if w.svc == "deck" {
				if security != nil {
					t.Errorf("deck's pod security %v", security)
				}
			} else if security["runAsUser"] != 10111.0 || security["runAsNonRoot"] != true {
				t.Errorf("pod security %v", security)
			}
		})
	}
	if _, ok := deployments["spin-redis"]; !ok {
		t.Error("no redis")
	}
}

func get(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		next, _ := cur.(map[string]any)
		cur = next[p]
	}
	return cur
}

// mounted are the config files a Deployment's pods see, by source.
func mounted(t *testing.T, d mockcloud.Resource) (public, secret []string) {
	t.Helper()
	for _, v := range podSpec(d)["volumes"].([]any) {
		for _, src := range get(v.(map[string]any), "projected", "sources").([]any) {
			s := src.(map[string]any)
			kind, into := "configMap", &public
			if s["secret"] != nil {
				kind, into = "secret", &secret
			}
			items, _ := get(s, kind, "items").([]any)
			if len(items) == 0 {
				t.Errorf("%s: a %s is mounted whole", name(d), kind)
			}
			for _, it := range items {
				*into = append(*into, it.(map[string]any)["key"].(string))
			}
		}
	}
	slices.Sort(public)
	slices.Sort(secret)
	return public, secret
}

// TestEachServiceMountsOnlyWhatItReads: a service reads spinnaker.yml and
// its own <service>-local.yml (Spring profile "local"); Deck reads only its
// settings (upstream mounts Deck's own config map alone:
// spinnaker-kustomize/base/deck/deployment.yml). No pod holds another
// service's passwords.
func TestEachServiceMountsOnlyWhatItReads(t *testing.T) {
	deployments := byName(build(t, "yelbv2"), "kubernetes:apps/v1:Deployment")
	for _, w := range []struct {
		svc            string
		public, secret []string
	}{
		{"clouddriver", []string{"spinnaker.yml"}, []string{"clouddriver-local.yml"}},
		{"front50", []string{"spinnaker.yml"}, []string{"front50-local.yml"}},
		{"orca", []string{"spinnaker.yml"}, []string{"orca-local.yml"}},
		{"gate", []string{"spinnaker.yml"}, []string{"gate-local.yml"}},
		{"igor", []string{"igor-local.yml", "spinnaker.yml"}, nil},
		{"echo", []string{"spinnaker.yml"}, nil},
		{"rosco", []string{"spinnaker.yml"}, nil},
		{"deck", []string{"settings.js"}, nil},
	} {
		t.Run(w.svc, func(t *testing.T) {
			public, secret := mounted(t, deployments["spin-"+w.svc])
			if !slices.Equal(public, w.public) || !slices.Equal(secret, w.secret) {
				t.Errorf("mounts %v from the config map and %v from the secret, want %v and %v", public, secret, w.public, w.secret)
			}
		})
	}
}

// TestChecksumsFollowTheFilesRead: a change to the managed role's ARN
// changes clouddriver's and igor's files only, so only they roll.
func TestChecksumsFollowTheFilesRead(t *testing.T) {
	sums := func(g *graph) map[string]string {
		out := map[string]string{}
		for n, d := range byName(g, "kubernetes:apps/v1:Deployment") {
			s, _ := get(d.Input("spec").(map[string]any), "template", "metadata", "annotations", ConfigChecksumAnnotation).(string)
			out[n] = s
		}
		return out
	}
	before := sums(build(t, "yelbv2"))
	changed := example("yelbv2")
	changed.ManagedRoleArn = pulumi.String("arn:aws:iam::123456789012:role/other")
	after := sums(buildArgs(t, changed))
	for _, svc := range []string{"clouddriver", "igor", "front50", "orca", "gate", "echo", "rosco", "deck"} {
		t.Run(svc, func(t *testing.T) {
			b := before["spin-"+svc]
			if len(b) != 64 {
				t.Fatalf("checksum %q", b)
			}
			if rolls := b != after["spin-"+svc]; rolls != (svc == "clouddriver" || svc == "igor") {
				t.Errorf("rolls on a managed role change: %v", rolls)
			}
		})
	}
}

// TestMySQLDataIsASubdirectory: MySQL 8's entrypoint initializes when
// $DATADIR/mysql is missing, and --initialize aborts on a non-empty data
// directory; a fresh ext4 volume's root holds lost+found
// (docker-library/mysql 8.0/docker-entrypoint.sh, docker_setup_env and
// docker_init_database_dir; removed from the repository's head with 8.0,
// read at b6c1f3997a^).
func TestMySQLDataIsASubdirectory(t *testing.T) {
	sets := build(t, "yelbv2").OfType("kubernetes:apps/v1:StatefulSet")
	if len(sets) != 1 {
		t.Fatalf("%d stateful sets", len(sets))
	}
	c := podSpec(sets[0])["containers"].([]any)[0].(map[string]any)
	for _, m := range c["volumeMounts"].([]any) {
		mount := m.(map[string]any)
		if mount["mountPath"] != "/var/lib/mysql" {
			continue
		}
		if sub, _ := mount["subPath"].(string); sub == "" || sub == "." || strings.Contains(sub, "/") {
			t.Errorf("the data directory is the volume's root (subPath %q)", sub)
		}
		return
	}
	t.Error("no volume at /var/lib/mysql")
}

// TestStatefulSetsNameHeadlessServices: serviceName is optional and, when
// set, names the Service that governs the set, which must be headless
// (k8s.io/api apps/v1 StatefulSetSpec.ServiceName; validation allows it
// empty: kubernetes pkg/apis/apps/validation/validation.go).
func TestStatefulSetsNameHeadlessServices(t *testing.T) {
	g := build(t, "yelbv2")
	services := byName(g, "kubernetes:core/v1:Service")
	for _, s := range g.OfType("kubernetes:apps/v1:StatefulSet") {
		t.Run(name(s), func(t *testing.T) {
			sn, _ := s.Input("spec").(map[string]any)["serviceName"].(string)
			if sn == "" {
				return
			}
			svc, ok := services[sn]
			if !ok || get(svc.Input("spec").(map[string]any), "clusterIP") != "None" {
				t.Errorf("serviceName %s names no headless Service", sn)
			}
		})
	}
}

func TestCredentialsOnlyInSecrets(t *testing.T) {
	cloud := build(t, "yelbv2")
	for _, cm := range cloud.OfType("kubernetes:core/v1:ConfigMap") {
		data, _ := cm.Input("data").(map[string]any)
		for name, v := range data {
			if s, _ := v.(string); strings.Contains(s, "Password0") || strings.Contains(s, "Q0E=") {
				t.Errorf("config map %s file %s holds a credential", cm.Name, name)
			}
		}
	}
	secret, ok := cloud.Find("kubernetes:core/v1:Secret", "spin-config")
	if !ok || !secret.Inputs["stringData"].ContainsSecrets() {
		t.Fatal("config secret missing or not secret")
	}
	files := secret.Input("stringData").(map[string]any)
	if !strings.Contains(files["clouddriver-local.yml"].(string), "get-token") {
		t.Error("clouddriver's eks account has no kubeconfig")
	}
}

func seedJob(t *testing.T, g *graph) mockcloud.Resource {
	t.Helper()
	jobs := g.OfType("kubernetes:batch/v1:Job")
	if len(jobs) != 1 {
		t.Fatalf("%d jobs", len(jobs))
	}
	return jobs[0]
}

func TestSeedJobFollowsThePipelines(t *testing.T) {
	a, b, c := name(seedJob(t, build(t, "yelbv2"))), name(seedJob(t, build(t, "yelbv2"))), name(seedJob(t, build(t, "other-project")))
	if a != b || a == c || !strings.HasPrefix(a, "spin-seed-pipelines-") {
		t.Errorf("job names %s %s %s: same pipelines must keep the job, changed ones replace it", a, b, c)
	}
}

// TestSeedJobCanStart: the kubelet refuses a container with runAsNonRoot
// whose user is not numeric ("container has runAsNonRoot and image has
// non-numeric user"); curl's image named its user (curl/curl-container
// create_appliance_image.sh: buildah config --user curl_user) and golang's
// names none (docker-library/golang 1.26/alpine3.24/Dockerfile), so the Job
// gives a number.
func TestSeedJobCanStart(t *testing.T) {
	spec := podSpec(seedJob(t, build(t, "yelbv2")))
	c := spec["containers"].([]any)[0].(map[string]any)
	security := c["securityContext"].(map[string]any)
	if security["runAsNonRoot"] != true {
		t.Errorf("security %v", security)
	}
	if uid, ok := security["runAsUser"].(float64); !ok || uid <= 0 {
		t.Errorf("runAsNonRoot without a numeric user: %v", security)
	}
	if image, _ := c["image"].(string); !strings.HasPrefix(image, "golang:") {
		t.Errorf("image %v", c["image"])
	}
}

// TestSeedTimeoutsNest: the seeder gives up first, then the Job, then
// Pulumi, which would otherwise fail a running Job after 10 minutes
// (pulumi-kubernetes provider/pkg/await/job.go, DefaultJobTimeoutMins).
func TestSeedTimeoutsNest(t *testing.T) {
	g := build(t, "yelbv2")
	job := seedJob(t, g)
	spec := podSpec(job)
	args := spec["containers"].([]any)[0].(map[string]any)["command"].([]any)
	i := slices.Index(args, any("-deadline"))
	if i < 0 {
		t.Fatalf("the seeder has no deadline: %v", args)
	}
	seeder, err := time.ParseDuration(args[i+1].(string))
	if err != nil {
		t.Fatal(err)
	}
	active := time.Duration(job.Input("spec").(map[string]any)["activeDeadlineSeconds"].(float64)) * time.Second
	for _, op := range []string{"create", "update"} {
		t.Run(op, func(t *testing.T) {
			pulumiWait, err := time.ParseDuration(g.timeouts[job.Name+"/"+op])
			if err != nil {
				t.Fatalf("no %s timeout: %v", op, err)
			}
			const margin = 5 * time.Minute
			if seeder+margin > active || active+margin > pulumiWait {
				t.Errorf("seeder %s, job %s, pulumi %s: each must end at least %s before the next", seeder, active, pulumiWait, margin)
			}
		})
	}
}

// TestSeedJobWaitsForTheServices: the seeder needs gate, orca, front50 and
// clouddriver running; started with them it spent its time on a cold start.
func TestSeedJobWaitsForTheServices(t *testing.T) {
	g := build(t, "yelbv2")
	job := seedJob(t, g)
	for _, d := range g.OfType("kubernetes:apps/v1:Deployment") {
		if !strings.HasPrefix(name(d), "spin-") || name(d) == "spin-redis" {
			continue
		}
		if !slices.Contains(job.Dependencies, d.URN) {
			t.Errorf("the seed job does not wait for %s", name(d))
		}
	}
}

func TestTunnelCommand(t *testing.T) {
	cmd := TunnelCommand("hello-dev-platform", "ap-northeast-2", "spinnaker")
	for _, want := range []string{"--name hello-dev-platform", "port-forward svc/spin-deck 9000:9000", "port-forward svc/spin-gate 8084:8084"} {
		t.Run(want, func(t *testing.T) {
			if !strings.Contains(cmd, want) {
				t.Errorf("%q lacks %q", cmd, want)
			}
		})
	}
}

// TestIngress: one named ALB, /api/v1 to gate, health checks where each
// backend answers (gate: /api/v1/health, spinnaker-kustomize/base/gate/deployment.yml;
// on "/" it answers 404), set on the Services, which take precedence over
// the Ingress (aws-load-balancer-controller docs/guide/ingress/annotations.md).
func TestIngress(t *testing.T) {
	if n := len(build(t, "p").OfType("kubernetes:networking.k8s.io/v1:Ingress")); n != 0 {
		t.Errorf("ingress off: %d ingresses", n)
	}
	g := buildWith(t, "p", IngressConfig{Enabled: true, Scheme: SchemeInternetFacing, AllowedCidrs: []string{"203.0.113.0/24"}})
	ings := g.OfType("kubernetes:networking.k8s.io/v1:Ingress")
	if len(ings) != 1 {
		t.Fatalf("%d ingresses", len(ings))
	}
	ann := ings[0].Input("metadata").(map[string]any)["annotations"].(map[string]any)
	for k, v := range map[string]string{
		"alb.ingress.kubernetes.io/scheme":             "internet-facing",
		"alb.ingress.kubernetes.io/inbound-cidrs":      "203.0.113.0/24",
		"alb.ingress.kubernetes.io/load-balancer-name": "hello-test-cd",
	} {
		if ann[k] != v {
			t.Errorf("%s = %v, want %s", k, ann[k], v)
		}
	}
	paths := get(ings[0].Input("spec").(map[string]any)["rules"].([]any)[0].(map[string]any), "http", "paths").([]any)
	first := paths[0].(map[string]any)
	if first["path"] != "/api/v1" || get(first, "backend", "service", "name") != "spin-gate" {
		t.Errorf("paths = %v", paths)
	}
	services := byName(g, "kubernetes:core/v1:Service")
	for svc, path := range map[string]string{"spin-gate": "/api/v1/health", "spin-deck": "/"} {
		t.Run(svc, func(t *testing.T) {
			if got := get(services[svc].Input("metadata").(map[string]any), "annotations", "alb.ingress.kubernetes.io/healthcheck-path"); got != path {
				t.Errorf("health check %v, want %s", got, path)
			}
		})
	}
	secret, _ := g.Find("kubernetes:core/v1:Secret", "spin-config")
	gate := secret.Input("stringData").(map[string]any)["gate-local.yml"].(string)
	if !strings.Contains(gate, `hello-test-cd-[0-9]+\.ap-northeast-2\.elb\.amazonaws\.com`) {
		t.Errorf("gate does not accept the ALB's host:\n%s", gate)
	}
}

func TestIngressConfigIsRestricted(t *testing.T) {
	for i, bad := range []IngressConfig{
		{Enabled: true, Scheme: SchemeInternetFacing},
		{Enabled: true, Scheme: SchemeInternetFacing, AllowedCidrs: []string{"0.0.0.0/0"}},
		{Scheme: "public"},
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if bad.Validate() == nil {
				t.Errorf("%+v must be refused", bad)
			}
		})
	}
}

// TestBadArgumentsFailBeforeAnything: an ALB name ELB would refuse (32
// characters at most, letters, digits and hyphens) and a stage list the
// pipelines cannot use fail before any resource is registered.
func TestBadArgumentsFailBeforeAnything(t *testing.T) {
	for _, c := range []struct {
		name   string
		mutate func(*SpinnakerArgs)
		want   string
	}{
		{"ALB name too long", func(a *SpinnakerArgs) { a.Ingress.Enabled, a.IngressName = true, strings.Repeat("a", 33) }, "ingress name"},
		{"ALB name with a dot", func(a *SpinnakerArgs) { a.Ingress.Enabled, a.IngressName = true, "hello.dev" }, "ingress name"},
		{"three stage files", func(a *SpinnakerArgs) { a.StageFiles = stageFiles[:3] }, "stage files"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := example("p")
			c.mutate(&a)
			g, err := run(a)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if n := len(g.Resources()); n > 3 {
				t.Errorf("%d resources registered before the error", n)
			}
		})
	}
}

// TestEveryPodWaitsForTheAddOns: a pod started before CoreDNS resolves no
// Service name, and one started before the Pod Identity agent runs gets no
// AWS credentials (clouddriver reads its accounts once, at start).
func TestEveryPodWaitsForTheAddOns(t *testing.T) {
	g := build(t, "yelbv2")
	addOn, ok := g.Find("test:index:AddOn", "coredns")
	if !ok {
		t.Fatal("no add-on")
	}
	for _, typ := range []string{"kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:batch/v1:Job"} {
		for _, r := range g.OfType(typ) {
			t.Run(name(r), func(t *testing.T) {
				if !slices.Contains(r.Dependencies, addOn.URN) {
					t.Errorf("%s does not wait for the add-ons", r.URN)
				}
			})
		}
	}
}
