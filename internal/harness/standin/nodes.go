package standin

import (
	"fmt"
	"strings"

	"github.com/workshop/spinnaker-modernization/internal/harness"
)

// instance is an EC2 instance type as a node reports it.
type instance struct {
	cpus    int
	memMiB  int
	maxPods int
}

// instanceTypes: vCPUs and memory from the EC2 instance type pages; max
// pods from aws/amazon-vpc-cni-k8s misc/eni-max-pods.txt (t3.small 11,
// m5.xlarge 58).
var instanceTypes = map[string]instance{
	"t3.small":  {2, 2048, 11},
	"t3.medium": {2, 4096, 17},
	"t3.large":  {2, 8192, 35},
	"m5.large":  {2, 8192, 29},
	"m5.xlarge": {4, 16384, 58},
}

// allocatable is what kubelet offers pods on an EKS AL2023 node: awslabs/
// amazon-eks-ami nodeadm/internal/kubelet/config.go reserves 11 MiB per pod
// plus 255 MiB of memory and 6% of the first core, 1% of the second, 0.5%
// of the third and fourth and 0.25% of the rest; kubelet evicts below
// 100 MiB free.
func (i instance) allocatable() (milliCPU, memMiB int) {
	reserve := 0
	for core := range i.cpus {
		switch {
		case core == 0:
			reserve += 60
		case core == 1:
			reserve += 10
		case core < 4:
			reserve += 5
		default:
			reserve += 2
		}
	}
	return i.cpus*1000 - reserve, i.memMiB - (11*i.maxPods + 255) - 100
}

type nodeGroup struct {
	cluster, name, amiType, instanceType string
	desired                              int
	zones                                []string
}

// node is the group's i-th node, for kwok to keep Ready.
func (g *nodeGroup) node(i int, region string) harness.Object {
	it := instanceTypes[g.instanceType]
	cpu, mem := it.allocatable()
	zone := g.zones[i%len(g.zones)]
	name := fmt.Sprintf("%s-%s-%d.%s.compute.internal", g.name, shortHash(g.cluster + "/" + g.name)[:5], i, region)
	arch := "amd64"
	if strings.Contains(g.amiType, "ARM") {
		arch = "arm64"
	}
	return harness.Object{
		"apiVersion": "v1",
		"kind":       "Node",
		"metadata": map[string]any{
			"name":        name,
			"annotations": map[string]any{"kwok.x-k8s.io/node": "fake"},
			"labels": map[string]any{
				"eks.amazonaws.com/nodegroup":      g.name,
				"eks.amazonaws.com/capacityType":   "ON_DEMAND",
				"node.kubernetes.io/instance-type": g.instanceType,
				"topology.kubernetes.io/region":    region,
				"topology.kubernetes.io/zone":      zone,
				"kubernetes.io/arch":               arch,
				"kubernetes.io/os":                 "linux",
				"kubernetes.io/hostname":           name,
				"type":                             "kwok",
			},
		},
		"status": map[string]any{
			"capacity": map[string]any{
				"cpu": fmt.Sprint(it.cpus), "memory": fmt.Sprintf("%dMi", it.memMiB), "pods": fmt.Sprint(it.maxPods),
			},
			"allocatable": map[string]any{
				"cpu": fmt.Sprintf("%dm", cpu), "memory": fmt.Sprintf("%dMi", mem), "pods": fmt.Sprint(it.maxPods),
			},
		},
	}
}
