package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// The dev stack: Spinnaker on its platform cluster delivers the app, which
// Pulumi gives only its namespace.
func TestDevStack(t *testing.T) {
	w := newWorld(t, "dev", nil)
	w.lifecycle()
}

// A stack without the platform, Pulumi delivering the app: stage 1, then
// the config change to stage 3 (v2 beside v1, traffic split 1:1).
func TestPulumiDeliveryStack(t *testing.T) {
	w := newWorld(t, "dev", map[string]string{
		"workshop:platform": "false",
		"workshop:yelb":     `{"enabled":true,"backend":"lattice","delivery":"pulumi","stage":1,"appServerV2Image":"example.com/yelb-appserver:v2"}`,
	})
	w.lifecycle()
}

// lifecycle is every scenario: preview, up, up again, (a config change),
// destroy.
func (w *world) lifecycle() {
	t := w.t
	plan := w.offlinePlan()
	t.Run("preview agrees with the offline plan", func(t *testing.T) {
		var steps map[string]step
		w.measure("preview", func() { steps, _ = w.preview() })
		report(t, compareWithPlan(steps, plan))
	})
	w.measure("up", func() { w.up() })
	t.Run("every object is in its API server and ready", func(t *testing.T) {
		t.Logf("FIGURE %s objects applied: %d", w.t.Name(), w.requireReady())
		report(t, compareDependencies(w.state(), plan))
	})
	t.Run("a second up changes nothing", func(t *testing.T) {
		var evs []events.EngineEvent
		w.measure("second up", func() { evs = w.up() })
		report(t, changed(evs, nil))
	})
	if w.cfg.Yelb.Delivery == "pulumi" {
		t.Run("stage 1 to 3 previews v2 and the weighted route", w.stageOneToThree)
	}
	objects := w.objects()
	var evs []events.EngineEvent
	w.measure("destroy", func() { evs = w.teardown() })
	t.Run("destroy leaves no object of ours", func(t *testing.T) {
		w.requireGone(objects)
		if left := w.aws.Resources(); len(left) > 0 {
			t.Errorf("the AWS stand-in still holds %v", left)
		}
	})
	t.Run("the app namespace goes before the controllers that clean up after it", func(t *testing.T) {
		report(t, w.teardownOrder(evs))
	})
}

func report(t *testing.T, problems []string) {
	t.Helper()
	for _, p := range problems {
		t.Error(p)
	}
}

// up runs `pulumi up` and returns its events; a failure fails the test
// with the engine's and providers' diagnostics.
func (w *world) up() []events.EngineEvent {
	w.t.Helper()
	rec := record()
	_, err := w.stack.Up(context.Background(), optup.EventStreams(rec.ch))
	evs := rec.wait()
	if err != nil {
		w.t.Fatalf("up: %v\n%s", err, diagnostics(evs))
	}
	return evs
}

func (w *world) destroy(opts ...optdestroy.Option) []events.EngineEvent {
	w.t.Helper()
	rec := record()
	_, err := w.stack.Destroy(context.Background(), append(opts, optdestroy.EventStreams(rec.ch))...)
	evs := rec.wait()
	if err != nil {
		w.t.Fatalf("destroy: %v\n%s", err, diagnostics(evs))
	}
	return evs
}

// change is one step an operation took or would take.
type change struct{ op, typ, name string }

func (c change) String() string { return c.op + " " + c.typ + " " + c.name }

// changed lists the steps of evs other than "same", except those expected;
// and each expected step that did not happen.
func changed(evs []events.EngineEvent, expected []change) []string {
	var out []string
	seen := map[change]bool{}
	for _, e := range evs {
		pre := e.ResourcePreEvent
		if pre == nil || pre.Metadata.Op == apitype.OpSame {
			continue
		}
		urn := pre.Metadata.URN
		c := change{string(pre.Metadata.Op), pre.Metadata.Type, urn[strings.LastIndex(urn, "::")+2:]}
		if slices.Contains(expected, c) {
			seen[c] = true
			continue
		}
		out = append(out, fmt.Sprintf("unexpected step %s (%v)", c, pre.Metadata.Diffs))
	}
	for _, c := range expected {
		if !seen[c] {
			out = append(out, fmt.Sprintf("expected step %s did not happen", c))
		}
	}
	return out
}

