package addons

import (
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

var all = Flags{LoadBalancerController: true, ClusterAutoscaler: true, CloudWatchObservability: true, MetricsServer: true, EBSCSIDriver: true}

const (
	nodesURN    = "urn:pulumi:test::workshop::test:index:Nodes::nodes"
	oidcIssuer  = "oidc.eks.ap-northeast-2.amazonaws.com/id/0123456789ABCDEF"
	oidcArn     = "arn:aws:iam::123456789012:oidc-provider/" + oidcIssuer
	appNS       = "hello-test"
	clusterName = "hello-test-app"
)

// built is what one run of NewAddOns left behind.
type built struct {
	cloud  *mockcloud.Cloud
	addons *AddOns
	// resources are the URNs of addons.Resources.
	resources []string
}

func build(t *testing.T, flags Flags, version string) (built, error) {
	t.Helper()
	cloud := mockcloud.New("workshop", "test", "ap-northeast-2")
	var a *AddOns
	var mu sync.Mutex
	var urns []string
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
		a, err = NewAddOns(ctx, "app", AddOnsArgs{
			ClusterName:       clusterName,
			ClusterReady:      pulumi.String(clusterName),
			KubernetesVersion: version,
			Region:            "ap-northeast-2",
			VpcId:             pulumi.String("vpc-1"),
			OIDC:              OIDCProvider{Arn: pulumi.String(oidcArn), Url: pulumi.String("https://" + oidcIssuer)},
			Provider:          provider,
			Nodes:             &nodes,
			Flags:             flags,
			LogRetentionDays:  3,
			Tags:              map[string]string{"workshop": "hello-test"},
			Traffic: TrafficArgs{
				AccountID:     mockcloud.AccountID,
				ServiceDomain: "yelb.hello-test.internal",
				AppNamespace:  appNS,
			},
		})
		if err != nil {
			return err
		}
		for _, r := range a.Resources {
			r.URN().ApplyT(func(u pulumi.URN) error {
				mu.Lock()
				defer mu.Unlock()
				urns = append(urns, string(u))
				return nil
			})
		}
		return nil
	})
	return built{cloud, a, urns}, err
}

