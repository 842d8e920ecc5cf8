package rehearsal

import (
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

type stageDoc struct {
	Metadata struct{ Name string }
	Spec     struct {
		Delay *struct {
			DurationMilliseconds int64 `json:"durationMilliseconds"`
		}
		Selector struct {
			MatchExpressions []map[string]any `json:"matchExpressions"`
		}
	}
}

func parseStages(t *testing.T, all string) map[string]stageDoc {
	t.Helper()
	out := map[string]stageDoc{}
	for _, doc := range strings.Split(all, "\n---\n") {
		var s stageDoc
		if err := yaml.Unmarshal([]byte(doc), &s); err != nil {
			t.Fatalf("%v in\n%s", err, doc)
		}
		out[s.Metadata.Name] = s
	}
	return out
}

// kwok gets upstream's node Stages and two delayed pod-ready Stages that
// split the pods by whether they mount a claim, so no pod matches both.
func TestKwokStagesDelayPodsByVolume(t *testing.T) {
	all, err := kwokStages(4*time.Second, 2*time.Second, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	stages := parseStages(t, all)
	for _, name := range []string{"node-initialize", "node-heartbeat-with-lease", "pod-delete", "pod-ready", "pod-ready-with-volume"} {
		if _, ok := stages[name]; !ok {
			t.Errorf("no Stage %s among %v", name, stages)
		}
	}
	cases := []struct {
		name     string
		delayMs  int64
		operator string
	}{{"pod-ready", 2000, "DoesNotExist"}, {"pod-ready-with-volume", 5000, "Exists"}}
	if d := stages["node-initialize"].Spec.Delay; d == nil || d.DurationMilliseconds != 4000 {
		t.Errorf("node-initialize delay %+v, want 4000 ms: a new node must stay not ready while the daemonsets bind", d)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := stages[c.name]
			if s.Spec.Delay == nil || s.Spec.Delay.DurationMilliseconds != c.delayMs {
				t.Errorf("delay %+v, want %d ms", s.Spec.Delay, c.delayMs)
			}
			exprs := s.Spec.Selector.MatchExpressions
			// Upstream's three conditions (not deleted, Pending, not
			// Ready) plus ours.
			if len(exprs) != 4 {
				t.Fatalf("%d match expressions, want upstream's 3 and the volume split", len(exprs))
			}
			if exprs[3]["key"] != claimKey || exprs[3]["operator"] != c.operator {
				t.Errorf("last expression %v, want %s %s", exprs[3], claimKey, c.operator)
			}
		})
	}
}
