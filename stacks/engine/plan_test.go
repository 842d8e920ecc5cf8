package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/sig"

	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
	"github.com/workshop/spinnaker-modernization/stacks/plan"
)

// step is one resource step of a real preview: what `pulumi preview
// --json` prints for it.
type step = apitype.StepEventMetadata

// preview runs the engine's preview and returns its resource steps by URN.
func (w *world) preview(opts ...optpreview.Option) (map[string]step, auto.PreviewResult) {
	w.t.Helper()
	rec := record()
	res, err := w.stack.Preview(context.Background(), append(opts, optpreview.EventStreams(rec.ch))...)
	evs := rec.wait()
	if err != nil {
		w.t.Fatalf("preview: %v\n%s", err, diagnostics(evs))
	}
	steps := map[string]step{}
	for _, e := range evs {
		if e.ResourcePreEvent != nil {
			steps[e.ResourcePreEvent.Metadata.URN] = e.ResourcePreEvent.Metadata
		}
	}
	return steps, res
}

// diagnostics are the error and warning messages of an operation.
func diagnostics(evs []events.EngineEvent) string {
	var out []string
	for _, e := range evs {
		if d := e.DiagnosticEvent; d != nil && (d.Severity == "error" || d.Severity == "warning") {
			out = append(out, fmt.Sprintf("%s %s: %s", d.Severity, d.URN, strings.TrimSpace(d.Message)))
		}
	}
	return strings.Join(out, "\n")
}

// offlinePlan is `go run . plan` for the world's config.
func (w *world) offlinePlan() map[string]plan.Step {
	w.t.Helper()
	offline, _, _, err := plan.Build(repo, w.cfg.Stack, w.raw)
	if err != nil {
		w.t.Fatal(err)
	}
	steps := map[string]plan.Step{}
	for _, s := range offline.Steps {
		steps[s.URN] = s
	}
	return steps
}

// remoteComponents create their children in a provider: the offline plan
// shows them as one step each, the engine's preview with their children.
var remoteComponents = []string{"eks:index:Cluster", "kubernetes:helm.sh/v4:Chart", "kubernetes:yaml/v2:ConfigGroup", "kubernetes:yaml/v2:ConfigFile"}

// addedByCheck are inputs a provider's Check fills in that the program
// does not send: pulumi-aws's auto-names.
var addedByCheck = map[string]bool{"name": true, "bucket": true}

// compareWithPlan lists where the engine's preview and the offline plan
// disagree about a resource both show: its type, parent, provider,
// protection, or an input the engine knows.
func compareWithPlan(real map[string]step, plan map[string]plan.Step) []string {
	var out []string
	for _, urn := range slices.Sorted(maps.Keys(plan)) {
		p := plan[urn]
		r, ok := real[urn]
		if !ok {
			out = append(out, urn+": in the offline plan, not in the engine's preview")
			continue
		}
		n := r.New
		if n == nil {
			out = append(out, urn+": no new state in the engine's preview")
			continue
		}
		for _, d := range []struct {
			what      string
			eng, mock any
		}{
			{"type", n.Type, p.NewState.Type},
			{"custom", n.Custom, p.NewState.Custom},
			{"parent", n.Parent, p.NewState.Parent},
			{"protect", n.Protect, p.NewState.Protect},
			{"provider", providerURN(n.Provider), providerURN(p.NewState.Provider)},
		} {
			if !reflect.DeepEqual(d.eng, d.mock) {
				out = append(out, fmt.Sprintf("%s: %s is %v in the engine's preview, %v in the offline plan", urn, d.what, d.eng, d.mock))
			}
		}
		if n.Custom {
			out = append(out, compareInputs(urn, n.Type, n.Inputs, p.NewState.Inputs)...)
		}
	}
	for _, urn := range slices.Sorted(maps.Keys(real)) {
		if _, ok := plan[urn]; !ok && !underRemoteComponent(urn, real) && !defaultProvider(urn) {
			out = append(out, urn+": in the engine's preview, not in the offline plan")
		}
	}
	return out
}

func compareInputs(urn, typ string, eng, mock map[string]any) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(eng)) {
		if strings.HasPrefix(k, "__") {
			continue
		}
		m, ok := mock[k]
		if !ok {
			if !(strings.HasPrefix(typ, "aws:") && addedByCheck[k]) && !(k == "version" && strings.HasPrefix(typ, "pulumi:providers:")) {
				out = append(out, fmt.Sprintf("%s: input %s only in the engine's preview", urn, k))
			}
			continue
		}
		out = append(out, agree(urn+": input "+k, eng[k], m)...)
	}
	for _, k := range slices.Sorted(maps.Keys(mock)) {
		if _, ok := eng[k]; !ok && mock[k] != nil {
			out = append(out, fmt.Sprintf("%s: input %s only in the offline plan", urn, k))
		}
	}
	return out
}

