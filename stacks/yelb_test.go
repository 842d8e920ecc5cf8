package stacks

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/workshop/spinnaker-modernization/components/addons"
	"github.com/workshop/spinnaker-modernization/components/yelb"
	"github.com/workshop/spinnaker-modernization/internal/buildspecrun"
	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
	"github.com/workshop/spinnaker-modernization/manifests"
)

// graphWith is graphOf for tests that need only the resources.
func graphWith(t *testing.T, overrides map[string]string) *mockcloud.Cloud {
	t.Helper()
	cloud, _ := graphOf(t, overrides)
	return cloud
}

func mustFind(t *testing.T, cloud *mockcloud.Cloud, typ, name string) mockcloud.Resource {
	t.Helper()
	r, ok := cloud.Find(typ, name)
	if !ok {
		t.Fatalf("no %s %s", typ, name)
	}
	return r
}

// dependsOnAll fails unless r waits for every resource of the given URNs.
func dependsOn(r mockcloud.Resource, urnSuffix string) bool {
	return slices.ContainsFunc(r.Dependencies, func(d string) bool { return strings.HasSuffix(d, urnSuffix) })
}

// TestSpinnakerDeliveryUploadsTheManifests: the dev stack uploads the four
// stage files where the pipelines and the build read them, and applies only
// the objects that make a destroy clean.
func TestSpinnakerDeliveryUploadsTheManifests(t *testing.T) {
	cloud, _ := devGraph(t)
	keys := map[string]string{}
	for _, r := range cloud.OfType("aws:s3/bucketObjectv2:BucketObjectv2") {
		keys[r.String("key")] = r.String("content")
		if !strings.HasPrefix(r.String("bucket"), "hello-dev-artifacts") {
			t.Errorf("%s uploaded to %s", r.Name, r.String("bucket"))
		}
	}
	// The stages that run v2 wait under templates/ for the build's image.
	for _, k := range []string{"1.app-v1.yaml", "templates/2.app-v2.yaml", "3.weighted-route.yaml", "templates/4.high-availability.yaml"} {
		content, ok := keys[k]
		if !ok {
			t.Errorf("%s not uploaded (got %v)", k, slices.Sorted(maps.Keys(keys)))
			continue
		}
		if !strings.Contains(content, yelb.SpinnakerNamespace) {
			t.Errorf("%s does not leave the namespace to the pipeline's override", k)
		}
	}
	for _, k := range []string{"templates/2.app-v2.yaml", "templates/4.high-availability.yaml"} {
		if !strings.Contains(keys[k], yelb.AppServerV2Placeholder) {
			t.Errorf("%s lacks the placeholder the build replaces", k)
		}
	}
	group := mustFind(t, cloud, "kubernetes:yaml/v2:ConfigGroup", "hello-dev-yelb")
	objs, err := yelb.Objects(group.String("yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.Kind()+"/"+o.Name())
	}
	if want := []string{"Namespace/hello-dev", "StorageClass/yelb-gp3"}; !slices.Equal(kinds, want) {
		t.Errorf("Pulumi applies %v under Spinnaker delivery, want %v", kinds, want)
	}
	// The namespace goes before the controllers that clean up after it.
	for _, suffix := range []string{"kubernetes:helm.sh/v4:Chart::hello-dev-app-aws-load-balancer-controller",
		"kubernetes:helm.sh/v4:Chart::hello-dev-app-aws-gateway-controller-chart", "aws:eks/addon:Addon::hello-dev-app-aws-ebs-csi-driver",
		"aws:vpclattice/serviceNetworkVpcAssociation:ServiceNetworkVpcAssociation::hello-dev-yelb"} {
		if !dependsOn(group, suffix) {
			t.Errorf("the app's namespace does not wait for %s", suffix)
		}
	}
}

// TestLatticeBackend: the controller with its CRDs, role and GatewayClass;
// the service network associated with the app VPC; the pods open to the
// Lattice prefix list; the private zone ExternalDNS alone may write.
func TestLatticeBackend(t *testing.T) {
	cloud, _ := devGraph(t)
	// The embedded bundle is the v1.5.0 standard channel (its CRDs carry
	// gateway.networking.k8s.io/bundle-version and /channel annotations).
	crds := mustFind(t, cloud, "kubernetes:yaml/v2:ConfigGroup", "hello-dev-app-gateway-api-crds")
	bundle := crds.String("yaml")
	if !strings.Contains(bundle, "gateway.networking.k8s.io/bundle-version: v1.5.0\n") || !strings.Contains(bundle, "gateway.networking.k8s.io/channel: standard\n") ||
		!strings.Contains(bundle, "name: httproutes.gateway.networking.k8s.io\n") {
		t.Errorf("Gateway API CRDs are not the v1.5.0 standard channel with HTTPRoute")
	}
	chart := mustFind(t, cloud, "kubernetes:helm.sh/v4:Chart", "hello-dev-app-aws-gateway-controller-chart")
	if chart.String("chart") != "oci://public.ecr.aws/aws-application-networking-k8s/aws-gateway-controller-chart" || chart.String("version") != "v2.1.3" ||
		chart.String("namespace") != addons.LatticeNamespace {
		t.Errorf("controller chart %s %s in %s", chart.String("chart"), chart.String("version"), chart.String("namespace"))
	}
	values, _ := chart.Input("values").(map[string]any)
	if values["clusterName"] != "hello-dev-app" || values["awsAccountId"] != "123456789012" || values["installExternalDNSCRD"] != false {
		t.Errorf("controller values %v", values)
	}
	assoc := mustFind(t, cloud, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "hello-dev-app-lattice")
	if assoc.String("namespace") != addons.LatticeNamespace || assoc.String("serviceAccount") != addons.LatticeServiceAccount {
		t.Errorf("controller identity for %s/%s", assoc.String("namespace"), assoc.String("serviceAccount"))
	}
	class := mustFind(t, cloud, "kubernetes:gateway.networking.k8s.io/v1:GatewayClass", "hello-dev-app-gatewayclass")
	if !dependsOn(class, "hello-dev-app-gateway-api-crds") || !dependsOn(class, "hello-dev-app-aws-gateway-controller-chart") {
		t.Errorf("GatewayClass does not wait for the CRDs and controller: %v", class.Dependencies)
	}

	network := mustFind(t, cloud, "aws:vpclattice/serviceNetwork:ServiceNetwork", "hello-dev-yelb")
	if network.String("name") != "hello-dev-yelb" {
		t.Errorf("service network %q must carry the Gateway's name", network.String("name"))
	}
	vpcAssoc := mustFind(t, cloud, "aws:vpclattice/serviceNetworkVpcAssociation:ServiceNetworkVpcAssociation", "hello-dev-yelb")
	if !strings.HasPrefix(vpcAssoc.String("vpcIdentifier"), "vpc-") || len(vpcAssoc.Input("securityGroupIds").([]any)) != 1 {
		t.Errorf("association %v", vpcAssoc.Inputs)
	}
	rule := mustFind(t, cloud, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "hello-dev-yelb-from-lattice")
	if !strings.HasPrefix(rule.String("prefixListId"), "pl-") || rule.Input("fromPort") != 4567.0 || rule.Input("toPort") != 4567.0 || rule.String("ipProtocol") != "tcp" {
		t.Errorf("Lattice ingress rule %v", rule.Inputs)
	}
	if !slices.Contains(cloud.Invokes(), "aws:ec2/getManagedPrefixList:getManagedPrefixList") {
		t.Error("the Lattice prefix list was not looked up")
	}

	zone := mustFind(t, cloud, "aws:route53/zone:Zone", "hello-dev-app-services")
	if zone.String("name") != "yelb.hello-dev.internal" || len(zone.Input("vpcs").([]any)) != 1 {
		t.Errorf("private zone %v", zone.Inputs)
	}
	dns := mustFind(t, cloud, "kubernetes:helm.sh/v4:Chart", "hello-dev-app-external-dns")
	dv, _ := dns.Input("values").(map[string]any)
	if dv["policy"] != "sync" || !slices.Contains(dv["extraArgs"].([]any), "--aws-zone-type=private") {
		t.Errorf("ExternalDNS values %v", dv)
	}
	policy := mustFind(t, cloud, "aws:iam/rolePolicy:RolePolicy", "hello-dev-app-external-dns").String("policy")
	zoneArn, _ := zone.Output("arn").(string)
	if !strings.Contains(policy, `"Action":["route53:ChangeResourceRecordSets"],"Resource":["`+zoneArn+`"]`) || zoneArn == "" {
		t.Errorf("ExternalDNS may change records beyond its zone: %s", policy)
	}
	if _, ok := cloud.Find("kubernetes:helm.sh/v4:Chart", "hello-dev-app-appmesh-controller"); ok {
		t.Error("the lattice backend installs the App Mesh controller")
	}
}

// TestAppMeshBackend: the controller with tracing and its role, the Envoy
// identity in the app namespace, and the mesh applied by Pulumi.
func TestAppMeshBackend(t *testing.T) {
	cloud := graphWith(t, map[string]string{"workshop:yelb": `{"backend":"appmesh"}`})
	chart := mustFind(t, cloud, "kubernetes:helm.sh/v4:Chart", "hello-dev-app-appmesh-controller")
	values, _ := chart.Input("values").(map[string]any)
	tracing, _ := values["tracing"].(map[string]any)
	if chart.String("version") != "1.13.3" || tracing["enabled"] != true || tracing["provider"] != "x-ray" {
		t.Errorf("appmesh-controller %s with tracing %v", chart.String("version"), tracing)
	}
	// Envoy reads IRSA credentials, not Pod Identity's
	// (aws/aws-app-mesh-roadmap#493): the app's service account names the
	// role whose trust admits it.
	envoy := mustFind(t, cloud, "aws:iam/role:Role", "hello-dev-app-envoy")
	if !strings.Contains(envoy.String("assumeRolePolicy"), `"system:serviceaccount:hello-dev:`+addons.WorkloadServiceAccount+`"`) {
		t.Errorf("the Envoy role does not trust hello-dev/%s: %s", addons.WorkloadServiceAccount, envoy.String("assumeRolePolicy"))
	}
	// Spinnaker delivers the service account, in the first stage file.
	stage1 := mustFind(t, cloud, "aws:s3/bucketObjectv2:BucketObjectv2", "hello-dev-yelb-1.app-v1").String("content")
	objs, err := yelb.Objects(stage1)
	if err != nil {
		t.Fatal(err)
	}
	annotated := false
	for _, o := range objs {
		if o.Kind() == "ServiceAccount" && o.Name() == addons.WorkloadServiceAccount {
			metadata, _ := o["metadata"].(map[string]any)
			annotations, _ := metadata["annotations"].(map[string]any)
			annotated = annotations["eks.amazonaws.com/role-arn"] == envoy.Output("arn")
		}
	}
	if !annotated {
		t.Errorf("service account %s does not name the Envoy role %v", addons.WorkloadServiceAccount, envoy.Output("arn"))
	}
	group := mustFind(t, cloud, "kubernetes:yaml/v2:ConfigGroup", "hello-dev-yelb")
	if !strings.Contains(group.String("yaml"), "kind: Mesh") || !strings.Contains(group.String("yaml"), "awsName: hello-dev-yelb-mesh") {
		t.Errorf("the mesh is not applied by Pulumi:\n%s", group.String("yaml"))
	}
	for _, typ := range []string{"aws:vpclattice/serviceNetwork:ServiceNetwork", "aws:route53/zone:Zone"} {
		if len(cloud.OfType(typ)) != 0 {
			t.Errorf("the appmesh backend creates %s", typ)
		}
	}
}

// TestPulumiDelivery applies the composed stages itself, with the real
// namespace and the configured v2 image, and uploads nothing.
func TestPulumiDelivery(t *testing.T) {
	for stage, want := range map[int][]string{
		1: {"Deployment/yelb-appserver", "HTTPRoute/appserver"},
		2: {"Deployment/yelb-appserver-v2"},
		4: {"PodDisruptionBudget/yelb-ui", "PodDisruptionBudget/yelb-appserver-v2"},
	} {
		t.Run(fmt.Sprintf("stage-%d", stage), func(t *testing.T) {
			cloud := graphWith(t, map[string]string{
				"workshop:platform": "false",
				"workshop:yelb":     fmt.Sprintf(`{"delivery":"pulumi","stage":%d,"appServerV2Image":"example.com/yelb-appserver:v2"}`, stage),
			})
			if n := len(cloud.OfType("aws:s3/bucketObjectv2:BucketObjectv2")); n != 0 {
				t.Errorf("%d uploads under Pulumi delivery", n)
			}
			text := mustFind(t, cloud, "kubernetes:yaml/v2:ConfigGroup", "hello-dev-yelb").String("yaml")
			objs, err := yelb.Objects(text)
			if err != nil {
				t.Fatal(err)
			}
			have := map[string]bool{}
			for _, o := range objs {
				have[o.Kind()+"/"+o.Name()] = true
				if o.Namespace() != "" && o.Namespace() != "hello-dev" {
					t.Errorf("%s %s in namespace %q", o.Kind(), o.Name(), o.Namespace())
				}
			}
			for _, w := range want {
				if !have[w] {
					t.Errorf("lacks %s", w)
				}
			}
			if strings.Contains(text, "currentStage") || (stage >= 2) != strings.Contains(text, "example.com/yelb-appserver:v2") {
				t.Error("SpEL or the v2 image where it does not belong")
			}
		})
	}
}

// TestBackendAndDeliverySwitches is the README's walk: each switch of the
// stack config brings in what only it has and drops what only the other
// has, and App Mesh is warned about.
func TestBackendAndDeliverySwitches(t *testing.T) {
	const (
		lattice   = "kubernetes:helm.sh/v4:Chart::hello-dev-app-aws-gateway-controller-chart"
		appMesh   = "kubernetes:helm.sh/v4:Chart::hello-dev-app-appmesh-controller"
		uploadV1  = "aws:s3/bucketObjectv2:BucketObjectv2::hello-dev-yelb-1.app-v1"
		spinnaker = "workshop:spinnaker:Spinnaker::*"
	)
	cases := []struct {
		name      string
		overrides map[string]string
		present   []string
		absent    []string
		applied   string // an object Pulumi itself applies
		warning   bool
	}{
		{"default", nil, []string{lattice, uploadV1}, []string{appMesh}, "Namespace/hello-dev", false},
		{"appmesh", map[string]string{"workshop:yelb": `{"backend":"appmesh"}`}, []string{appMesh, uploadV1}, []string{lattice}, "Mesh/yelb-mesh", true},
		{"pulumi-delivery", map[string]string{"workshop:platform": "false", "workshop:yelb": `{"delivery":"pulumi","stage":1}`},
			[]string{lattice}, []string{uploadV1, spinnaker, appMesh}, "Deployment/yelb-ui", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cloud, cfg := graphOf(t, c.overrides)
			urns := map[string]bool{}
			for _, r := range cloud.Resources() {
				urns[r.Type+"::"+r.Name], urns[r.Type+"::*"] = true, true
			}
			for _, want := range c.present {
				if !urns[want] {
					t.Errorf("lacks %s", want)
				}
			}
			for _, unwanted := range c.absent {
				if urns[unwanted] {
					t.Errorf("has %s", unwanted)
				}
			}
			objs, err := yelb.Objects(mustFind(t, cloud, "kubernetes:yaml/v2:ConfigGroup", "hello-dev-yelb").String("yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(objs, func(o yelb.Object) bool { return o.Kind()+"/"+o.Name() == c.applied }) {
				t.Errorf("Pulumi does not apply %s", c.applied)
			}
			warned := slices.ContainsFunc(Warnings(cfg), func(w string) bool { return strings.Contains(w, "App Mesh was discontinued on 2026-09-30") })
			if warned != c.warning {
				t.Errorf("App Mesh warning shown = %v, want %v", warned, c.warning)
			}
		})
	}
}

// TestBuildRendersEveryStageThePipelinesDeploy runs the buildspec's
// post_build commands on what the dev stack uploads: afterwards every stage
// manifest the pipelines deploy lies at the bucket's top level with the
// built image in place of the placeholder (stage 4 runs v2 too).
func TestBuildRendersEveryStageThePipelinesDeploy(t *testing.T) {
	cloud, _ := devGraph(t)
	b, err := buildspecrun.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	templates := map[string]bool{}
	for _, r := range cloud.OfType("aws:s3/bucketObjectv2:BucketObjectv2") {
		if err := b.Put("artifacts", r.String("key"), r.String("content")); err != nil {
			t.Fatal(err)
		}
		if f, ok := strings.CutPrefix(r.String("key"), "templates/"); ok {
			templates[f] = true
		}
	}
	const repository, tag = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/hello-dev/yelbv2", "abc-7"
	out, err := b.Run(manifests.Read("buildspec.yml"), []string{"ARTIFACT_BUCKET=artifacts", "REPOSITORY_URI=" + repository,
		"IMAGE_TAG=" + tag, "CODEBUILD_BUILD_SUCCEEDING=1"}, "post_build")
	if err != nil {
		t.Fatalf("post_build: %v\n%s", err, out)
	}
	for _, f := range yelb.StageFiles {
		text, err := os.ReadFile(b.Object("artifacts", f))
		switch {
		case err != nil:
			t.Errorf("the pipelines deploy %s, which is not in the bucket after the build: %v", f, err)
		case strings.Contains(string(text), yelb.AppServerV2Placeholder):
			t.Errorf("%s still holds the placeholder %s", f, yelb.AppServerV2Placeholder)
		case templates[f] && !strings.Contains(string(text), repository+":"+tag):
			t.Errorf("%s runs v2 without the built image %s:%s", f, repository, tag)
		}
	}
}

// TestYelbConfigIsCheckedUpFront: names the Lattice controller or ECR would
// refuse after the stack is half built are config errors.
func TestYelbConfigIsCheckedUpFront(t *testing.T) {
	const credential = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
	cases := []struct {
		name  string
		stack string
		raw   map[string]string
		key   string // "" when valid
		want  string
	}{
		{"lattice name starts with svc-", "dev", map[string]string{"workshop:name": "svc"}, "workshop:name", `"svc-dev-appserver"`},
		{"lattice name with two hyphens", "a--b", nil, "workshop:name", "two in a row"},
		{"appmesh names no Lattice service", "dev", map[string]string{"workshop:name": "svc", "workshop:yelb": `{"backend":"appmesh"}`}, "", ""},
		{"credential", "dev", map[string]string{"workshop:yelb": `{"dockerHubCredentialArn":"` + credential + `"}`}, "", ""},
		{"credential not a cache secret", "dev", map[string]string{"workshop:yelb": `{"dockerHubCredentialArn":"arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:docker-hub"}`},
			"workshop:yelb", "ecr-pullthroughcache/"},
		{"credential in another region", "dev", map[string]string{"workshop:yelb": `{"dockerHubCredentialArn":"` + strings.Replace(credential, "ap-northeast-2", "us-east-1", 1) + `"}`},
			"workshop:yelb", "region us-east-1"},
		{"cache prefix too long", "dev", map[string]string{"workshop:name": "abcdefghijklmnopqrstuvw", "workshop:yelb": `{"dockerHubCredentialArn":"` + credential + `"}`},
			"workshop:yelb", "at most 30"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.stack, c.raw)
			var ce *ConfigError
			switch {
			case c.key == "" && err != nil:
				t.Errorf("rejected: %v", err)
			case c.key == "":
			case err == nil:
				t.Errorf("accepted; want an error on %s", c.key)
			case !errors.As(err, &ce) || !strings.Contains(err.Error(), "config "+c.key+": ") || !strings.Contains(err.Error(), c.want):
				t.Errorf("error %q, want one on %s saying %q", err, c.key, c.want)
			}
		})
	}
}

