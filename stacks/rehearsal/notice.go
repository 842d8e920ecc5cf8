package rehearsal

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// notice puts on the timeline what the real components did that the
// endpoint counts do not explain: the scheduler's preemptions, and
// cluster-autoscaler's own pod coming and going.
func (w *world) notice(ctx context.Context, s snapshot) error {
	if err := w.noticePreemptions(ctx, s); err != nil {
		return err
	}
	if running := w.autoscalerRunning(s); running != w.autoscalerWasRunning {
		w.autoscalerWasRunning = running
		state := "has no serving pod: no scale-up until it is back"
		if running {
			state = "is running"
		}
		w.logf(s.At, "cluster-autoscaler %s", state)
	}
	return nil
}

// noticePreemptions reads the victims' events: kube-scheduler records
// reason Preempted on each pod it evicts for a higher-priority one
// (k8s.io/kubernetes pkg/scheduler/framework/preemption/preemption.go).
func (w *world) noticePreemptions(ctx context.Context, s snapshot) error {
	var events corev1.EventList
	path := "/api/v1/events?fieldSelector=" + url.QueryEscape("reason=Preempted")
	if err := w.kube.get(ctx, path, &events); err != nil {
		return fmt.Errorf("reading preemptions: %w", err)
	}
	for _, e := range events.Items {
		if w.preempted[e.InvolvedObject.UID] {
			continue
		}
		w.preempted[e.InvolvedObject.UID] = true
		by := ""
		if e.Related != nil {
			by = " for " + e.Related.Namespace + "/" + e.Related.Name
		}
		w.logf(s.At, "scheduler preempted %s/%s%s (%s)", e.InvolvedObject.Namespace, e.InvolvedObject.Name, by, strings.TrimSpace(e.Message))
	}
	return nil
}
