package spinnaker

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/spinnaker/settings"
	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

const appKubeconfig = `{"clusters":[{"name":"k","cluster":{"server":"https://APP.eks.amazonaws.com","certificate-authority-data":"Q0E="}}]}`

func build(t *testing.T, project string) *mockcloud.Cloud {
	return buildWith(t, project, IngressConfig{Scheme: SchemeInternal})
}

func buildWith(t *testing.T, project string, ingress IngressConfig) *mockcloud.Cloud {
	t.Helper()
	cloud := mockcloud.New("workshop", "test", "ap-northeast-2")
	err := cloud.Run(nil, nil, func(ctx *pulumi.Context) error {
		var nodes pulumi.CustomResourceState
		if err := ctx.RegisterResource("test:index:Nodes", "nodes", nil, &nodes); err != nil {
			return err
		}
		provider, err := kubernetes.NewProvider(ctx, "platform", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return err
		}
		_, err = NewSpinnaker(ctx, "spin", SpinnakerArgs{
			Version: "2026.2.3", Namespace: "spinnaker", Region: "ap-northeast-2", Provider: provider,
			PlatformClusterName: "hello-test-platform", Nodes: &nodes, Storage: []pulumi.Resource{&nodes},
			AccountID: pulumi.String("123456789012"), ManagedRoleArn: pulumi.String("arn:aws:iam::123456789012:role/managed"),
			ArtifactBucket: pulumi.String("artifacts-1"), CodeBuildProject: pulumi.String(project),
			AppClusterName: "hello-test-app", AppKubeconfigJSON: pulumi.ToSecret(pulumi.String(appKubeconfig)).(pulumi.StringOutput),
			YelbNamespace: "hello-test", Ingress: ingress, IngressController: []pulumi.Resource{&nodes},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return cloud
}

func TestOneDeploymentAndServicePerService(t *testing.T) {
	cloud := build(t, "yelbv2")
	deployments := map[string]mockcloud.Resource{}
	for _, d := range cloud.OfType("kubernetes:apps/v1:Deployment") {
		deployments[d.Input("metadata").(map[string]any)["name"].(string)] = d
	}
	services := map[string]bool{}
	for _, s := range cloud.OfType("kubernetes:core/v1:Service") {
		services[s.Input("metadata").(map[string]any)["name"].(string)] = true
	}
	for _, svc := range settings.DefaultServices() {
		d, ok := deployments["spin-"+svc]
		if !ok || !services["spin-"+svc] {
			t.Errorf("%s: deployment %v service %v", svc, ok, services["spin-"+svc])
			continue
		}
		pod := d.Input("spec").(map[string]any)["template"].(map[string]any)
		c := pod["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
		if c["image"] != "ghcr.io/spinnaker/"+svc+":2026.2.3" {
			t.Errorf("%s image %v", svc, c["image"])
		}
		mem := c["resources"].(map[string]any)["requests"].(map[string]any)["memory"]
		if mem != MemoryRequests[svc] {
			t.Errorf("%s memory %v", svc, mem)
		}
		probe := c["readinessProbe"].(map[string]any)
		if path := HealthPath(svc); path != "" && probe["httpGet"].(map[string]any)["path"] != path {
			t.Errorf("%s readiness %v", svc, probe)
		}
		podSecurity, _ := pod["spec"].(map[string]any)["securityContext"].(map[string]any)
		if (svc == "deck") != (podSecurity == nil) || (podSecurity != nil && podSecurity["runAsNonRoot"] != true) {
			t.Errorf("%s: pod security context %v", svc, podSecurity)
		}
		sum := pod["metadata"].(map[string]any)["annotations"].(map[string]any)[ConfigChecksumAnnotation]
		if s, _ := sum.(string); len(s) != 64 {
			t.Errorf("%s: config checksum %v", svc, sum)
		}
	}
	if _, ok := deployments["spin-redis"]; !ok {
		t.Error("no redis")
	}
	if len(cloud.OfType("kubernetes:apps/v1:StatefulSet")) != 1 {
		t.Error("no mysql")
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

func TestSeedJobFollowsThePipelines(t *testing.T) {
	name := func(cloud *mockcloud.Cloud) string {
		jobs := cloud.OfType("kubernetes:batch/v1:Job")
		if len(jobs) != 1 {
			t.Fatalf("%d jobs", len(jobs))
		}
		return jobs[0].Input("metadata").(map[string]any)["name"].(string)
	}
	a, b, c := name(build(t, "yelbv2")), name(build(t, "yelbv2")), name(build(t, "other-project"))
	if a != b || a == c || !strings.HasPrefix(a, "spin-seed-pipelines-") {
		t.Errorf("job names %s %s %s: same pipelines must keep the job, changed ones replace it", a, b, c)
	}
}

func TestTunnelCommand(t *testing.T) {
	cmd := TunnelCommand("hello-dev-platform", "ap-northeast-2", "spinnaker")
	for _, want := range []string{"--name hello-dev-platform", "port-forward svc/spin-deck 9000:9000", "port-forward svc/spin-gate 8084:8084"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("%q lacks %q", cmd, want)
		}
	}
}

func TestIngressIsOptionalAndRestricted(t *testing.T) {
	if n := len(build(t, "p").OfType("kubernetes:networking.k8s.io/v1:Ingress")); n != 0 {
		t.Errorf("ingress off: %d ingresses", n)
	}
	cloud := buildWith(t, "p", IngressConfig{Enabled: true, Scheme: SchemeInternetFacing, AllowedCidrs: []string{"203.0.113.0/24"}})
	ings := cloud.OfType("kubernetes:networking.k8s.io/v1:Ingress")
	if len(ings) != 1 {
		t.Fatalf("%d ingresses", len(ings))
	}
	meta := ings[0].Input("metadata").(map[string]any)
	ann := meta["annotations"].(map[string]any)
	if ann["alb.ingress.kubernetes.io/scheme"] != "internet-facing" || ann["alb.ingress.kubernetes.io/inbound-cidrs"] != "203.0.113.0/24" {
		t.Errorf("annotations = %v", ann)
	}
	paths := ings[0].Input("spec").(map[string]any)["rules"].([]any)[0].(map[string]any)["http"].(map[string]any)["paths"].([]any)
	first := paths[0].(map[string]any)
	if first["path"] != "/api/v1" || first["backend"].(map[string]any)["service"].(map[string]any)["name"] != "spin-gate" {
		t.Errorf("paths = %v", paths)
	}
	for _, bad := range []IngressConfig{
		{Enabled: true, Scheme: SchemeInternetFacing},
		{Enabled: true, Scheme: SchemeInternetFacing, AllowedCidrs: []string{"0.0.0.0/0"}},
		{Scheme: "public"},
	} {
		if bad.Validate() == nil {
			t.Errorf("%+v must be refused", bad)
		}
	}
}
