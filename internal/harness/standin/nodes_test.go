package standin

import (
	"context"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"

	"github.com/workshop/spinnaker-modernization/internal/harness"
)

// The figures a t3.small and an m5.xlarge node offer pods on EKS, worked by
// hand from awslabs/amazon-eks-ami nodeadm/internal/kubelet/config.go and
// aws/amazon-vpc-cni-k8s misc/eni-max-pods.txt: t3.small 2 vCPU, 2 GiB,
// 11 pods: cpu 2000-60-10, memory 2048-(11*11+255)-100; m5.xlarge 4 vCPU,
// 16 GiB, 58 pods: cpu 4000-60-10-5-5, memory 16384-(11*58+255)-100.
func TestAllocatableIsWhatEKSLeavesPods(t *testing.T) {
	for _, tc := range []struct {
		typ      string
		cpu, mem int
	}{
		{"t3.small", 1930, 1572},
		{"m5.xlarge", 3920, 15391},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			cpu, mem := instanceTypes[tc.typ].allocatable()
			if cpu != tc.cpu || mem != tc.mem {
				t.Fatalf("allocatable cpu %dm memory %dMi, want %dm %dMi", cpu, mem, tc.cpu, tc.mem)
			}
		})
	}
}

// Creating the EKS cluster hands out the local API server; a node group's
// nodes register there, one per desired node, spread over its subnets'
// zones, and go with the group.
func TestNodeGroupNodesRegisterWithTheClusterAPIServer(t *testing.T) {
	cp := harness.StartForTest(t, harness.Options{})
	p := NewAWS("ap-northeast-2", Clusters{"hello-dev-app": cp})
	ctx := context.Background()
	cluster := create(t, p, clusterType, "app", map[string]any{"name": "hello-dev-app", "roleArn": "arn", "vpcConfig": map[string]any{}})
	if got := cluster.Properties["endpoint"].V; got != cp.URL {
		t.Fatalf("cluster endpoint %v, want the API server %s", got, cp.URL)
	}
	var subnets []any
	for _, az := range []string{"ap-northeast-2a", "ap-northeast-2b"} {
		s := create(t, p, "aws:ec2/subnet:Subnet", "private-"+az, map[string]any{"vpcId": "vpc-1", "cidrBlock": "10.0.0.0/19", "availabilityZone": az})
		subnets = append(subnets, string(s.ID))
	}
	group := create(t, p, nodeGroupType, "nodes", map[string]any{
		"clusterName": "hello-dev-app", "nodeGroupName": "default", "nodeRoleArn": "arn", "subnetIds": subnets,
		"instanceTypes": []any{"t3.small"}, "amiType": "AL2023_x86_64_STANDARD",
		"scalingConfig": map[string]any{"minSize": 1, "maxSize": 9, "desiredSize": 3},
	})
	g, err := p.nodeGroupOf(props(map[string]any{
		"clusterName": "hello-dev-app", "nodeGroupName": "default", "subnetIds": subnets,
		"instanceTypes": []any{"t3.small"}, "scalingConfig": map[string]any{"desiredSize": 3},
	}))
	if err != nil {
		t.Fatal(err)
	}
	zones := map[string]int{}
	for i := range 3 {
		live, found, err := cp.Get(ctx, g.node(i, "ap-northeast-2"))
		if err != nil || !found {
			t.Fatalf("node %d: found %v, %v", i, found, err)
		}
		meta := live["metadata"].(map[string]any)
		labels := meta["labels"].(map[string]any)
		zones[labels["topology.kubernetes.io/zone"].(string)]++
		if meta["annotations"].(map[string]any)["kwok.x-k8s.io/node"] != "fake" || labels["eks.amazonaws.com/nodegroup"] != "default" {
			t.Fatalf("node %d: %v", i, meta)
		}
		if pods := live["status"].(map[string]any)["allocatable"].(map[string]any)["pods"]; pods != "11" {
			t.Fatalf("node %d allocatable pods %v", i, pods)
		}
	}
	if len(zones) != 2 {
		t.Fatalf("nodes in zones %v, want both subnets' zones", zones)
	}
	if _, err := p.Delete(ctx, plugin.DeleteRequest{Type: nodeGroupType, ID: group.ID}); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := cp.Get(ctx, g.node(0, "ap-northeast-2")); found {
		t.Fatal("node left behind by its deleted group")
	}
}
