package addons

// Every chart, add-on and image version of the app cluster's add-ons, pinned
// here and nowhere else.

// Chart is a pinned Helm chart.
type Chart struct {
	Repo    string
	Name    string
	Version string
}

var (
	LoadBalancerControllerChart = Chart{"https://aws.github.io/eks-charts", "aws-load-balancer-controller", "3.5.0"}
	ClusterAutoscalerChart      = Chart{"https://kubernetes.github.io/autoscaler", "cluster-autoscaler", "9.59.0"}
	MetricsServerChart          = Chart{"https://kubernetes-sigs.github.io/metrics-server/", "metrics-server", "3.13.1"}
	GatewayAPIControllerChart   = Chart{"oci://public.ecr.aws/aws-application-networking-k8s", "aws-gateway-controller-chart", "v2.1.3"}
	ExternalDNSChart            = Chart{"https://kubernetes-sigs.github.io/external-dns/", "external-dns", "1.20.0"}
	AppMeshControllerChart      = Chart{"https://aws.github.io/eks-charts", "appmesh-controller", "1.13.3"}
)

// Charts are every chart the program can install: what a chart mirror
// (workshop:chartMirror) must hold.
var Charts = []Chart{
	LoadBalancerControllerChart, ClusterAutoscalerChart, MetricsServerChart,
	GatewayAPIControllerChart, ExternalDNSChart, AppMeshControllerChart,
}

// GatewayAPIVersion is the Gateway API release whose standard CRDs the
// Lattice controller (v2.1.3, built against v1.5.0) is installed with; the
// Go module sigs.k8s.io/gateway-api the tests decode with is pinned to it.
const GatewayAPIVersion = "v1.5.0"

// EKS add-on versions. CoreDNSVersion is empty on purpose: its builds are
// tied to each Kubernetes minor, and EKS then installs the default build for
// the cluster's version.
const (
	PodIdentityAgentVersion        = "v1.3.10-eksbuild.3"
	CloudWatchObservabilityVersion = "v6.6.0-eksbuild.1"
	EBSCSIDriverVersion            = "v1.66.0-eksbuild.1"
	CoreDNSVersion                 = ""
)

// clusterAutoscalerImages maps a Kubernetes minor version to the
// cluster-autoscaler release built for it; the two must match.
var clusterAutoscalerImages = map[string]string{
	"1.34": "v1.34.2",
	"1.35": "v1.35.2",
	"1.36": "v1.36.0",
}

// ClusterAutoscalerImageTag returns the image tag for a Kubernetes version.
func ClusterAutoscalerImageTag(kubernetesVersion string) (string, bool) {
	tag, ok := clusterAutoscalerImages[kubernetesVersion]
	return tag, ok
}
