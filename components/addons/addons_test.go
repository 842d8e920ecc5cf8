package addons

import (
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

var all = Flags{LoadBalancerController: true, ClusterAutoscaler: true, CloudWatchObservability: true, MetricsServer: true, EBSCSIDriver: true}

func build(t *testing.T, flags Flags, version string) (*mockcloud.Cloud, error) {
	t.Helper()
	cloud := mockcloud.New("workshop", "test", "ap-northeast-2")
	err := cloud.Run(nil, nil, func(ctx *pulumi.Context) error {
		// A custom resource stands for the node group: dependencies on a
		// component expand to its children, and this one would have none.
		var nodes pulumi.CustomResourceState
		if err := ctx.RegisterResource("test:index:Nodes", "nodes", nil, &nodes); err != nil {
			return err
		}
		provider, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return err
		}
		_, err = NewAddOns(ctx, "app", AddOnsArgs{
			ClusterName:       "hello-test-app",
			ClusterReady:      pulumi.String("hello-test-app"),
			KubernetesVersion: version,
			Region:            "ap-northeast-2",
			VpcId:             pulumi.String("vpc-1"),
			Provider:          provider,
			Nodes:             &nodes,
			Flags:             flags,
			LogRetentionDays:  3,
			Tags:              map[string]string{"workshop": "hello-test"},
		})
		return err
	})
	return cloud, err
}

func chartNamed(cloud *mockcloud.Cloud, name string) (mockcloud.Resource, bool) {
	for _, c := range cloud.OfType("kubernetes:helm.sh/v4:Chart") {
		if c.String("chart") == name {
			return c, true
		}
	}
	return mockcloud.Resource{}, false
}

func TestChartsArePinnedAndWaitForNodesAndIdentity(t *testing.T) {
	cloud, err := build(t, all, "1.35")
	if err != nil {
		t.Fatal(err)
	}
	nodesURN := "urn:pulumi:test::workshop::test:index:Nodes::nodes"
	assocs := map[string]mockcloud.Resource{}
	for _, a := range cloud.OfType("aws:eks/podIdentityAssociation:PodIdentityAssociation") {
		assocs[a.String("namespace")+"/"+a.String("serviceAccount")] = a
	}
	for _, c := range []struct {
		chart   Chart
		account string // service account with AWS permissions, if any
	}{
		{LoadBalancerControllerChart, "kube-system/aws-load-balancer-controller"},
		{ClusterAutoscalerChart, "kube-system/cluster-autoscaler"},
		{MetricsServerChart, ""},
	} {
		r, ok := chartNamed(cloud, c.chart.Name)
		if !ok {
			t.Errorf("chart %s not installed", c.chart.Name)
			continue
		}
		if r.String("version") != c.chart.Version || r.Input("repositoryOpts").(map[string]any)["repo"] != c.chart.Repo {
			t.Errorf("%s: version %s repo %v", c.chart.Name, r.String("version"), r.Input("repositoryOpts"))
		}
		if !contains(r.Dependencies, nodesURN) {
			t.Errorf("%s does not wait for the nodes", c.chart.Name)
		}
		if c.account == "" {
			continue
		}
		assoc, ok := assocs[c.account]
		if !ok {
			t.Errorf("no pod identity association for %s", c.account)
			continue
		}
		if !contains(r.Dependencies, assoc.URN) {
			t.Errorf("%s starts before its pod identity association exists", c.chart.Name)
		}
		// The chart's service account is the associated one.
		values := r.Input("values").(map[string]any)
		sa, _ := values["serviceAccount"].(map[string]any)
		if sa == nil {
			sa = values["rbac"].(map[string]any)["serviceAccount"].(map[string]any)
		}
		if "kube-system/"+sa["name"].(string) != c.account {
			t.Errorf("%s runs as %v, association is for %s", c.chart.Name, sa["name"], c.account)
		}
	}
	if len(cloud.OfType("aws:iam/role:Role")) != 4 {
		t.Errorf("want one role per add-on with AWS access (4), got %d", len(cloud.OfType("aws:iam/role:Role")))
	}
}

func TestLoadBalancerControllerGetsRegionAndVPC(t *testing.T) {
	cloud, err := build(t, Flags{LoadBalancerController: true}, "1.35")
	if err != nil {
		t.Fatal(err)
	}
	r, _ := chartNamed(cloud, "aws-load-balancer-controller")
	v := r.Input("values").(map[string]any)
	if v["clusterName"] != "hello-test-app" || v["region"] != "ap-northeast-2" || v["vpcId"] != "vpc-1" {
		t.Errorf("values = %v", v)
	}
	policy, err := LoadBalancerControllerPolicy()
	if err != nil {
		t.Fatal(err)
	}
	// Destructive actions are limited to what the controller tagged.
	for _, s := range policy.Statement {
		for _, a := range s.Action {
			if strings.Contains(a, "Delete") && a != "elasticloadbalancing:DeleteListener" && a != "elasticloadbalancing:DeleteRule" &&
				s.Condition == nil && !strings.HasPrefix(a, "shield:") && !strings.HasPrefix(a, "ec2:DeleteTags") {
				t.Errorf("%s is not limited by a tag condition", a)
			}
		}
	}
}