// stageOneToThree: the README's walk, stage 2 adds the v2 app server (its
// Deployment, Service and Lattice health check policy) and stage 3 splits
// the app server's route 1:1; nothing else changes.
func (w *world) stageOneToThree(t *testing.T) {
	ns := w.cfg.Prefix
	// yaml/v2 names a config group's objects "<group>:<namespace>/<name>".
	group := w.cfg.Prefix + "-yelb:"
	w.reconfigure(map[string]string{
		"workshop:yelb": `{"enabled":true,"backend":"lattice","delivery":"pulumi","stage":3,"appServerV2Image":"example.com/yelb-appserver:v2"}`,
	})
	var evs []events.EngineEvent
	w.measure("preview stage 3", func() {
		rec := record()
		_, err := w.stack.Preview(context.Background(), optpreview.EventStreams(rec.ch))
		evs = rec.wait()
		if err != nil {
			t.Fatalf("preview: %v\n%s", err, diagnostics(evs))
		}
	})
	report(t, changed(evs, []change{
		{"create", "kubernetes:apps/v1:Deployment", group + ns + "/yelb-appserver-v2"},
		{"create", "kubernetes:core/v1:Service", group + ns + "/yelb-appserver-v2"},
		{"create", "kubernetes:application-networking.k8s.aws/v1alpha1:TargetGroupPolicy", group + ns + "/yelb-appserver-v2"},
		{"update", "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", group + ns + "/appserver"},
	}))
}

// teardownOrder checks the README's teardown claim on the app cluster: the
// app's namespace is deleted (and everything the pipelines put in it)
// while the load balancer controller, the Lattice controller, ExternalDNS,
// the EBS CSI driver and the Lattice association still exist.
func (w *world) teardownOrder(evs []events.EngineEvent) []string {
	app := w.cfg.Prefix + "-app-"
	nsDone := -1
	for i, e := range evs {
		if o := e.ResOutputsEvent; o != nil && o.Metadata.Op == apitype.OpDelete &&
			// yelb's config group names it "<group>:<namespace>".
			o.Metadata.Type == "kubernetes:core/v1:Namespace" && strings.HasSuffix(o.Metadata.URN, ":"+w.cfg.Prefix) {
			nsDone = i
		}
	}
	if nsDone < 0 {
		return []string{"the app namespace " + w.cfg.Prefix + " was not deleted"}
	}
	parents := map[string]string{}
	for _, e := range evs {
		if pre := e.ResourcePreEvent; pre != nil && pre.Metadata.Old != nil {
			parents[pre.Metadata.URN] = pre.Metadata.Old.Parent
		}
	}
	cleaner := func(urn, typ string) bool {
		name := urn[strings.LastIndex(urn, "::")+2:]
		switch {
		case typ == "aws:vpclattice/serviceNetworkVpcAssociation:ServiceNetworkVpcAssociation":
			return true
		case typ == "aws:eks/addon:Addon":
			return name == app+"aws-ebs-csi-driver"
		case typ == "kubernetes:helm.sh/v4:Chart":
			return slices.Contains([]string{app + "aws-load-balancer-controller", app + "aws-gateway-controller-chart", app + "external-dns"}, name)
		}
		return false
	}
	var out []string
	checked := 0
	for i, e := range evs {
		pre := e.ResourcePreEvent
		if pre == nil || pre.Metadata.Op != apitype.OpDelete {
			continue
		}
		for urn, typ := pre.Metadata.URN, pre.Metadata.Type; urn != ""; urn = parents[urn] {
			if cleaner(urn, typeOf(urn, typ)) {
				checked++
				if i < nsDone {
					out = append(out, fmt.Sprintf("%s was deleted before the app namespace", pre.Metadata.URN))
				}
				break
			}
			typ = ""
		}
	}
	if checked == 0 {
		out = append(out, "none of the controllers was deleted")
	}
	return out
}

// typeOf is the type in a URN, or typ when given.
func typeOf(urn, typ string) string {
	if typ != "" {
		return typ
	}
	parts := strings.Split(urn, "::")
	if len(parts) < 4 {
		return ""
	}
	chain := parts[2]
	return chain[strings.LastIndex(chain, "$")+1:]
}
