package rehearsal

import (
	"context"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// autoscalerScanInterval is cluster-autoscaler's default --scan-interval
// (kubernetes/autoscaler cluster-autoscaler/FAQ.md, "What are the parameters
// to CA?").
const autoscalerScanInterval = 10 * time.Second

// autoscale is cluster-autoscaler's scale-up, reduced to what decides it
// here: every scan it packs the pods the scheduler could not place onto the
// group's nodes' free room, then its launching instances, then new ones
// built like a ready node of the group, and raises the group's desired size by the new
// ones, up to its maximum. It weighs requests, the pod limit, required
// anti-affinity per hostname and a volume's zone. The template is one node
// of the group, so with one group over three zones a pod tied to another
// zone's volume gets no node: the FAQ's "I have a couple of pending pods,
// but there was no scale-up" (use one node group per zone). It runs only
// while its own pod does; scale-down is not modelled (its default
// scale-down-unneeded-time of 10 minutes lies beyond most rehearsals).
func (w *world) autoscale(ctx context.Context, s snapshot) error {
	if s.At-w.lastAutoscale < autoscalerScanInterval || !w.autoscalerRunning(s) {
		return nil
	}
	w.lastAutoscale = s.At
	// Pods that fit a node already there (one that joined since the
	// scheduler last tried) need no new node.
	existing := w.nodesWithRoom(s)
	var pending []*corev1.Pod
	for _, p := range w.unschedulable(s) {
		if !placeOn(existing, p, w.volumes.zonesOf) {
			pending = append(pending, p)
		}
	}
	if len(pending) == 0 {
		return nil
	}
	template, ok := w.templateNode(s)
	if !ok {
		return nil
	}
	bins := make([]*simNode, w.upcomingNodes(s))
	for i := range bins {
		bins[i] = template.clone()
	}
	added := 0
	room := w.group.Max - w.group.Desired
	for _, p := range pending {
		if placed := placeOn(bins, p, w.volumes.zonesOf); placed {
			continue
		}
		if added >= room {
			continue
		}
		n := template.clone()
		if n.fits(p, w.volumes.zonesOf) {
			n.add(p)
			bins = append(bins, n)
			added++
		}
	}
	if added > 0 {
		w.logf(s.At, "cluster-autoscaler: %d pods pending, node group desired %d -> %d", len(pending), w.group.Desired, w.group.Desired+added)
		w.group.Desired += added
	}
	return nil
}

// upcomingNodes are the group's instances that will be nodes: launched
// but not registered, or registered and not Ready yet. The autoscaler
// counts both as capacity on its way (kubernetes/autoscaler
// cluster-autoscaler/clusterstate/clusterstate.go, GetUpcomingNodes: a
// node not yet started counts as upcoming), so it does not scale up again
// for pods those nodes will take.
func (w *world) upcomingNodes(s snapshot) int {
	n := w.group.upcoming()
	for _, i := range w.group.instances {
		if node := s.node(i.Node); i.State == running && node != nil && !nodeReady(node) {
			n++
		}
	}
	return n
}

func (w *world) autoscalerRunning(s snapshot) bool {
	for i := range s.Pods {
		p := &s.Pods[i]
		if p.Labels[appLabel] == "cluster-autoscaler" && podReady(p) && w.servingNode(p.Spec.NodeName) {
			return true
		}
	}
	return false
}

// unschedulable are the pods the scheduler gave up on, less daemonset
// pods, which the autoscaler leaves to each node.
func (w *world) unschedulable(s snapshot) []*corev1.Pod {
	var out []*corev1.Pod
	for i := range s.Pods {
		p := &s.Pods[i]
		if p.Spec.NodeName == "" && p.DeletionTimestamp == nil && unschedulable(p) && ownerKind(p) != "DaemonSet" {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Namespace+out[i].Name < out[j].Namespace+out[j].Name })
	return out
}

// nodesWithRoom are the group's ready nodes with what their pods leave.
func (w *world) nodesWithRoom(s snapshot) []*simNode {
	var out []*simNode
	for i := range s.Nodes {
		n := &s.Nodes[i]
		if !nodeReady(n) || n.Labels[nodegroupLabel] != w.group.Name || !w.servingNode(n.Name) {
			continue
		}
		room := &simNode{
			zone:     n.Labels[zoneLabel],
			pods:     int(n.Status.Allocatable.Pods().Value()),
			cpuMilli: n.Status.Allocatable.Cpu().MilliValue(),
			memory:   n.Status.Allocatable.Memory().Value(),
		}
		for j := range s.Pods {
			p := &s.Pods[j]
			if p.Spec.NodeName == n.Name && p.Status.Phase != corev1.PodFailed && p.Status.Phase != corev1.PodSucceeded {
				room.add(p)
			}
		}
		out = append(out, room)
	}
	return out
}

// templateNode is a new node as the autoscaler pictures it: the first
// ready node of the group, empty but for the daemonsets.
func (w *world) templateNode(s snapshot) (*simNode, bool) {
	var names []string
	for i := range s.Nodes {
		if nodeReady(&s.Nodes[i]) && s.Nodes[i].Labels[nodegroupLabel] == w.group.Name {
			names = append(names, s.Nodes[i].Name)
		}
	}
	if len(names) == 0 {
		return nil, false
	}
	sort.Strings(names)
	n := s.node(names[0])
	pods, cpu, mem := daemonSetLoad(w.shape.Workloads)
	return &simNode{
		zone:     n.Labels[zoneLabel],
		pods:     int(n.Status.Allocatable.Pods().Value()) - pods,
		cpuMilli: n.Status.Allocatable.Cpu().MilliValue() - int64(cpu),
		memory:   n.Status.Allocatable.Memory().Value() - int64(mem)*1024*1024,
	}, true
}

// simNode is a node in the autoscaler's estimate: what is left of it.
type simNode struct {
	zone             string
	pods             int
	cpuMilli, memory int64
	placed           []*corev1.Pod
}

func (n *simNode) clone() *simNode {
	c := *n
	c.placed = nil
	return &c
}

func placeOn(nodes []*simNode, p *corev1.Pod, pvZones func(*corev1.Pod) []string) bool {
	for _, n := range nodes {
		if n.fits(p, pvZones) {
			n.add(p)
			return true
		}
	}
	return false
}

func (n *simNode) fits(p *corev1.Pod, pvZones func(*corev1.Pod) []string) bool {
	cpu, mem := podRequests(p)
	if n.pods < 1 || cpu > n.cpuMilli || mem > n.memory {
		return false
	}
	for _, z := range pvZones(p) {
		if z != n.zone {
			return false
		}
	}
	for _, other := range n.placed {
		if antiAffine(p, other) || antiAffine(other, p) {
			return false
		}
	}
	return true
}

func (n *simNode) add(p *corev1.Pod) {
	cpu, mem := podRequests(p)
	n.pods--
	n.cpuMilli -= cpu
	n.memory -= mem
	n.placed = append(n.placed, p)
}

func podRequests(p *corev1.Pod) (cpuMilli, memory int64) {
	for _, c := range p.Spec.Containers {
		cpuMilli += quantityOr(c.Resources.Requests, corev1.ResourceCPU).MilliValue()
		memory += quantityOr(c.Resources.Requests, corev1.ResourceMemory).Value()
	}
	return cpuMilli, memory
}

func quantityOr(r corev1.ResourceList, name corev1.ResourceName) *resource.Quantity {
	q, ok := r[name]
	if !ok {
		return resource.NewQuantity(0, resource.DecimalSI)
	}
	return &q
}

// antiAffine says p refuses to share a host with other.
func antiAffine(p, other *corev1.Pod) bool {
	if p.Spec.Affinity == nil || p.Spec.Affinity.PodAntiAffinity == nil {
		return false
	}
	for _, term := range p.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
		if term.TopologyKey != hostnameLabel || term.LabelSelector == nil {
			continue
		}
		if len(term.LabelSelector.MatchLabels) > 0 && matches(other.Labels, term.LabelSelector.MatchLabels) {
			return true
		}
	}
	return false
}
