package rehearsal

import (
	"fmt"
	"slices"
	"strings"
)

// Instance is what the EKS AMI's kubelet reports for one EC2 instance type.
type Instance struct {
	Type string
	// VCPUs and MemoryMiB are the instance type's nominal size (EC2 instance
	// types reference). The kernel reports a little less memory, so the
	// rehearsal's nodes are at most as roomy as real ones in memory; on the
	// workshop's t3.small the pod limit binds long before memory does.
	VCPUs     int
	MemoryMiB int
	// ENIs and IPv4PerENI are the default network card's limits, from
	// nodeadm's cached instance data (awslabs/amazon-eks-ami,
	// nodeadm/internal/kubelet/instance-info.jsonl).
	ENIs       int
	IPv4PerENI int
}

// instances are the types a stack may use; others are refused by name.
var instances = []Instance{
	{"t3.small", 2, 2048, 3, 4},
	{"t3.medium", 2, 4096, 3, 6},
	{"t3.large", 2, 8192, 3, 12},
	{"t3.xlarge", 4, 16384, 4, 15},
	{"m5.large", 2, 8192, 3, 10},
	{"m5.xlarge", 4, 16384, 4, 15},
	{"m6i.large", 2, 8192, 3, 10},
	{"m7i.large", 2, 8192, 3, 10},
}

// LookupInstance finds an instance type's facts.
func LookupInstance(instanceType string) (Instance, error) {
	i := slices.IndexFunc(instances, func(in Instance) bool { return in.Type == instanceType })
	if i < 0 {
		known := make([]string, len(instances))
		for j, in := range instances {
			known[j] = in.Type
		}
		return Instance{}, fmt.Errorf("config workshop:nodeGroup: instanceType %q has no instance facts in the rehearsal; expected one of %s", instanceType, strings.Join(known, ", "))
	}
	return instances[i], nil
}

// MaxPods is nodeadm's default: ENIs * (IPv4 addresses per ENI - 1) + 2
// (amazon-eks-ami nodeadm/internal/kubelet/eni_max_pods.go,
// calculateStandardMaxPods). It counts every pod, daemonsets included.
func (in Instance) MaxPods() int { return in.ENIs*(in.IPv4PerENI-1) + 2 }

// evictionHardMemoryMiB is nodeadm's evictionHard memory.available
// (nodeadm/internal/kubelet/config.go, defaultKubeletSubConfig).
const evictionHardMemoryMiB = 100

// KubeReservedCPUMilli is nodeadm's getCPUMillicoresToReserve: 6% of the
// first core, 1% of the second, 0.5% of the third and fourth, 0.25% above.
func (in Instance) KubeReservedCPUMilli() int {
	total := in.VCPUs * 1000
	bounds := []int{0, 1000, 2000, 4000, total}
	basisPoints := []int{600, 100, 50, 25}
	reserved := 0
	for i, bp := range basisPoints {
		lo, hi := bounds[i], min(bounds[i+1], total)
		if total > lo && hi > lo {
			reserved += (hi - lo) * bp / 10000
		}
	}
	return reserved
}

// KubeReservedMemoryMiB is nodeadm's getMemoryMebibytesToReserve: 11 MiB per
// pod the node may run, plus 255 MiB.
func (in Instance) KubeReservedMemoryMiB() int { return 11*in.MaxPods() + 255 }

// AllocatableCPUMilli is what the scheduler may hand out: capacity less
// kube-reserved (nodeadm reserves nothing for the system).
func (in Instance) AllocatableCPUMilli() int { return in.VCPUs*1000 - in.KubeReservedCPUMilli() }

// AllocatableMemoryMiB is capacity less kube-reserved and the hard eviction
// threshold.
func (in Instance) AllocatableMemoryMiB() int {
	return in.MemoryMiB - in.KubeReservedMemoryMiB() - evictionHardMemoryMiB
}
