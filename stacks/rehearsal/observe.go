package rehearsal

import (
	"context"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// snapshot is the cluster as one tick sees it.
type snapshot struct {
	At     time.Duration
	Nodes  []corev1.Node
	Pods   []corev1.Pod // every namespace
	Slices []discoveryv1.EndpointSlice
	Claims []corev1.PersistentVolumeClaim
}

func (w *world) read(ctx context.Context) (snapshot, error) {
	s := snapshot{At: w.clock.sim()}
	var nodes corev1.NodeList
	var pods corev1.PodList
	var slices discoveryv1.EndpointSliceList
	var claims corev1.PersistentVolumeClaimList
	ns := w.shape.Namespace
	for path, into := range map[string]any{
		"/api/v1/nodes": &nodes,
		"/api/v1/pods":  &pods,
		"/apis/discovery.k8s.io/v1/namespaces/" + ns + "/endpointslices": &slices,
		"/api/v1/namespaces/" + ns + "/persistentvolumeclaims":           &claims,
	} {
		if err := w.kube.get(ctx, path, into); err != nil {
			return s, err
		}
	}
	s.Nodes, s.Pods, s.Slices, s.Claims = nodes.Items, pods.Items, slices.Items, claims.Items
	return s, nil
}

func (s snapshot) node(name string) *corev1.Node {
	i := slices.IndexFunc(s.Nodes, func(n corev1.Node) bool { return n.Name == name })
	if i < 0 {
		return nil
	}
	return &s.Nodes[i]
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// unschedulable says the scheduler found no node for the pod.
func unschedulable(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return true
		}
	}
	return false
}

// Sample is one simulated second of the timeline.
type Sample struct {
	At time.Duration // since the fault was injected (negative before)
	// Ready are each tier's ready endpoints as the API server lists them;
	// Serving those whose node can still answer (not terminated, not cut
	// off): the difference is what the endpoints do not know yet.
	Ready, Serving []int
	NodesReady     int
	Pending        int // pods no node took
}

// sample counts each tier's endpoints: the endpoint slice controller's
// output for the tier's Services, deduplicated by address.
func (w *world) sample(s snapshot) Sample {
	out := Sample{At: s.At - w.injectedAt, Ready: make([]int, len(w.tiers)), Serving: make([]int, len(w.tiers))}
	for ti, tier := range w.tiers {
		seen := map[string]bool{}
		for _, sl := range s.Slices {
			if !slices.Contains(tier.Services, sl.Labels[discoveryv1.LabelServiceName]) {
				continue
			}
			for _, ep := range sl.Endpoints {
				if len(ep.Addresses) == 0 || seen[ep.Addresses[0]] || ep.Conditions.Ready == nil || !*ep.Conditions.Ready {
					continue
				}
				seen[ep.Addresses[0]] = true
				out.Ready[ti]++
				if ep.NodeName != nil && w.servingNode(*ep.NodeName) {
					out.Serving[ti]++
				}
			}
		}
	}
	for i := range s.Nodes {
		if nodeReady(&s.Nodes[i]) {
			out.NodesReady++
		}
	}
	for i := range s.Pods {
		p := &s.Pods[i]
		if p.Spec.NodeName == "" && p.DeletionTimestamp == nil {
			out.Pending++
		}
	}
	return out
}

func (w *world) servingNode(name string) bool {
	i := w.group.byNode(name)
	return i != nil && i.serving()
}
