package stacks

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/workshop/spinnaker-modernization/components/addons"
	"github.com/workshop/spinnaker-modernization/components/yelb"
	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
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
	for _, k := range []string{"1.app-v1.yaml", "templates/2.app-v2.yaml", "3.weighted-route.yaml", "4.high-availability.yaml"} {
		content, ok := keys[k]
		if !ok {
			t.Errorf("%s not uploaded (got %v)", k, slices.Sorted(maps.Keys(keys)))
			continue
		}
		if !strings.Contains(content, yelb.SpinnakerNamespace) {
			t.Errorf("%s does not leave the namespace to the pipeline's override", k)
		}
	}
	if !strings.Contains(keys["templates/2.app-v2.yaml"], yelb.AppServerV2Placeholder) {
		t.Error("the v2 template lacks the placeholder the build replaces")
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
	crds := mustFind(t, cloud, "kubernetes:yaml/v2:ConfigFile", "hello-dev-app-gateway-api-crds")
	if crds.String("file") != addons.GatewayAPICRDsURL || !strings.Contains(addons.GatewayAPICRDsURL, "/v1.5.0/") {
		t.Errorf("Gateway API CRDs from %s", crds.String("file"))
	}
	chart := mustFind(t, cloud, "kubernetes:helm.sh/v4:Chart", "hello-dev-app-aws-gateway-controller-chart")
	if chart.String("chart") != "oci://public.ecr.aws/aws-application-networking-k8s/aws-gateway-controller-chart" || chart.String("version") != "v2.1.3" ||
		chart.String("namespace") != addons.LatticeNamespace {
		t.Errorf("controller chart %s %s in %s", chart.String("chart"), chart.String("version"), chart.String("namespace"))
	}
	values, _ := chart.Input("values").(map[string]any)
	if values["clusterName"] != "hello-dev-app" || values["awsAccountId"] != "123456789012" || values["installExternalDNSCRD"] != true {
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
	envoy := mustFind(t, cloud, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "hello-dev-app-envoy")
	if envoy.String("namespace") != "hello-dev" || envoy.String("serviceAccount") != addons.WorkloadServiceAccount {
		t.Errorf("Envoy identity for %s/%s", envoy.String("namespace"), envoy.String("serviceAccount"))
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
		4: {"PodDisruptionBudget/yelb-ui"},
	} {
		cloud := graphWith(t, map[string]string{
			"workshop:platform": "false",
			"workshop:yelb":     `{"delivery":"pulumi","stage":` + string(rune('0'+stage)) + `,"appServerV2Image":"example.com/yelb-appserver:v2"}`,
		})
		if n := len(cloud.OfType("aws:s3/bucketObjectv2:BucketObjectv2")); n != 0 {
			t.Errorf("stage %d: %d uploads under Pulumi delivery", stage, n)
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
				t.Errorf("stage %d: %s %s in namespace %q", stage, o.Kind(), o.Name(), o.Namespace())
			}
		}
		for _, w := range want {
			if !have[w] {
				t.Errorf("stage %d lacks %s", stage, w)
			}
		}
		if strings.Contains(text, "currentStage") || (stage >= 2) != strings.Contains(text, "example.com/yelb-appserver:v2") {
			t.Errorf("stage %d: SpEL or the v2 image where it does not belong", stage)
		}
	}
}