// TestDockerHubMirror: with a credential the stack pulls the Docker Hub
// images through its own ECR: a pull-through cache rule for Docker Hub
// (upstream registry-1.docker.io, credential secret ecr-pullthroughcache/...,
// ECR API reference CreatePullThroughCacheRule), a repository per image that
// destroy removes, and the nodes allowed to import into exactly those (ECR
// user guide, pull-through-cache-iam.html); every manifest names the
// cached images, official ones under library/ (pull-through-cache-working.html).
func TestDockerHubMirror(t *testing.T) {
	const credential = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
	cloud, cfg := graphOf(t, map[string]string{"workshop:yelb": `{"dockerHubCredentialArn":"` + credential + `"}`})
	rule := mustFind(t, cloud, "aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "hello-dev-yelb-docker-hub")
	if rule.String("ecrRepositoryPrefix") != "hello-dev-hub" || rule.String("upstreamRegistryUrl") != "registry-1.docker.io" || rule.String("credentialArn") != credential {
		t.Errorf("cache rule %v", rule.Inputs)
	}
	var repos []string
	for _, r := range cloud.OfType("aws:ecr/repository:Repository") {
		if strings.HasPrefix(r.String("name"), "hello-dev-hub/") {
			repos = append(repos, r.String("name"))
			if r.Input("forceDelete") != true {
				t.Errorf("destroy leaves %s and its images", r.String("name"))
			}
		}
	}
	slices.Sort(repos)
	if want := []string{"hello-dev-hub/library/redis", "hello-dev-hub/mreferre/yelb-appserver", "hello-dev-hub/mreferre/yelb-db", "hello-dev-hub/mreferre/yelb-ui"}; !slices.Equal(repos, want) {
		t.Errorf("cache repositories %v, want %v", repos, want)
	}
	grant := mustFind(t, cloud, "aws:iam/rolePolicy:RolePolicy", "hello-dev-yelb-docker-hub-import").String("policy")
	if !strings.Contains(grant, `"Action":["ecr:BatchImportUpstreamImage","ecr:CreateRepository"],"Resource":["arn:aws:ecr:ap-northeast-2:123456789012:repository/hello-dev-hub/*"]`) {
		t.Errorf("node import grant %s", grant)
	}
	registry := "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/hello-dev-hub/"
	for _, r := range cloud.OfType("aws:s3/bucketObjectv2:BucketObjectv2") {
		for _, line := range strings.Split(r.String("content"), "\n") {
			image, ok := strings.CutPrefix(strings.TrimSpace(line), "image: ")
			if ok && !strings.HasPrefix(strings.Trim(image, `"`), registry) && strings.Trim(image, `"`) != yelb.AppServerV2Placeholder {
				t.Errorf("%s runs %s, not from the stack's cache", r.String("key"), image)
			}
		}
	}
	if !dependsOn(mustFind(t, cloud, "kubernetes:yaml/v2:ConfigGroup", "hello-dev-yelb"), "aws:ecr/pullThroughCacheRule:PullThroughCacheRule::hello-dev-yelb-docker-hub") {
		t.Error("the app is applied before its image cache exists")
	}
	if slices.ContainsFunc(Warnings(cfg), func(w string) bool { return strings.Contains(w, "Docker Hub anonymously") }) {
		t.Error("warns about anonymous pulls with a credential set")
	}
	_, raw, _, err := ReadStackConfig("..", "dev")
	if err != nil {
		t.Fatal(err)
	}
	devCfg, err := Parse("dev", raw)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(Warnings(devCfg), func(w string) bool { return strings.Contains(w, "Docker Hub anonymously") }) {
		t.Error("no warning that the dev stack pulls from Docker Hub anonymously")
	}
}
