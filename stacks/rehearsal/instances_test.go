package rehearsal

import (
	"strings"
	"testing"
)

// Expected values worked by hand from the EKS AMI's formulas
// (awslabs/amazon-eks-ami nodeadm/internal/kubelet/eni_max_pods.go and
// config.go) and its instance data (instance-info.jsonl: t3.small has 3 ENIs
// of 4 IPv4 addresses, m5.xlarge 4 of 15).
func TestInstanceFactsFollowTheEKSAMIFormulas(t *testing.T) {
	cases := []struct {
		instanceType                     string
		maxPods, reservedCPU, reservedMi int
		allocCPU, allocMi                int
	}{
		// 3*(4-1)+2 = 11 pods; 60m + 10m CPU; 11*11+255 = 376 MiB.
		{"t3.small", 11, 70, 376, 1930, 2048 - 376 - 100},
		// 3*(6-1)+2 = 17 pods; 11*17+255 = 442 MiB.
		{"t3.medium", 17, 70, 442, 1930, 4096 - 442 - 100},
		// 4*(15-1)+2 = 58 pods; 60 + 10 + 5 + 5 = 80m; 11*58+255 = 893 MiB.
		{"m5.xlarge", 58, 80, 893, 3920, 16384 - 893 - 100},
	}
	for _, c := range cases {
		t.Run(c.instanceType, func(t *testing.T) {
			in, err := LookupInstance(c.instanceType)
			if err != nil {
				t.Fatal(err)
			}
			got := []int{in.MaxPods(), in.KubeReservedCPUMilli(), in.KubeReservedMemoryMiB(), in.AllocatableCPUMilli(), in.AllocatableMemoryMiB()}
			want := []int{c.maxPods, c.reservedCPU, c.reservedMi, c.allocCPU, c.allocMi}
			for i, name := range []string{"max pods", "reserved CPU", "reserved memory", "allocatable CPU", "allocatable memory"} {
				if got[i] != want[i] {
					t.Errorf("%s = %d, want %d", name, got[i], want[i])
				}
			}
		})
	}
}

func TestUnknownInstanceTypeNamesTheKey(t *testing.T) {
	_, err := LookupInstance("x9.huge")
	if err == nil || !strings.Contains(err.Error(), "workshop:nodeGroup") || !strings.Contains(err.Error(), "t3.small") {
		t.Fatalf("want an error naming the key and the known types, got %v", err)
	}
}
