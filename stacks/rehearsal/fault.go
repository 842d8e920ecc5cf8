package rehearsal

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/workshop/spinnaker-modernization/components/chaos"
)

// Fault is what the experiment did at injection.
type Fault struct {
	Summary string
	// Targets are the nodes or pods acted on, each with what ran there.
	Targets []string
}

// Pick modes: which nodes or pods the experiment hits.
const (
	// PickHypothesis hits the targets whose loss hurts the hypothesis most
	// (nodeLoad.worse). FIS picks at random; a hypothesis that survives this
	// pick survives any.
	PickHypothesis = "hypothesis"
	// PickRandom picks like FIS, at random (seeded).
	PickRandom = "random"
)

// share is how many of n a percentage selects. FIS does not document its
// rounding; rounding up never selects none.
func share(percent, n int) int {
	return min(n, int(math.Ceil(float64(percent*n)/100)))
}

// inject performs the experiment the way FIS does.
func (w *world) inject(ctx context.Context, s snapshot) error {
	var err error
	switch w.shape.Experiment.Template {
	case chaos.TerminateEKSNodes:
		err = w.terminateNodes(ctx, s)
	case chaos.AppServerPodDelete:
		err = w.deletePods(ctx, s)
	case chaos.AZPowerInterruption:
		err = w.cutZone(ctx, s)
	default:
		err = fmt.Errorf("template %s is not rehearsed", w.shape.Experiment.Template)
	}
	if err == nil {
		w.logf(s.At, "FIS %s: %s", w.shape.Experiment.Template, w.fault.Summary)
	}
	return err
}

// terminateNodes is aws:eks:terminate-nodegroup-instances: EC2 terminates
// the instances, whose kubelets shut down gracefully. The EKS AMI enables
// graceful node shutdown from Kubernetes 1.34 (shutdownGracePeriod 2m30s;
// awslabs/amazon-eks-ami nodeadm/internal/kubelet/config.go,
// withVersionToggles): the kubelet reports the node NotReady ("node is
// shutting down") and fails its pods once their containers stopped
// (k8s.io/kubernetes v1.34.1 pkg/kubelet/nodeshutdown/nodeshutdown_manager.go,
// killPods), so their controllers replace them at once.
func (w *world) terminateNodes(ctx context.Context, s snapshot) error {
	var candidates []string
	for _, i := range w.group.instances {
		if i.State == running {
			candidates = append(candidates, i.Node)
		}
	}
	victims := w.pickNodes(s, candidates, share(w.shape.Experiment.Percent, len(candidates)))
	for _, name := range victims {
		inst := w.group.byNode(name)
		inst.State, inst.StopAt = shuttingDown, s.At+w.opts.PodStop
		if err := w.silence(ctx, name); err != nil {
			return fmt.Errorf("silencing node %s: %w", name, err)
		}
	}
	w.fault = &Fault{
		Summary: fmt.Sprintf("terminated %d of %d nodes (%d%%)", len(victims), len(candidates), w.shape.Experiment.Percent),
		Targets: w.describeNodes(s, victims),
	}
	return nil
}

// pickNodes chooses n of the candidate nodes.
func (w *world) pickNodes(s snapshot, candidates []string, n int) []string {
	names := slices.Clone(candidates)
	sort.Strings(names)
	if w.opts.Pick == PickRandom {
		r := rand.New(rand.NewPCG(uint64(w.opts.Seed), 0))
		r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		return names[:n]
	}
	load := w.yelbLoad(s)
	sort.SliceStable(names, func(i, j int) bool { return load[names[i]].worse(load[names[j]]) })
	return names[:n]
}

// nodeLoad is what of yelb a node runs.
type nodeLoad struct {
	ui, single int // serving yelb-ui pods; pods of single-replica StatefulSets
	apps       []string
}

// worse orders nodes for PickHypothesis: the most yelb-ui pods first, then
// the single-replica data tier (its loss is an outage however many nodes
// remain), then the most yelb pods.
func (a nodeLoad) worse(b nodeLoad) bool {
	if a.ui != b.ui {
		return a.ui > b.ui
	}
	if a.single != b.single {
		return a.single > b.single
	}
	return len(a.apps) > len(b.apps)
}

func (w *world) yelbLoad(s snapshot) map[string]nodeLoad {
	load := map[string]nodeLoad{}
	for i := range s.Pods {
		p := &s.Pods[i]
		if p.Namespace != w.shape.Namespace || p.Spec.NodeName == "" || !podReady(p) {
			continue
		}
		l := load[p.Spec.NodeName]
		l.apps = append(l.apps, p.Labels[appLabel])
		if p.Labels[appLabel] == "yelb-ui" {
			l.ui++
		}
		if ownerKind(p) == "StatefulSet" {
			l.single++
		}
		load[p.Spec.NodeName] = l
	}
	return load
}

