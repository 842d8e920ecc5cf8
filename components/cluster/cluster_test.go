package cluster

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

func build(t *testing.T, admins []string) *mockcloud.Cloud {
	t.Helper()
	cloud, err := buildWith(admins, map[string]string{"workshop": "hello-test"})
	if err != nil {
		t.Fatal(err)
	}
	return cloud
}

func buildWith(admins []string, tags map[string]string) (*mockcloud.Cloud, error) {
	cloud := mockcloud.New("workshop", "test", "ap-northeast-2")
	err := cloud.Run(nil, nil, func(ctx *pulumi.Context) error {
		c, err := NewCluster(ctx, "app", ClusterArgs{
			ClusterName:       "hello-test-app",
			KubernetesVersion: "1.35",
			VpcId:             pulumi.String("vpc-1"),
			PublicSubnetIds:   pulumi.ToStringArray([]string{"subnet-p1", "subnet-p2"}),
			PrivateSubnetIds:  pulumi.ToStringArray([]string{"subnet-a", "subnet-b"}),
			NodeGroup:         NodeGroupArgs{Name: "default", InstanceType: "t3.small", MinSize: 1, MaxSize: 9, DesiredSize: 3, DiskSizeGiB: 20},
			Admins:            admins,
			APIAccessCidrs:    pulumi.ToStringArray([]string{"203.0.113.0/24"}),
			LogRetentionDays:  7,
			Tags:              tags,
		})
		if err != nil {
			return err
		}
		ctx.Export("clusterName", c.ClusterName)
		return nil
	})
	return cloud, err
}

