package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// protectedClosure is what `pulumi destroy --exclude-protected` keeps:
// every protected resource and all it depends on (its dependencies, parent
// and provider), as getProtectedExcludes in pulumi/pulumi
// pkg/cmd/pulumi/operations/destroy.go computes it.
func protectedClosure(state []apitype.ResourceV3) []string {
	byURN := map[string]apitype.ResourceV3{}
	for _, r := range state {
		byURN[string(r.URN)] = r
	}
	keep := map[string]bool{}
	var visit func(urn string)
	visit = func(urn string) {
		r, ok := byURN[urn]
		if !ok || keep[urn] {
			return
		}
		keep[urn] = true
		for _, d := range r.Dependencies {
			visit(string(d))
		}
		visit(string(r.Parent))
		visit(providerURN(r.Provider))
	}
	for _, r := range state {
		if r.Protect {
			visit(string(r.URN))
		}
	}
	return slices.Sorted(maps.Keys(keep))
}

// teardown is the README's: destroy everything but the protected state
// backend, then retire the backend (unprotect every resource, destroy).
// It returns the first destroy's events.
func (w *world) teardown() []events.EngineEvent {
	w.t.Helper()
	kept := protectedClosure(w.state())
	evs := w.destroy(optdestroy.Exclude(kept))
	var left []string
	for _, r := range w.state() {
		left = append(left, string(r.URN))
	}
	sort.Strings(left)
	if strings.Join(left, "\n") != strings.Join(kept, "\n") {
		w.t.Errorf("destroy without the protected resources left %v, want %v", left, kept)
	}
	w.unprotectAll()
	w.destroy()
	return evs
}

// unprotectAll is `pulumi state unprotect --all`.
func (w *world) unprotectAll() {
	w.t.Helper()
	ctx := context.Background()
	exported, err := w.stack.Export(ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(exported.Deployment, &d); err != nil {
		w.t.Fatal(err)
	}
	resources, _ := d["resources"].([]any)
	for _, r := range resources {
		if m, ok := r.(map[string]any); ok {
			delete(m, "protect")
		}
	}
	if exported.Deployment, err = json.Marshal(d); err != nil {
		w.t.Fatal(err)
	}
	if err := w.stack.Import(ctx, exported); err != nil {
		w.t.Fatal(fmt.Errorf("unprotecting: %w", err))
	}
}
