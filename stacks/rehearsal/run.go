// Package rehearsal rehearses a stack's chaos experiment offline: it builds
// the app cluster's shape from the stack config, runs it on upstream's
// kube-apiserver, kube-scheduler and kube-controller-manager with kwok's
// fake nodes, performs the experiment the way FIS does, plays the AWS side
// (the node group, cluster-autoscaler, the EBS driver, the cloud
// controller) in simulated time, and judges the hypothesis from what the
// endpoints say every simulated second.
package rehearsal

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/workshop/spinnaker-modernization/components/yelb"
	"github.com/workshop/spinnaker-modernization/internal/harness"
)

// Result is everything one rehearsal observed.
type Result struct {
	Shape   Shape
	Options Options
	Tiers   []Tier
	Samples []Sample
	Events  []Event
	Fault   Fault
	// Steady is false when the cluster never settled before the fault;
	// Waiting then says what it waited for.
	Steady  bool
	Waiting string
	// Wall times of the phases.
	StartWall, SettleWall, ExperimentWall time.Duration
	// Nodes is how many nodes the steady state had.
	Nodes int
}

// Rehearse runs one rehearsal of shape with the given binaries; dir holds
// the control plane's files.
func Rehearse(ctx context.Context, shape Shape, o Options, bins harness.Bins, dir string, log io.Writer) (Result, error) {
	r := Result{Shape: shape, Options: o, Tiers: shape.Tiers()}
	t := timing{speed: o.Speed}
	began := time.Now()
	cp, err := startControlPlane(ctx, t, o, bins, dir, log)
	if err != nil {
		return r, err
	}
	defer cp.Stop()
	r.StartWall = time.Since(began)

	w := newWorld(shape, o, cp, t)
	began = time.Now()
	if err := w.bringUpNodes(ctx); err != nil {
		return r, err
	}
	if err := w.install(ctx); err != nil {
		return r, err
	}
	steady, err := w.settle(ctx)
	r.SettleWall = time.Since(began)
	if err != nil {
		return r, err
	}
	r.Steady, r.Nodes, r.Waiting = steady.ok, steady.nodes, steady.waiting
	if r.Steady {
		began = time.Now()
		err = w.experiment(ctx)
		r.ExperimentWall = time.Since(began)
	}
	r.Samples, r.Events = w.samples, w.events
	if w.fault != nil {
		r.Fault = *w.fault
	}
	return r, err
}

func startControlPlane(ctx context.Context, t timing, o Options, bins harness.Bins, dir string, log io.Writer) (*harness.ControlPlane, error) {
	stages, err := kwokStages(t.scaled(o.NodeReady), t.scaled(o.PodStart), t.scaled(o.VolumeAttach))
	if err != nil {
		return nil, err
	}
	schedulerConfig := filepath.Join(dir, "scheduler.yaml")
	if err := os.WriteFile(schedulerConfig, []byte(t.schedulerConfig(filepath.Join(dir, "kubeconfig"))), 0o600); err != nil {
		return nil, err
	}
	cp, err := harness.StartControlPlane(ctx, dir, bins, harness.Options{
		Controllers: true, Scheduler: true, KwokStages: stages,
		ExtraControllerFlags: t.controllerFlags(),
		ExtraAPIServerFlags:  t.apiServerFlags(),
		ExtraSchedulerFlags:  []string{"--config=" + schedulerConfig},
		ExtraKwokFlags:       t.kwokFlags(),
		Log:                  log,
	})
	if err != nil {
		return nil, fmt.Errorf("starting the control plane: %w", err)
	}
	return cp, nil
}

func newWorld(shape Shape, o Options, cp *harness.ControlPlane, t timing) *world {
	k := newKube(cp)
	return &world{
		shape: shape, opts: o, tiers: shape.Tiers(),
		kube: k, clock: newClock(o.Speed), timing: t,
		group:     newNodeGroup(shape),
		preempted: map[types.UID]bool{},
		volumes:   &ebsVolumes{kube: k, classes: ebsClasses(shape.Yelb), zones: map[string]string{}},
	}
}

func ebsClasses(objs []yelb.Object) map[string]bool {
	classes := map[string]bool{}
	for _, o := range objs {
		if o.Kind() == "StorageClass" && o["provisioner"] == ebsDriver {
			classes[o.Name()] = true
		}
	}
	return classes
}

// bringUpNodes runs the node group until its nodes are Ready: the stack
// creates the node group before the add-ons and the app (components/addons
// makes everything with pods depend on it), so the daemonsets
// find the nodes there and nothing races them for the pod slots.
func (w *world) bringUpNodes(ctx context.Context) error {
	deadline := time.Now().Add(w.opts.SettleTimeout)
	for time.Now().Before(deadline) {
		s, err := w.tick(ctx)
		if err != nil {
			return err
		}
		ready := 0
		for i := range s.Nodes {
			if nodeReady(&s.Nodes[i]) {
				ready++
			}
		}
		if w.group.upcoming() == 0 && ready == len(w.group.live()) {
			return nil
		}
		if err := w.sleepTick(ctx); err != nil {
			return err
		}
	}
	return fmt.Errorf("the node group's %d nodes were not Ready within --settle-timeout %s", len(w.group.live()), w.opts.SettleTimeout)
}

