package rehearsal

import (
	"context"
	"fmt"
	"net/url"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// world is the simulated AWS side of one rehearsal around the real
// Kubernetes components: the node group and its instances, the cloud
// controller manager's node cleanup, cluster-autoscaler, the EBS CSI
// provisioner, the dying kubelets, and FIS.
type world struct {
	shape  Shape
	opts   Options
	tiers  []Tier
	kube   *kube
	clock  *clock
	timing timing
	group  *nodeGroup

	injectedAt time.Duration
	samples    []Sample
	events     []Event
	fault      *Fault

	lastAutoscale, lastCleanup time.Duration
	volumes                    *ebsVolumes
	restoreAt                  time.Duration // AZPowerInterruption's end, 0 for none
	// What notice already put on the timeline.
	preempted            map[types.UID]bool
	autoscalerWasRunning bool
}

// Event is something the cloud did, for the timeline.
type Event struct {
	At   time.Duration // since injection
	Text string
}

func (w *world) logf(at time.Duration, format string, args ...any) {
	w.events = append(w.events, Event{At: at - w.injectedAt, Text: fmt.Sprintf(format, args...)})
}

// tick runs every simulated actor once against a fresh snapshot.
func (w *world) tick(ctx context.Context) (snapshot, error) {
	s, err := w.read(ctx)
	if err != nil {
		return s, err
	}
	steps := []func(context.Context, snapshot) error{
		w.joinNodes, w.shutDownKubelets, w.cleanUpNodes, w.autoscale, w.volumes.provision, w.restoreZone, w.notice,
	}
	for _, step := range steps {
		if err := step(ctx, s); err != nil {
			return s, err
		}
	}
	return s, nil
}

// joinNodes launches what the group lacks and registers the instances
// whose kubelet is up.
func (w *world) joinNodes(ctx context.Context, s snapshot) error {
	for _, i := range w.group.launch(s.At) {
		if w.group.LaunchDelay > 0 {
			w.logf(s.At, "node group launched %s in %s (joins in %s)", i.ID, i.Zone, w.group.LaunchDelay)
		}
	}
	for _, i := range w.group.joining(s.At) {
		if err := w.kube.create(ctx, nodeObject(w.shape, i.Node, i.Zone, i.ID)); err != nil {
			return fmt.Errorf("registering node %s: %w", i.Node, err)
		}
		i.State = running
		if w.group.LaunchDelay > 0 {
			w.logf(s.At, "node %s joined in %s", i.Node, i.Zone)
		}
	}
	return nil
}

// cleanUpNodes is the cloud controller manager's node lifecycle
// controller: every node-monitor-period it deletes the Node of an instance
// that no longer exists once the node is not Ready
// (k8s.io/cloud-provider v0.34.1 controllers/nodelifecycle/node_lifecycle_controller.go,
// MonitorNodes).
func (w *world) cleanUpNodes(ctx context.Context, s snapshot) error {
	if s.At-w.lastCleanup < nodeMonitorPeriod {
		return nil
	}
	w.lastCleanup = s.At
	for i := range s.Nodes {
		n := &s.Nodes[i]
		inst := w.group.byNode(n.Name)
		if inst == nil || inst.State != terminated || nodeReady(n) {
			continue
		}
		if err := w.kube.remove(ctx, "/api/v1/nodes/"+url.PathEscape(n.Name), nil); err != nil {
			return fmt.Errorf("deleting node %s: %w", n.Name, err)
		}
		w.logf(s.At, "cloud controller deleted node %s (instance %s is gone)", n.Name, inst.ID)
	}
	return nil
}

// leaseHolder takes a node's lease from kwok: kwok plays only the nodes
// whose lease it holds, so the node's kubelet falls silent, and the node
// lifecycle controller sees no more renewals.
const leaseHolder = "rehearsal-silenced"

func (w *world) silence(ctx context.Context, node string) error {
	return w.kube.patch(ctx, leasePath(node), mergePatch, map[string]any{
		"spec": map[string]any{"holderIdentity": leaseHolder, "leaseDurationSeconds": 1 << 30},
	})
}

// unsilence hands the node back to kwok, which creates a fresh lease.
func (w *world) unsilence(ctx context.Context, node string) error {
	return w.kube.remove(ctx, leasePath(node), nil)
}

func leasePath(node string) string {
	return "/apis/coordination.k8s.io/v1/namespaces/" + corev1.NamespaceNodeLease + "/leases/" + url.PathEscape(node)
}

// leaseHeld says whether kwok gave up the node.
func (w *world) leaseHeld(ctx context.Context, node string) (bool, error) {
	var l coordinationv1.Lease
	if err := w.kube.get(ctx, leasePath(node), &l); err != nil {
		return false, err
	}
	return l.Spec.HolderIdentity != nil && *l.Spec.HolderIdentity == leaseHolder, nil
}