// agree compares what the engine knows of a value with the plan's.
func agree(path string, eng, mock any) []string {
	if eng == mockcloud.UnknownMarker {
		return nil
	}
	switch e := eng.(type) {
	case map[string]any:
		if secret(e) {
			break
		}
		m, ok := mock.(map[string]any)
		if !ok {
			break
		}
		var out []string
		for _, k := range slices.Sorted(maps.Keys(e)) {
			out = append(out, agree(path+"."+k, e[k], m[k])...)
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if _, ok := e[k]; !ok {
				out = append(out, path+"."+k+": only in the offline plan")
			}
		}
		return out
	case []any:
		m, ok := mock.([]any)
		if !ok || len(m) != len(e) {
			break
		}
		var out []string
		for i := range e {
			out = append(out, agree(fmt.Sprintf("%s[%d]", path, i), e[i], m[i])...)
		}
		return out
	}
	if reflect.DeepEqual(eng, mock) || secret(eng) && mock == "[secret]" || sameAutoName(eng, mock) ||
		sameContentHashName(path, eng, mock) {
		return nil
	}
	return []string{fmt.Sprintf("%s: %s in the engine's preview, %s in the offline plan", path, brief(eng), brief(mock))}
}

// secret is the engine's JSON form of a secret value (the SDK's secret
// signature key); the plan prints "[secret]".
func secret(v any) bool {
	m, ok := v.(map[string]any)
	return ok && m[sig.Key] == sig.Secret
}

// autoNameSuffix is a pulumi-aws auto-name's suffix: "-" and 7 hex digits,
// random in the engine, a hash of the URN in the mocks; also inside a
// longer text: the pipelines' JSON names the artifact bucket and the
// CodeBuild project.
var autoNameSuffix = regexp.MustCompile(`-[0-9a-f]{7}\b`)

func sameAutoName(eng, mock any) bool {
	e, ok := eng.(string)
	m, ok2 := mock.(string)
	if !ok || !ok2 {
		return false
	}
	const blank = "-#######"
	return autoNameSuffix.ReplaceAllString(e, blank) == autoNameSuffix.ReplaceAllString(m, blank)
}

// contentHashName is an object named after a hash of its content (the
// pipelines ConfigMap and the seed Job, so a change runs the seeder again);
// content that holds auto-names hashes differently in the engine and the
// mocks, and sameAutoName has compared that content already.
var contentHashName = regexp.MustCompile(`^(.+)-[0-9a-f]{10}$`)

func sameContentHashName(path string, eng, mock any) bool {
	if !strings.HasSuffix(path, ": input metadata.name") {
		return false
	}
	e, _ := eng.(string)
	m, _ := mock.(string)
	em, mm := contentHashName.FindStringSubmatch(e), contentHashName.FindStringSubmatch(m)
	return em != nil && mm != nil && em[1] == mm[1]
}

// defaultProvider: the engine makes default providers for resources the
// program gives none; the mocks never see them.
func defaultProvider(urn string) bool {
	name := urn[strings.LastIndex(urn, "::")+2:]
	return strings.Contains(urn, "::pulumi:providers:") && (name == "default" || strings.HasPrefix(name, "default_"))
}

func brief(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 120 {
		return string(b[:120]) + "..."
	}
	return string(b)
}

// providerURN drops the id from a provider reference "<urn>::<id>".
func providerURN(ref string) string {
	if i := strings.LastIndex(ref, "::"); i >= 0 {
		return ref[:i]
	}
	return ref
}

// underRemoteComponent: urn's parent chain reaches a remote component, or
// it is a default provider the engine made for one.
func underRemoteComponent(urn string, steps map[string]step) bool {
	for seen := 0; seen < 64; seen++ {
		s, ok := steps[urn]
		if !ok || s.New == nil {
			return false
		}
		if seen > 0 && slices.Contains(remoteComponents, s.Type) {
			return true
		}
		urn = s.New.Parent
	}
	return false
}

// compareDependencies lists resources whose dependencies in the stack's
// state differ from the offline plan's. A dependency on a remote
// component's child (eks:index:Cluster's aws:eks Cluster, which the program
// reads as eksCluster) is, in the mocks, one on the component: they create
// no children.
func compareDependencies(state []apitype.ResourceV3, plan map[string]plan.Step) []string {
	parents := map[string]string{}
	for _, r := range state {
		parents[string(r.URN)] = string(r.Parent)
	}
	var out []string
	for _, r := range state {
		p, ok := plan[string(r.URN)]
		if !ok {
			continue
		}
		got := make([]string, 0, len(r.Dependencies))
		for _, d := range r.Dependencies {
			parent := parents[string(d)]
			if slices.Contains(p.NewState.Dependencies, parent) && slices.Contains(remoteComponents, typeOf(parent, "")) {
				continue
			}
			got = append(got, string(d))
		}
		sort.Strings(got)
		want := append([]string{}, p.NewState.Dependencies...)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			out = append(out, fmt.Sprintf("%s: dependencies %v in state, %v in the offline plan", r.URN, got, want))
		}
	}
	return out
}