// install creates the add-ons and the app, as the stack would.
func (w *world) install(ctx context.Context) error {
	for _, obj := range addOnObjects(w.shape.Workloads) {
		if err := w.kube.create(ctx, obj); err != nil {
			return fmt.Errorf("installing the add-ons: %w", err)
		}
	}
	apply, _ := yelbObjects(w.shape.Yelb)
	for _, o := range apply {
		if err := w.kube.create(ctx, map[string]any(o)); err != nil {
			return fmt.Errorf("installing yelb %s %s: %w", o.Kind(), o.Name(), err)
		}
	}
	return nil
}

// steadiness is how the cluster looked when it settled, or why it did not.
type steadiness struct {
	ok      bool
	nodes   int
	waiting string
}

// settle runs the cluster until every workload is available, nothing is
// pending and the node group is complete, for settleFor in a row. Nodes
// join at once here: the steady state is the cluster as cluster-autoscaler
// left it, however long that took.
func (w *world) settle(ctx context.Context) (steadiness, error) {
	const settleFor = 5 * time.Second
	deadline := time.Now().Add(w.opts.SettleTimeout)
	var since time.Duration = -1
	waiting := ""
	for time.Now().Before(deadline) {
		s, err := w.tick(ctx)
		if err != nil {
			return steadiness{}, err
		}
		if waiting, err = w.unavailable(ctx, s); err != nil {
			return steadiness{}, err
		}
		switch {
		case waiting != "":
			since = -1
		case since < 0:
			since = s.At
		case s.At-since >= settleFor:
			return steadiness{ok: true, nodes: len(s.Nodes)}, nil
		}
		if err := w.sleepTick(ctx); err != nil {
			return steadiness{}, err
		}
	}
	return steadiness{waiting: waiting}, nil
}

// unavailable says what the cluster still waits for ("" when nothing).
func (w *world) unavailable(ctx context.Context, s snapshot) (string, error) {
	if n := w.group.upcoming(); n > 0 {
		return fmt.Sprintf("%d instances launching", n), nil
	}
	var pending []string
	for i := range s.Pods {
		if s.Pods[i].Spec.NodeName == "" {
			pending = append(pending, s.Pods[i].Namespace+"/"+s.Pods[i].Name)
		}
	}
	if len(pending) > 0 {
		return fmt.Sprintf("pods no node took: %s", strings.Join(pending, ", ")), nil
	}
	var deps appsv1.DeploymentList
	var sets appsv1.StatefulSetList
	var daemons appsv1.DaemonSetList
	for path, into := range map[string]any{"/apis/apps/v1/deployments": &deps, "/apis/apps/v1/statefulsets": &sets, "/apis/apps/v1/daemonsets": &daemons} {
		if err := w.kube.get(ctx, path, into); err != nil {
			return "", err
		}
	}
	var short []string
	for _, d := range deps.Items {
		if d.Spec.Replicas == nil || d.Status.AvailableReplicas != *d.Spec.Replicas {
			short = append(short, fmt.Sprintf("deployment %s/%s %d of %d available", d.Namespace, d.Name, d.Status.AvailableReplicas, ptrOr(d.Spec.Replicas)))
		}
	}
	for _, st := range sets.Items {
		if st.Spec.Replicas == nil || st.Status.ReadyReplicas != *st.Spec.Replicas {
			short = append(short, fmt.Sprintf("statefulset %s/%s %d of %d ready", st.Namespace, st.Name, st.Status.ReadyReplicas, ptrOr(st.Spec.Replicas)))
		}
	}
	for _, d := range daemons.Items {
		if d.Status.DesiredNumberScheduled != int32(len(s.Nodes)) || d.Status.NumberReady != d.Status.DesiredNumberScheduled {
			short = append(short, fmt.Sprintf("daemonset %s/%s %d of %d nodes ready", d.Namespace, d.Name, d.Status.NumberReady, len(s.Nodes)))
		}
	}
	if len(deps.Items)+len(sets.Items)+len(daemons.Items) == 0 {
		short = append(short, "no workloads yet")
	}
	return strings.Join(short, "; "), nil
}

func ptrOr(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

// experiment samples the steady state, injects the fault and samples every
// simulated second until the observation window closes.
func (w *world) experiment(ctx context.Context) error {
	w.group.LaunchDelay = w.opts.NodeDelay
	// What cluster-autoscaler did while the cluster settled is not part
	// of the experiment.
	w.events = nil
	start := w.clock.sim()
	w.injectedAt = start + w.opts.Before
	injected := false
	for {
		s, err := w.tick(ctx)
		if err != nil {
			return err
		}
		if !injected && s.At >= w.injectedAt {
			if err := w.inject(ctx, s); err != nil {
				return err
			}
			injected = true
		}
		w.samples = append(w.samples, w.sample(s))
		if s.At >= w.injectedAt+w.opts.Observe {
			return nil
		}
		if err := w.sleepTick(ctx); err != nil {
			return err
		}
	}
}

// sleepTick waits for the next whole simulated second.
func (w *world) sleepTick(ctx context.Context) error {
	now := w.clock.sim()
	next := now.Truncate(time.Second) + time.Second
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(w.clock.wall(next - now)):
		return nil
	}
}
