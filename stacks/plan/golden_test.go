package plan

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/dev.plan.json from the program")

const goldenPlan = "testdata/dev.plan.json"

// refreshCommand rewrites the golden plan.
const refreshCommand = "go test ./stacks/plan -run TestGoldenDevPlan -update"

// The dev stack's plan is committed, so every change to the graph shows in
// the pull request's file diff; a stale copy fails here.
func TestGoldenDevPlan(t *testing.T) {
	got := devPlanJSON(t)
	if *update {
		if err := os.WriteFile(goldenPlan, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenPlan)
	if err != nil {
		t.Fatalf("%v\nCreate it with: %s", err, refreshCommand)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: the dev stack's graph changed.\nRefresh it and commit the result:\n\n    %s\n\n%s",
			goldenPlan, refreshCommand, firstDifference(want, got))
	}
}

func firstDifference(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := range min(len(w), len(g)) {
		if w[i] != g[i] {
			return fmt.Sprintf("first difference, line %d:\n- %s\n+ %s", i+1, w[i], g[i])
		}
	}
	return fmt.Sprintf("the files differ in length: %d lines committed, %d now", len(w), len(g))
}