func TestControlPlane(t *testing.T) {
	cloud := build(t, nil)
	eks, ok := cloud.Find("eks:index:Cluster", "app")
	if !ok {
		t.Fatal("no eks cluster")
	}
	if eks.Custom || !eks.Remote {
		t.Error("pulumi-eks Cluster is a remote component")
	}
	want := map[string]any{
		"name":                         "hello-test-app",
		"version":                      "1.35",
		"authenticationMode":           "API",
		"createOidcProvider":           true,
		"skipDefaultNodeGroup":         true,
		"nodeAssociatePublicIpAddress": false,
		"endpointPrivateAccess":        true,
		"privateSubnetIds":             []any{"subnet-a", "subnet-b"},
		"publicAccessCidrs":            []any{"203.0.113.0/24"},
		"enabledClusterLogTypes":       []any{"api", "audit", "authenticator", "controllerManager", "scheduler"},
	}
	for k, v := range want {
		if got := eks.Input(k); !reflect.DeepEqual(got, v) {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	key, _ := cloud.Find("aws:kms/key:Key", "app-secrets")
	if eks.String("encryptionConfigKeyArn") != key.Outputs["arn"].StringValue() || key.Input("enableKeyRotation") != true {
		t.Error("secrets are not envelope-encrypted with a rotating key")
	}
	logs, _ := cloud.Find("aws:cloudwatch/logGroup:LogGroup", "app-control-plane")
	if logs.String("name") != "/aws/eks/hello-test-app/cluster" || logs.Input("retentionInDays") != 7.0 {
		t.Errorf("log group = %v", logs.Inputs)
	}
	found := false
	for _, d := range eks.Dependencies {
		found = found || d == logs.URN
	}
	if !found {
		t.Error("the cluster must wait for its log group, or EKS creates one that never expires")
	}
}

func TestNodeGroup(t *testing.T) {
	cloud := build(t, nil)
	ng, ok := cloud.Find("aws:eks/nodeGroup:NodeGroup", "app-default")
	if !ok {
		t.Fatal("no node group")
	}
	if ng.String("nodeGroupName") != "default" || ng.String("clusterName") != "hello-test-app" || ng.String("amiType") != "AL2023_x86_64_STANDARD" {
		t.Errorf("node group = %v", ng.Inputs)
	}
	sc := ng.Input("scalingConfig").(map[string]any)
	if sc["minSize"] != 1.0 || sc["maxSize"] != 9.0 || sc["desiredSize"] != 3.0 {
		t.Errorf("scaling = %v", sc)
	}
	if !reflect.DeepEqual(ng.IgnoreChanges, []string{"scalingConfig.desiredSize"}) {
		t.Errorf("ignoreChanges = %v", ng.IgnoreChanges)
	}
	if !reflect.DeepEqual(ng.Input("subnetIds"), []any{"subnet-a", "subnet-b"}) {
		t.Error("nodes belong in the private subnets")
	}
	tags := ng.Input("tags").(map[string]any)
	if tags["k8s.io/cluster-autoscaler/enabled"] != "true" || tags["k8s.io/cluster-autoscaler/hello-test-app"] != "owned" {
		t.Errorf("tags = %v", tags)
	}
	lt, _ := cloud.Find("aws:ec2/launchTemplate:LaunchTemplate", "app-nodes")
	ref := ng.Input("launchTemplate").(map[string]any)
	if id, _ := ref["id"].(string); !strings.HasPrefix(id, "lt-") || ref["version"] != "1" {
		t.Errorf("node group launch template = %v", ref)
	}
	ebs := lt.Input("blockDeviceMappings").([]any)[0].(map[string]any)["ebs"].(map[string]any)
	if ebs["encrypted"] != "true" || ebs["volumeType"] != "gp3" || ebs["volumeSize"] != 20.0 {
		t.Errorf("root volume = %v", ebs)
	}
	var attached []string
	for _, a := range cloud.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		attached = append(attached, a.String("policyArn"))
	}
	// The node role of the EKS user guide (create-node-role.html): join the
	// cluster, pull images, run the VPC CNI on the node role; plus SSM, which
	// replaces SSH here.
	for _, p := range []string{"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly", "AmazonEKS_CNI_Policy", "AmazonSSMManagedInstanceCore"} {
		t.Run(p, func(t *testing.T) {
			if !slices.Contains(attached, "arn:aws:iam::aws:policy/"+p) {
				t.Errorf("node role lacks %s: %v", p, attached)
			}
		})
	}
}

// Entries are keyed by the full ARN: the same role name in two accounts,
// or under two paths, is two principals.
func TestAdminsGetAccessEntries(t *testing.T) {
	admins := []string{
		"arn:aws:iam::111122223333:role/path/Admin",
		"arn:aws:iam::444455556666:role/path/Admin",
		"arn:aws:iam::111122223333:user/alice",
	}
	cloud := build(t, admins)
	eks, _ := cloud.Find("eks:index:Cluster", "app")
	entries := eks.Input("accessEntries").(map[string]any)
	if len(entries) != len(admins) {
		t.Fatalf("entries = %v", entries)
	}
	for _, arn := range admins {
		t.Run(arn, func(t *testing.T) {
			entry, ok := entries[arn].(map[string]any)
			if !ok {
				t.Fatalf("no entry keyed %s in %v", arn, entries)
			}
			policy := entry["accessPolicies"].(map[string]any)["cluster-admin"].(map[string]any)
			if entry["principalArn"] != arn ||
				policy["policyArn"] != "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" ||
				policy["accessScope"].(map[string]any)["type"] != "cluster" {
				t.Errorf("entry = %v", entry)
			}
		})
	}
}

// The name comes from the cluster's own output, so it is not secret like
// the kubeconfig it used to be derived from, and it waits for the cluster.
func TestClusterNameIsNotSecret(t *testing.T) {
	cloud := build(t, nil)
	name := cloud.Exports()["clusterName"]
	if name.Value != "hello-test-app" || name.Secret {
		t.Errorf("clusterName = %+v, want hello-test-app, not secret", name)
	}
	eks, _ := cloud.Find("eks:index:Cluster", "app")
	ng, _ := cloud.Find("aws:eks/nodeGroup:NodeGroup", "app-default")
	if ng.Inputs["clusterName"].ContainsSecrets() || !slices.Contains(ng.Dependencies, eks.URN) {
		t.Errorf("node group clusterName %v, dependencies %v", ng.Inputs["clusterName"], ng.Dependencies)
	}
}

func TestNilTagsDoNotPanic(t *testing.T) {
	if _, err := buildWith(nil, nil); err != nil {
		t.Fatal(err)
	}
}

func TestKubernetesProviderKeepsKubeconfigSecret(t *testing.T) {
	cloud := build(t, nil)
	p, ok := cloud.Find("pulumi:providers:kubernetes", "app")
	if !ok {
		t.Fatal("no kubernetes provider")
	}
	if !p.Inputs["kubeconfig"].ContainsSecrets() {
		t.Error("kubeconfig is not secret")
	}
}

func TestAMIType(t *testing.T) {
	for in, want := range map[string]string{
		"t3.small": "AL2023_x86_64_STANDARD", "m5.xlarge": "AL2023_x86_64_STANDARD", "m5a.large": "AL2023_x86_64_STANDARD",
		"t4g.small": "AL2023_ARM_64_STANDARD", "m7g.large": "AL2023_ARM_64_STANDARD", "c6gn.xlarge": "AL2023_ARM_64_STANDARD",
		"r8gd.large": "AL2023_ARM_64_STANDARD", "a1.medium": "AL2023_ARM_64_STANDARD", "g5.xlarge": "AL2023_x86_64_STANDARD",
	} {
		t.Run(in, func(t *testing.T) {
			if got := AMIType(in); got != want {
				t.Errorf("AMIType(%s) = %s, want %s", in, got, want)
			}
		})
	}
}