func mustBuild(t *testing.T, flags Flags) built {
	t.Helper()
	b, err := build(t, flags, "1.35")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// chartNamed finds a chart by its name, whether from a repository or OCI.
func chartNamed(cloud *mockcloud.Cloud, name string) (mockcloud.Resource, bool) {
	for _, c := range cloud.OfType("kubernetes:helm.sh/v4:Chart") {
		if chartBaseName(c.String("chart")) == name {
			return c, true
		}
	}
	return mockcloud.Resource{}, false
}

func chartBaseName(chart string) string { return chart[strings.LastIndexByte(chart, '/')+1:] }

func mustChart(t *testing.T, cloud *mockcloud.Cloud, name string) (mockcloud.Resource, map[string]any) {
	t.Helper()
	r, ok := chartNamed(cloud, name)
	if !ok {
		t.Fatalf("chart %s not installed", name)
	}
	values, _ := r.Input("values").(map[string]any)
	return r, values
}

func TestChartsWaitForNodesAndIdentity(t *testing.T) {
	cloud := mustBuild(t, all).cloud
	assocs := map[string]mockcloud.Resource{}
	for _, a := range cloud.OfType("aws:eks/podIdentityAssociation:PodIdentityAssociation") {
		assocs[a.String("namespace")+"/"+a.String("serviceAccount")] = a
	}
	for _, c := range []struct {
		chart   string
		account string // service account with AWS permissions, if any
	}{
		{"aws-load-balancer-controller", "kube-system/aws-load-balancer-controller"},
		{"cluster-autoscaler", "kube-system/cluster-autoscaler"},
		{"metrics-server", ""},
	} {
		t.Run(c.chart, func(t *testing.T) {
			r, values := mustChart(t, cloud, c.chart)
			if !contains(r.Dependencies, nodesURN) {
				t.Errorf("%s does not wait for the nodes", c.chart)
			}
			if c.account == "" {
				return
			}
			assoc, ok := assocs[c.account]
			if !ok {
				t.Fatalf("no pod identity association for %s", c.account)
			}
			if !contains(r.Dependencies, assoc.URN) {
				t.Errorf("%s starts before its pod identity association exists", c.chart)
			}
			// The chart's service account is the associated one.
			sa, _ := values["serviceAccount"].(map[string]any)
			if sa == nil {
				sa = values["rbac"].(map[string]any)["serviceAccount"].(map[string]any)
			}
			if "kube-system/"+sa["name"].(string) != c.account {
				t.Errorf("%s runs as %v, association is for %s", c.chart, sa["name"], c.account)
			}
		})
	}
	if n := len(cloud.OfType("aws:iam/role:Role")); n != 4 {
		t.Errorf("want one role per add-on with AWS access (4), got %d", n)
	}
}

// TestLoadBalancerControllerServiceWebhookIsOff: chart 3.5.0 enables a
// Service-mutating webhook with failurePolicy Fail on every namespace
// (aws/eks-charts stable/aws-load-balancer-controller/templates/webhook.yaml,
// values.yaml enableServiceMutatorWebhook: true), so every Service created
// while the controller is not ready is rejected
// (kubernetes-sigs/aws-load-balancer-controller#4140). The webhook only sets
// loadBalancerClass on type LoadBalancer Services (controller v3.5.0
// webhooks/core/service_mutator.go), which nothing here creates.
func TestLoadBalancerControllerServiceWebhookIsOff(t *testing.T) {
	_, v := mustChart(t, mustBuild(t, Flags{LoadBalancerController: true}).cloud, "aws-load-balancer-controller")
	if v["enableServiceMutatorWebhook"] != false {
		t.Errorf("enableServiceMutatorWebhook = %v: the chart's Service webhook races every Service created with the controller", v["enableServiceMutatorWebhook"])
	}
}

func TestLoadBalancerControllerGetsRegionAndVPC(t *testing.T) {
	_, v := mustChart(t, mustBuild(t, Flags{LoadBalancerController: true}).cloud, "aws-load-balancer-controller")
	if v["clusterName"] != clusterName || v["region"] != "ap-northeast-2" || v["vpcId"] != "vpc-1" {
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
		t.Run(version, func(t *testing.T) {
			b, err := build(t, Flags{ClusterAutoscaler: true}, version)
			if err != nil {
				t.Fatal(err)
			}
			_, v := mustChart(t, b.cloud, "cluster-autoscaler")
			tag := v["image"].(map[string]any)["tag"].(string)
			if !regexp.MustCompile(`^v` + regexp.QuoteMeta(version) + `\.\d+$`).MatchString(tag) {
				t.Errorf("Kubernetes %s runs cluster-autoscaler %s", version, tag)
			}
			if v["autoDiscovery"].(map[string]any)["clusterName"] != clusterName || v["awsRegion"] != "ap-northeast-2" {
				t.Errorf("values = %v", v)
			}
		})
	}
	if _, err := build(t, Flags{ClusterAutoscaler: true}, "1.99"); err == nil || !strings.Contains(err.Error(), "no cluster-autoscaler release pinned for Kubernetes 1.99") {
		t.Errorf("err = %v", err)
	}
}

func TestClusterAutoscalerMayOnlyResizeItsOwnGroups(t *testing.T) {
	found := 0
	for _, s := range ClusterAutoscalerPolicy("c1").Statement {
		for _, a := range s.Action {
			if a == "autoscaling:SetDesiredCapacity" || a == "autoscaling:TerminateInstanceInAutoScalingGroup" {
				found++
				if s.Condition["StringEquals"]["aws:ResourceTag/k8s.io/cluster-autoscaler/c1"] != "owned" {
					t.Errorf("%s is not limited to the cluster's groups: %v", a, s.Condition)
				}
			}
		}
	}
	if found != 2 {
		t.Errorf("the autoscaler may resize or terminate in %d statements, want 2", found)
	}
}

func TestDisabledAddOnsCreateNothing(t *testing.T) {
	cloud := mustBuild(t, Flags{}).cloud
	if n := len(cloud.OfType("kubernetes:helm.sh/v4:Chart")); n != 0 {
		t.Errorf("%d charts", n)
	}
	if n := len(cloud.OfType("aws:iam/role:Role")); n != 0 {
		t.Errorf("%d roles", n)
	}
	// Always there: DNS, and the agent every add-on's credentials come from.
	if n := len(cloud.OfType("aws:eks/addon:Addon")); n != 2 {
		t.Errorf("%d add-ons", n)
	}
	dns := eksAddonNamed(cloud, "coredns")
	if !contains(dns.Dependencies, nodesURN) {
		t.Error("CoreDNS must wait for nodes to run on")
	}
	if _, pinned := dns.Inputs["addonVersion"]; pinned {
		t.Error("CoreDNS takes the cluster version's default build")
	}
	if v := eksAddonNamed(cloud, "eks-pod-identity-agent").String("addonVersion"); !eksBuild.MatchString(v) {
		t.Errorf("pod identity agent at %q, not a pinned EKS build", v)
	}
}

// eksBuild is the shape of a pinned EKS add-on version.
var eksBuild = regexp.MustCompile(`^v\d+\.\d+\.\d+-eksbuild\.\d+$`)

func TestEBSCSIDriver(t *testing.T) {
	cloud := mustBuild(t, Flags{EBSCSIDriver: true}).cloud
	addon := eksAddonNamed(cloud, "aws-ebs-csi-driver")
	if v := addon.String("addonVersion"); !eksBuild.MatchString(v) {
		t.Fatalf("EBS CSI driver at %q, not a pinned EKS build", v)
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func eksAddonNamed(cloud *mockcloud.Cloud, name string) mockcloud.Resource {
	for _, a := range cloud.OfType("aws:eks/addon:Addon") {
		if a.String("addonName") == name {
			return a
		}
	}
	return mockcloud.Resource{}
}
