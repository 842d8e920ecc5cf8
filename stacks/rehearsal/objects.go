package rehearsal

import (
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/workshop/spinnaker-modernization/components/yelb"
)

// Labels the nodes and pods of the rehearsal carry.
const (
	// kwokAnnotation is how the harness's kwok picks the nodes it plays.
	kwokAnnotation = "kwok.x-k8s.io/node"
	zoneLabel      = "topology.kubernetes.io/zone"
	hostnameLabel  = "kubernetes.io/hostname"
	// nodegroupLabel is what EKS puts on a managed node group's nodes.
	nodegroupLabel = "eks.amazonaws.com/nodegroup"
	appLabel       = "app"
)

// nodeObject is the Node a managed node group's instance registers: the
// labels the kubelet and EKS set, and the capacity and allocatable the EKS
// AMI's kubelet reports.
func nodeObject(s Shape, name, zone, instanceID string) corev1.Node {
	in := s.Instance
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewMilliQuantity(int64(in.VCPUs*1000), resource.DecimalSI),
		corev1.ResourceMemory:           mebibytes(in.MemoryMiB),
		corev1.ResourcePods:             *resource.NewQuantity(int64(in.MaxPods()), resource.DecimalSI),
		corev1.ResourceEphemeralStorage: mebibytes(s.NodeGroup.DiskSizeGiB * 1024),
	}
	allocatable := capacity.DeepCopy()
	allocatable[corev1.ResourceCPU] = *resource.NewMilliQuantity(int64(in.AllocatableCPUMilli()), resource.DecimalSI)
	allocatable[corev1.ResourceMemory] = mebibytes(in.AllocatableMemoryMiB())
	return corev1.Node{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{kwokAnnotation: "fake"},
			Labels: map[string]string{
				hostnameLabel:                      name,
				"kubernetes.io/os":                 "linux",
				"kubernetes.io/arch":               "amd64",
				zoneLabel:                          zone,
				"topology.kubernetes.io/region":    s.Region,
				"node.kubernetes.io/instance-type": in.Type,
				nodegroupLabel:                     s.NodeGroup.Name,
				"eks.amazonaws.com/capacityType":   "ON_DEMAND",
			},
		},
		Spec: corev1.NodeSpec{ProviderID: fmt.Sprintf("aws:///%s/%s", zone, instanceID)},
		Status: corev1.NodeStatus{
			Capacity: capacity, Allocatable: allocatable,
			Conditions: []corev1.NodeCondition{networkNotReady()},
		},
	}
}

// networkNotReady is the Ready condition a kubelet registers with before
// its CNI plugin (aws-node) is up (k8s.io/kubernetes
// pkg/kubelet/nodestatus/setters.go, ReadyCondition). Without it the node
// lifecycle controller would lift the not-ready taint at once, and the
// app's pods could take the slots the daemonsets need.
func networkNotReady() corev1.NodeCondition {
	now := metav1.Now()
	return corev1.NodeCondition{
		Type: corev1.NodeReady, Status: corev1.ConditionFalse, Reason: "KubeletNotReady",
		Message:           "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized",
		LastHeartbeatTime: now, LastTransitionTime: now,
	}
}

func mebibytes(n int) resource.Quantity {
	return *resource.NewQuantity(int64(n)*1024*1024, resource.BinarySI)
}

// addOnObjects are the add-ons' namespaces and workloads. Each pod is one
// container requesting what the chart's containers request together: that
// sum is all the scheduler and the autoscaler weigh.
func addOnObjects(ws []Workload) []any {
	var out []any
	seen := map[string]bool{"kube-system": true}
	for _, w := range ws {
		if !seen[w.Namespace] {
			seen[w.Namespace] = true
			out = append(out, corev1.Namespace{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
				ObjectMeta: metav1.ObjectMeta{Name: w.Namespace},
			})
		}
		out = append(out, workloadObject(w))
	}
	return out
}

func workloadObject(w Workload) any {
	labels := map[string]string{appLabel: w.Name}
	template := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{
			PriorityClassName:            w.Priority,
			NodeSelector:                 map[string]string{"kubernetes.io/os": "linux"},
			AutomountServiceAccountToken: new(false),
			Containers: []corev1.Container{{
				Name:      w.Name,
				Image:     "rehearsal.invalid/" + w.Name + ":0",
				Resources: corev1.ResourceRequirements{Requests: requests(w.CPUMilli, w.MemoryMiB)},
			}},
		},
	}
	meta := metav1.ObjectMeta{Name: w.Name, Namespace: w.Namespace, Labels: labels}
	selector := &metav1.LabelSelector{MatchLabels: labels}
	if w.DaemonSet {
		// Node agents run on every node whatever its taints, as theirs do.
		template.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
		return appsv1.DaemonSet{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
			ObjectMeta: meta,
			Spec:       appsv1.DaemonSetSpec{Selector: selector, Template: template},
		}
	}
	return appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: meta,
		Spec:       appsv1.DeploymentSpec{Replicas: new(int32(w.Replicas)), Selector: selector, Template: template},
	}
}

func requests(cpuMilli, memoryMiB int) corev1.ResourceList {
	r := corev1.ResourceList{}
	if cpuMilli > 0 {
		r[corev1.ResourceCPU] = *resource.NewMilliQuantity(int64(cpuMilli), resource.DecimalSI)
	}
	if memoryMiB > 0 {
		r[corev1.ResourceMemory] = mebibytes(memoryMiB)
	}
	return r
}

// scheduledKinds are the yelb objects that decide where pods run or whether
// they count as serving; the rest (ingress, Lattice routes, mesh objects)
// schedule nothing and are left out.
var scheduledKinds = []string{"Namespace", "StorageClass", "ServiceAccount", "ConfigMap", "Service", "Deployment", "StatefulSet", "PodDisruptionBudget"}

// yelbObjects splits the stage's objects into those the rehearsal applies
// and the kinds it leaves out.
func yelbObjects(objs []yelb.Object) (apply []yelb.Object, skipped []string) {
	for _, o := range objs {
		if slices.Contains(scheduledKinds, o.Kind()) {
			apply = append(apply, o)
			continue
		}
		if k := o.Kind(); !slices.Contains(skipped, k) {
			skipped = append(skipped, k)
		}
	}
	slices.Sort(skipped)
	return apply, skipped
}

// ownerKind is the kind of the pod's controller ("" for none).
func ownerKind(p *corev1.Pod) string {
	for _, o := range p.OwnerReferences {
		if o.Controller != nil && *o.Controller {
			return o.Kind
		}
	}
	return ""
}