func (w *world) describeNodes(s snapshot, nodes []string) []string {
	load := w.yelbLoad(s)
	out := make([]string, len(nodes))
	for i, n := range nodes {
		pods := load[n].apps
		sort.Strings(pods)
		zone := w.group.byNode(n).Zone
		if len(pods) == 0 {
			out[i] = fmt.Sprintf("%s (%s): no yelb pods", n, zone)
			continue
		}
		out[i] = fmt.Sprintf("%s (%s): %s", n, zone, strings.Join(pods, ", "))
	}
	return out
}

// shutDownKubelets plays the kubelets of terminated instances: the node
// reports NotReady while shutting down, its pods fail once stopped, a pod
// bound to it meanwhile is rejected, and then the instance is gone.
func (w *world) shutDownKubelets(ctx context.Context, s snapshot) error {
	for _, inst := range w.group.instances {
		if inst.State != shuttingDown {
			continue
		}
		if n := s.node(inst.Node); n != nil && nodeReady(n) {
			if err := w.reportShuttingDown(ctx, inst.Node); err != nil {
				return err
			}
		}
		if s.At < inst.StopAt {
			continue
		}
		for i := range s.Pods {
			p := &s.Pods[i]
			if p.Spec.NodeName == inst.Node && p.Status.Phase != corev1.PodFailed && p.Status.Phase != corev1.PodSucceeded {
				if err := w.failPod(ctx, p); err != nil {
					return err
				}
			}
		}
		inst.State = terminated
		w.logf(s.At, "instance %s (%s) powered off", inst.ID, inst.Node)
	}
	return nil
}

func (w *world) reportShuttingDown(ctx context.Context, node string) error {
	now := time.Now().UTC().Format(time.RFC3339)
	patch := map[string]any{"status": map[string]any{"conditions": []map[string]any{{
		"type": "Ready", "status": "False", "reason": "KubeletNotReady", "message": "node is shutting down",
		"lastHeartbeatTime": now, "lastTransitionTime": now,
	}}}}
	if err := w.kube.patch(ctx, "/api/v1/nodes/"+url.PathEscape(node)+"/status", strategicPatch, patch); err != nil {
		return fmt.Errorf("reporting node %s shutting down: %w", node, err)
	}
	return nil
}

// failPod is the kubelet's status update for a pod it stopped on shutdown.
func (w *world) failPod(ctx context.Context, p *corev1.Pod) error {
	const msg = "Pod was terminated in response to imminent node shutdown."
	now := time.Now().UTC().Format(time.RFC3339)
	patch := map[string]any{"status": map[string]any{
		"phase": "Failed", "reason": "Terminated", "message": msg,
		"conditions": []map[string]any{
			{"type": "Ready", "status": "False", "lastTransitionTime": now},
			{"type": "ContainersReady", "status": "False", "lastTransitionTime": now},
			{"type": "DisruptionTarget", "status": "True", "reason": "TerminationByKubelet", "message": msg, "lastTransitionTime": now},
		},
	}}
	err := w.kube.patch(ctx, podPath(p.Namespace, p.Name)+"/status", strategicPatch, patch)
	if err != nil && !isStatus(err, 404) {
		return fmt.Errorf("failing pod %s/%s: %w", p.Namespace, p.Name, err)
	}
	return nil
}

// deletePods is aws:eks:pod-delete: FIS deletes the selected share of the
// pods its selector matches, with the template's grace period (0).
func (w *world) deletePods(ctx context.Context, s snapshot) error {
	var names []string
	for i := range s.Pods {
		p := &s.Pods[i]
		if p.Namespace == w.shape.Namespace && p.DeletionTimestamp == nil && matches(p.Labels, w.shape.Experiment.Selector) {
			names = append(names, p.Name)
		}
	}
	sort.Strings(names)
	n := share(w.shape.Experiment.Percent, len(names))
	if w.opts.Pick == PickRandom {
		r := rand.New(rand.NewPCG(uint64(w.opts.Seed), 0))
		r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	}
	victims := names[:n]
	grace := int64(0)
	for _, name := range victims {
		if err := w.kube.remove(ctx, podPath(w.shape.Namespace, name), &grace); err != nil {
			return fmt.Errorf("deleting pod %s: %w", name, err)
		}
	}
	w.fault = &Fault{
		Summary: fmt.Sprintf("deleted %d of %d pods matching %s (%d%%), grace period 0", n, len(names), selectorString(w.shape.Experiment.Selector), w.shape.Experiment.Percent),
		Targets: victims,
	}
	return nil
}

func matches(labels, selector map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return len(selector) > 0
}

func selectorString(sel map[string]string) string {
	parts := make([]string, 0, len(sel))
	for k, v := range sel {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}
