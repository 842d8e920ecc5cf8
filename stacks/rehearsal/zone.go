package rehearsal

import (
	"context"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// cutZone is aws:network:disrupt-connectivity on the zone's subnets: the
// instances keep running, but their kubelets cannot reach the API server and
// their pods cannot answer, for the template's duration. Auto Scaling sees
// healthy instances and replaces nothing; the cloud controller deletes no
// node, since the instances exist.
func (w *world) cutZone(ctx context.Context, s snapshot) error {
	zone := w.shape.Experiment.Zone
	until := s.At + time.Duration(w.shape.Experiment.DurationSeconds)*time.Second
	w.group.cutZonesUntil[zone] = until
	w.restoreAt = until
	var nodes []string
	for _, inst := range w.group.instances {
		if inst.Zone != zone || inst.State != running {
			continue
		}
		inst.Cut = true
		nodes = append(nodes, inst.Node)
		if err := w.silence(ctx, inst.Node); err != nil {
			return fmt.Errorf("silencing node %s: %w", inst.Node, err)
		}
	}
	sort.Strings(nodes)
	w.fault = &Fault{
		Summary: fmt.Sprintf("cut off %s (%d nodes) for %ds", zone, len(nodes), w.shape.Experiment.DurationSeconds),
		Targets: w.describeNodes(s, nodes),
	}
	return nil
}

// restoreZone ends the disruption: the kubelets reconnect, renew their
// leases and report their running pods ready again.
func (w *world) restoreZone(ctx context.Context, s snapshot) error {
	if w.restoreAt == 0 || s.At < w.restoreAt {
		return nil
	}
	w.restoreAt = 0
	zone := w.shape.Experiment.Zone
	delete(w.group.cutZonesUntil, zone)
	for _, inst := range w.group.instances {
		if inst.Zone != zone || !inst.Cut {
			continue
		}
		inst.Cut = false
		if err := w.unsilence(ctx, inst.Node); err != nil {
			return fmt.Errorf("reconnecting node %s: %w", inst.Node, err)
		}
		if err := w.reportPodsReady(ctx, s, inst.Node); err != nil {
			return err
		}
	}
	w.logf(s.At, "FIS %s: %s reconnected", w.shape.Experiment.Template, zone)
	return nil
}

// reportPodsReady is the reconnected kubelet's status sync: its running
// pods pass their probes, which the node lifecycle controller had marked
// not ready while the node was unreachable. kwok's pod Stages only start
// pending pods, so the rehearsal reports these.
func (w *world) reportPodsReady(ctx context.Context, s snapshot, node string) error {
	now := time.Now().UTC().Format(time.RFC3339)
	for i := range s.Pods {
		p := &s.Pods[i]
		if p.Spec.NodeName != node || p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning || podReady(p) {
			continue
		}
		patch := map[string]any{"status": map[string]any{"conditions": []map[string]any{
			{"type": "Ready", "status": "True", "lastTransitionTime": now},
			{"type": "ContainersReady", "status": "True", "lastTransitionTime": now},
		}}}
		if err := w.kube.patch(ctx, podPath(p.Namespace, p.Name)+"/status", strategicPatch, patch); err != nil && !isStatus(err, 404) {
			return fmt.Errorf("reporting pod %s/%s ready: %w", p.Namespace, p.Name, err)
		}
	}
	return nil
}
