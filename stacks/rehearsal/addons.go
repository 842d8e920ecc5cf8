package rehearsal

import (
	"github.com/workshop/spinnaker-modernization/components/addons"
)

// Workload is one add-on's pods as the scheduler sees them: how many, where,
// and what each requests (its containers' requests summed).
type Workload struct {
	Namespace, Name string
	DaemonSet       bool
	Replicas        int // Deployments only
	CPUMilli        int
	MemoryMiB       int
	Priority        string // PriorityClass, "" for none
	// Source is where the numbers come from, for the README and reviewers.
	Source string
}

const (
	nodeCritical    = "system-node-critical"
	clusterCritical = "system-cluster-critical"
)

// Workloads every EKS app cluster of the workshop runs, whatever the flags:
// the networking and DNS EKS installs itself and the Pod Identity agent the
// add-ons get their credentials from.
var baseWorkloads = []Workload{
	{"kube-system", "aws-node", true, 0, 25, 0, nodeCritical,
		"aws/amazon-vpc-cni-k8s charts/aws-vpc-cni/values.yaml: resources.requests.cpu 25m; priorityClassName in the DaemonSet template"},
	{"kube-system", "kube-proxy", true, 0, 100, 0, nodeCritical,
		"kubernetes/kubernetes cluster/addons/kube-proxy/kube-proxy-ds.yaml (cpu request defaults to 100m in cluster/gce/gci/configure-helper.sh); EKS does not publish its own manifest"},
	{"kube-system", "coredns", false, 2, 100, 70, clusterCritical,
		"two replicas on every EKS cluster (docs.aws.amazon.com/eks/latest/userguide/managing-coredns.html); requests from kubernetes/kubernetes cluster/addons/dns/coredns/coredns.yaml.base"},
	{"kube-system", "eks-pod-identity-agent", true, 0, 0, 0, nodeCritical,
		"aws/eks-pod-identity-agent charts/eks-pod-identity-agent/values.yaml: resources {}"},
}

// flaggedWorkloads are the add-ons each enable flag installs.
func flaggedWorkloads(f addons.Flags) []Workload {
	var w []Workload
	if f.LoadBalancerController {
		w = append(w, Workload{"kube-system", "aws-load-balancer-controller", false, 2, 0, 0, clusterCritical,
			"aws/eks-charts stable/aws-load-balancer-controller/values.yaml (3.5.0): replicaCount 2, resources {}, priorityClassName system-cluster-critical"})
	}
	if f.ClusterAutoscaler {
		w = append(w, Workload{"kube-system", "cluster-autoscaler", false, 1, 0, 0, clusterCritical,
			"kubernetes/autoscaler charts/cluster-autoscaler/values.yaml (9.59.0): replicaCount 1, resources {}, priorityClassName system-cluster-critical"})
	}
	if f.CloudWatchObservability {
		w = append(w,
			Workload{"amazon-cloudwatch", "cloudwatch-agent", true, 0, 250, 128, nodeCritical,
				"aws-observability/helm-charts charts/amazon-cloudwatch-observability/values.yaml: agent.resources.requests 250m/128Mi, mode daemonset (the cluster-scraper agent only runs with otelContainerInsights)"},
			Workload{"amazon-cloudwatch", "fluent-bit", true, 0, 50, 25, nodeCritical,
				"same values.yaml: containerLogs.fluentBit.resources.requests 50m/25Mi"},
			Workload{"amazon-cloudwatch", "amazon-cloudwatch-observability-controller-manager", false, 1, 100, 64, "",
				"same values.yaml: replicaCount 1, manager.resources.requests 100m/64Mi"})
	}
	if f.MetricsServer {
		w = append(w, Workload{"kube-system", "metrics-server", false, 2, 100, 200, clusterCritical,
			"kubernetes-sigs/metrics-server charts/metrics-server/values.yaml (3.13.1): requests 100m/200Mi; replicas 2 set by components/addons/metricsserver.go"})
	}
	if f.EBSCSIDriver {
		w = append(w,
			Workload{"kube-system", "ebs-csi-node", true, 0, 30, 104, nodeCritical,
				"kubernetes-sigs/aws-ebs-csi-driver charts/aws-ebs-csi-driver: node.resources 10m/40Mi, node-driver-registrar and liveness-probe 10m/32Mi each (templates/_node.tpl)"},
			Workload{"kube-system", "ebs-csi-controller", false, 2, 50, 192, clusterCritical,
				"same chart: controller.replicaCount 2; ebs-plugin, provisioner, attacher, resizer 10m/40Mi each, liveness-probe 10m/32Mi (templates/controller.yaml; no snapshotter without the snapshot API)"})
	}
	if f.GatewayAPIController {
		w = append(w,
			Workload{addons.LatticeNamespace, "gateway-api-controller", false, 2, 50, 64, "",
				"aws/aws-application-networking-k8s helm/values.yaml (v2.1.3): deployment.replicas 2, resources.requests 50m/64Mi"},
			Workload{"external-dns", "external-dns", false, 1, 0, 0, "",
				"kubernetes-sigs/external-dns charts/external-dns/values.yaml (1.20.0): resources {}"})
	}
	return w
}

// Workloads are the add-on pods of a stack's app cluster.
func Workloads(f addons.Flags) []Workload {
	return append(append([]Workload{}, baseWorkloads...), flaggedWorkloads(f)...)
}

// daemonSetLoad is what the daemonsets take from every node.
func daemonSetLoad(ws []Workload) (pods, cpuMilli, memoryMiB int) {
	for _, w := range ws {
		if w.DaemonSet {
			pods++
			cpuMilli += w.CPUMilli
			memoryMiB += w.MemoryMiB
		}
	}
	return pods, cpuMilli, memoryMiB
}