func TestClusterAutoscalerMatchesTheClusterVersion(t *testing.T) {
	for _, version := range []string{"1.34", "1.35", "1.36"} {
		cloud, err := build(t, Flags{ClusterAutoscaler: true}, version)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := chartNamed(cloud, "cluster-autoscaler")
		v := r.Input("values").(map[string]any)
		tag := v["image"].(map[string]any)["tag"].(string)
		if !regexp.MustCompile(`^v` + regexp.QuoteMeta(version) + `\.\d+$`).MatchString(tag) {
			t.Errorf("Kubernetes %s runs cluster-autoscaler %s", version, tag)
		}
		if v["autoDiscovery"].(map[string]any)["clusterName"] != "hello-test-app" || v["awsRegion"] != "ap-northeast-2" {
			t.Errorf("values = %v", v)
		}
	}
	if _, err := build(t, Flags{ClusterAutoscaler: true}, "1.99"); err == nil || !strings.Contains(err.Error(), "no cluster-autoscaler release pinned for Kubernetes 1.99") {
		t.Errorf("err = %v", err)
	}
}

func TestClusterAutoscalerMayOnlyResizeItsOwnGroups(t *testing.T) {
	doc := ClusterAutoscalerPolicy("c1")
	for _, s := range doc.Statement {
		for _, a := range s.Action {
			if a == "autoscaling:SetDesiredCapacity" || a == "autoscaling:TerminateInstanceInAutoScalingGroup" {
				if s.Condition["StringEquals"]["aws:ResourceTag/k8s.io/cluster-autoscaler/c1"] != "owned" {
					t.Errorf("%s is not limited to the cluster's groups: %v", a, s.Condition)
				}
			}
		}
	}
}

func TestCloudWatchObservability(t *testing.T) {
	cloud, err := build(t, Flags{CloudWatchObservability: true}, "1.35")
	if err != nil {
		t.Fatal(err)
	}
	addon := eksAddonNamed(cloud, "amazon-cloudwatch-observability")
	if addon.String("addonVersion") != CloudWatchObservabilityVersion {
		t.Fatalf("add-on = %v", addon.Inputs)
	}
	groups := cloud.OfType("aws:cloudwatch/logGroup:LogGroup")
	if len(groups) != len(ContainerInsightsLogGroups) {
		t.Fatalf("%d log groups", len(groups))
	}
	for _, g := range groups {
		if !strings.HasPrefix(g.String("name"), "/aws/containerinsights/hello-test-app/") || !contains(addon.Dependencies, g.URN) {
			t.Errorf("log group %s: created after the agent or misnamed", g.String("name"))
		}
	}
	assocs := cloud.OfType("aws:eks/podIdentityAssociation:PodIdentityAssociation")
	if len(assocs) != 1 || assocs[0].String("namespace") != "amazon-cloudwatch" || assocs[0].String("serviceAccount") != "cloudwatch-agent" {
		t.Errorf("associations = %+v", assocs)
	}
}

func TestDisabledAddOnsCreateNothing(t *testing.T) {
	cloud, err := build(t, Flags{}, "1.35")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cloud.OfType("kubernetes:helm.sh/v4:Chart")); n != 0 {
		t.Errorf("%d charts", n)
	}
	if n := len(cloud.OfType("aws:iam/role:Role")); n != 0 {
		t.Errorf("%d roles", n)
	}
	// Always there: DNS, and the agent every add-on's credentials come from.
	if len(cloud.OfType("aws:eks/addon:Addon")) != 2 {
		t.Errorf("%d add-ons", len(cloud.OfType("aws:eks/addon:Addon")))
	}
	dns := eksAddonNamed(cloud, "coredns")
	if !contains(dns.Dependencies, "urn:pulumi:test::workshop::test:index:Nodes::nodes") {
		t.Error("CoreDNS must wait for nodes to run on")
	}
	if _, pinned := dns.Inputs["addonVersion"]; pinned {
		t.Error("CoreDNS takes the cluster version's default build")
	}
	if eksAddonNamed(cloud, "eks-pod-identity-agent").String("addonVersion") != PodIdentityAgentVersion {
		t.Error("pod identity agent not pinned")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestEBSCSIDriver(t *testing.T) {
	cloud, err := build(t, Flags{EBSCSIDriver: true}, "1.35")
	if err != nil {
		t.Fatal(err)
	}
	addon := eksAddonNamed(cloud, "aws-ebs-csi-driver")
	if addon.String("addonVersion") != EBSCSIDriverVersion {
		t.Fatalf("add-on = %v", addon.Inputs)
	}
	assocs := cloud.OfType("aws:eks/podIdentityAssociation:PodIdentityAssociation")
	if len(assocs) != 1 || assocs[0].String("serviceAccount") != "ebs-csi-controller-sa" || !contains(addon.Dependencies, assocs[0].URN) {
		t.Errorf("associations = %+v", assocs)
	}
	attachments := cloud.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
	if len(attachments) != 1 || attachments[0].String("policyArn") != "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy" {
		t.Errorf("attachments = %+v", attachments)
	}
}

func eksAddonNamed(cloud *mockcloud.Cloud, name string) mockcloud.Resource {
	for _, a := range cloud.OfType("aws:eks/addon:Addon") {
		if a.String("addonName") == name {
			return a
		}
	}
	return mockcloud.Resource{}
}
