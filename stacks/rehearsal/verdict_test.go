package rehearsal

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/workshop/spinnaker-modernization/components/chaos"
	"github.com/workshop/spinnaker-modernization/stacks/experiment"
)

var testTiers = []Tier{
	{Name: "yelb-ui", OnProbePath: true},
	{Name: "yelb-appserver", OnProbePath: true},
	{Name: "yelb-db", OnProbePath: true},
	{Name: "redis-server"},
}

// run builds a timeline from t=-10 to t=599 in which each tier named in
// down has no serving (and no ready) pod over [from, to).
func run(down map[string][2]int) []Sample {
	var out []Sample
	for sec := -10; sec < 600; sec++ {
		s := Sample{At: time.Duration(sec) * time.Second, Ready: []int{2, 2, 1, 1}, Serving: []int{2, 2, 1, 1}, NodesReady: 3}
		for i, tier := range testTiers {
			if span, ok := down[tier.Name]; ok && sec >= span[0] && sec < span[1] {
				s.Ready[i], s.Serving[i] = 0, 0
			}
		}
		out = append(out, s)
	}
	return out
}

func result(samples []Sample) Result {
	ui, _ := chaos.SteadyStateAlarms("p", "c", "n")
	return Result{
		Shape:   Shape{Stack: "dev", Experiment: Experiment{Template: chaos.TerminateEKSNodes}, UIAlarm: ui},
		Options: Options{Observe: 10 * time.Minute, MinAvailability: 0.95},
		Tiers:   testTiers, Samples: samples, Steady: true,
		Fault: Fault{Summary: "terminated 2 of 3 nodes (40%)"},
	}
}

// The stop condition is the stack's yelb-ui alarm (components/chaos
// alarms.go: one datapoint a minute, 2 of 3 breaching): it fires after the
// second breaching minute, and a shorter outage that only one collection
// sees does not raise it, which is the workshop's monitoring gap.
func TestUIAlarmNeedsTwoBreachingDatapoints(t *testing.T) {
	ui, _ := chaos.SteadyStateAlarms("p", "c", "n")
	cases := []struct {
		name string
		down [2]int
		want int
	}{
		{"down from the fault for 200 s", [2]int{0, 200}, 120},
		{"down 50 s over one collection", [2]int{30, 80}, -1},
		{"down 70 s over two collections", [2]int{55, 125}, 180},
		{"never down", [2]int{0, 0}, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := window(timeline(run(map[string][2]int{"yelb-ui": c.down})))
			if got := alarmFiresAt(testTiers, w, ui.Period, ui.EvaluationPeriods, ui.DatapointsToAlarm); got != c.want {
				t.Errorf("fires at %d, want %d", got, c.want)
			}
		})
	}
}

func TestJudgeLikeTheLiveCommand(t *testing.T) {
	cases := []struct {
		name      string
		down      map[string][2]int
		pass      bool
		anomalies []string
	}{
		{"the ui goes: stop condition", map[string][2]int{"yelb-ui": {5, 250}}, false, []string{experiment.AnomalyStopCondition}},
		{"the database goes for 60 s: metrics gap", map[string][2]int{"yelb-db": {5, 65}}, false, []string{experiment.AnomalyMetricsGap}},
		{"redis goes for 60 s: not on the probe path", map[string][2]int{"redis-server": {5, 65}}, true, nil},
		{"the app server goes for 20 s: within 95%", map[string][2]int{"yelb-appserver": {5, 25}}, true, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := Judge(result(run(c.down)))
			if v.Pass != c.pass || !slices.Equal(v.Anomalies, c.anomalies) {
				t.Errorf("pass %t anomalies %v (%v), want pass %t anomalies %v", v.Pass, v.Anomalies, v.Reasons, c.pass, c.anomalies)
			}
			if v.Probes != 600 {
				t.Errorf("%d probes, want the 600 seconds of the window", v.Probes)
			}
		})
	}
}

// A lagging tick leaves seconds without a sample; each such second holds
// the last sample taken.
func TestTimelineFillsSkippedSeconds(t *testing.T) {
	samples := []Sample{
		{At: 0, Serving: []int{1}},
		{At: 2200 * time.Millisecond, Serving: []int{0}},
		{At: 4 * time.Second, Serving: []int{3}},
	}
	tl := timeline(samples)
	var got []int
	for _, s := range tl {
		got = append(got, s.Serving[0])
	}
	if want := []int{1, 1, 0, 0, 3}; !slices.Equal(got, want) {
		t.Fatalf("serving by second %v, want %v", got, want)
	}
}

func TestOutagesPerTier(t *testing.T) {
	w := window(timeline(run(map[string][2]int{"yelb-db": {12, 47}})))
	got := outages(testTiers, w)
	if got[2] != (Outage{Tier: "yelb-db", Seconds: 35, First: 12, Last: 46}) || got[0].Seconds != 0 {
		t.Fatalf("outages %+v", got)
	}
}

func TestPrintAndChart(t *testing.T) {
	r := result(run(map[string][2]int{"yelb-ui": {5, 250}}))
	r.Events = []Event{{At: 3 * time.Second, Text: "node default-a-1 joined"}}
	var out bytes.Buffer
	Print(&out, r, Judge(r), time.Minute)
	for _, want := range []string{"VERDICT: FAIL", "yelb-ui          245 s (t=5..249)", "node default-a-1 joined", "Wall time: 1m0s"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	path := filepath.Join(t.TempDir(), "chart.png")
	if err := WriteChart(path, r); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width < 500 || cfg.Height < 500 {
		t.Fatalf("chart is not a readable PNG of a useful size: %+v, %v", cfg, err)
	}
}
