package rehearsal

import (
	"bytes"
	"context"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/workshop/spinnaker-modernization/components/chaos"
	"github.com/workshop/spinnaker-modernization/internal/harness"
	"github.com/workshop/spinnaker-modernization/stacks/experiment"
)

// testBinaries are the control plane's binaries from the tools cache; -short
// skips the rehearsals when they are not built.
func testBinaries(t *testing.T) harness.Bins {
	short := testing.Short()
	return harness.Bins{
		Etcd:              harness.Binary(t, short, "etcd"),
		APIServer:         harness.Binary(t, short, "kube-apiserver"),
		ControllerManager: harness.Binary(t, short, "kube-controller-manager"),
		Scheduler:         harness.Binary(t, short, "kube-scheduler"),
		Kwok:              harness.Binary(t, short, "kwok"),
	}
}

// testOptions shorten the window to what the outcomes need: the stop
// condition needs two one-minute datapoints, the replacements two minutes.
func testOptions() Options {
	o := DefaultOptions()
	o.Stack, o.Cwd = "dev", "../.."
	o.Before, o.Observe = 10*time.Second, 4*time.Minute
	return o
}

func rehearse(t *testing.T, stage int) (Result, experiment.Verdict) {
	t.Helper()
	o := testOptions()
	o.Stage = stage
	shape, err := LoadShape(o)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	var logw io.Writer = &log
	if os.Getenv("WORKSHOP_HARNESS_LOG") != "" {
		logw = os.Stderr
	}
	r, err := Rehearse(context.Background(), shape, o, testBinaries(t), t.TempDir(), logw)
	if err != nil {
		t.Fatalf("%v\n%s", err, tail(log.String(), 4000))
	}
	v := Judge(r)
	var out bytes.Buffer
	Print(&out, r, v, r.StartWall+r.SettleWall+r.ExperimentWall)
	t.Logf("\n%s", out.String())
	if !r.Steady {
		t.Fatalf("the cluster did not settle\n%s", tail(log.String(), 4000))
	}
	return r, v
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// The workshop's two runs of TerminateEKSNodes on the dev stack: stage 1
// (two replicas of each tier wherever the scheduler put them) breaks the
// app, as the original's first run did. Whether the yelb-ui stop condition
// also fires depends on whether a ui pod finds a free slot on the surviving
// nodes; when one does, the app server or the database is still down,
// unseen by the alarm ("metrics healthy but app failing"). Stage 4 (six
// replicas, one per node) keeps yelb-ui serving every second.
func TestTerminateEKSNodesBreaksStage1AndStage4Holds(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: two rehearsals take minutes")
	}
	t.Run("stage 1 breaks", func(t *testing.T) {
		_, v := rehearse(t, 1)
		if v.Pass || v.ProbeFailures == 0 {
			t.Errorf("want a failed verdict with failed probes, got pass %t, %d failed probes, anomalies %v", v.Pass, v.ProbeFailures, v.Anomalies)
		}
		if !slices.Contains(v.Anomalies, experiment.AnomalyStopCondition) && !slices.Contains(v.Anomalies, experiment.AnomalyMetricsGap) {
			t.Errorf("want the stop condition or the metrics gap among the anomalies, got %v", v.Anomalies)
		}
	})
	t.Run("stage 4 holds", func(t *testing.T) {
		r, v := rehearse(t, 4)
		if slices.Contains(v.Anomalies, experiment.AnomalyStopCondition) {
			t.Errorf("the yelb-ui stop condition fired: %v", v.AlarmsInAlarm)
		}
		if out := outages(r.Tiers, window(timeline(r.Samples)))[0]; out.Seconds != 0 {
			t.Errorf("yelb-ui had no serving pod for %d s (t=%d..%d)", out.Seconds, out.First, out.Last)
		}
		if r.Shape.Experiment.Template != chaos.TerminateEKSNodes || len(r.Fault.Targets) < 2 {
			t.Errorf("fault %+v: want TerminateEKSNodes on several nodes", r.Fault)
		}
	})
}
