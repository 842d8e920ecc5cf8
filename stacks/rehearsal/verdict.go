package rehearsal

import (
	"fmt"
	"strings"
	"time"

	"github.com/workshop/spinnaker-modernization/stacks/experiment"
)

// timeline is the samples as one value per simulated second from the first
// sample on, each second holding the latest sample taken by then.
func timeline(samples []Sample) []Sample {
	if len(samples) == 0 {
		return nil
	}
	first, last := seconds(samples[0].At), seconds(samples[len(samples)-1].At)
	out := make([]Sample, 0, last-first+1)
	j := 0
	for sec := first; sec <= last; sec++ {
		for j+1 < len(samples) && seconds(samples[j+1].At) <= sec {
			j++
		}
		s := samples[j]
		s.At = time.Duration(sec) * time.Second
		out = append(out, s)
	}
	return out
}

// window is the timeline from the fault on.
func window(tl []Sample) []Sample {
	for i, s := range tl {
		if s.At >= 0 {
			return tl[i:]
		}
	}
	return nil
}

// Outage is how long one tier had no serving pod after the fault.
type Outage struct {
	Tier    string
	Seconds int
	// First and Last are the first and last second without a serving pod.
	First, Last int
}

func outages(tiers []Tier, w []Sample) []Outage {
	out := make([]Outage, len(tiers))
	for i, t := range tiers {
		out[i] = Outage{Tier: t.Name, First: -1, Last: -1}
		for _, s := range w {
			if s.Serving[i] == 0 {
				sec := seconds(s.At)
				out[i].Seconds++
				if out[i].First < 0 {
					out[i].First = sec
				}
				out[i].Last = sec
			}
		}
	}
	return out
}

// appAnswers says whether the live command's probe (ui -> app server ->
// database) would succeed in that second.
func appAnswers(tiers []Tier, s Sample) bool {
	for i, t := range tiers {
		if t.OnProbePath && s.Serving[i] == 0 {
			return false
		}
	}
	return true
}

// alarmFiresAt evaluates the yelb-ui stop condition on the timeline: one
// datapoint a period, the ready endpoints at the agent's collection
// (Container Insights publishes once a period; no ready endpoint publishes
// nothing, which the alarm fills with 0), ALARM once DatapointsToAlarm of
// the last EvaluationPeriods breach. Periods start at the fault. It returns
// the second the alarm would go to ALARM, or -1.
func alarmFiresAt(tiers []Tier, w []Sample, period, evaluation, toAlarm int) int {
	ui := tierIndex(tiers, "yelb-ui")
	var breaching []bool
	for start := 0; start+period <= len(w); start += period {
		breaching = append(breaching, w[start].Ready[ui] < 1)
		from := max(0, len(breaching)-evaluation)
		n := 0
		for _, b := range breaching[from:] {
			if b {
				n++
			}
		}
		if n >= toAlarm {
			return seconds(w[start].At) + period
		}
	}
	return -1
}

func tierIndex(tiers []Tier, name string) int {
	for i, t := range tiers {
		if t.Name == name {
			return i
		}
	}
	return -1
}

// Judge turns a rehearsal into the live chaos command's verdict: the
// probes are the simulated seconds of the window, the stop condition the
// yelb-ui alarm evaluated on them.
func Judge(r Result) experiment.Verdict {
	v := experiment.Verdict{
		Stack: r.Shape.Stack, Template: r.Shape.Experiment.Template,
		Timeout: r.Options.Observe, MinAvailability: r.Options.MinAvailability,
	}
	if !r.Steady {
		v.Unsteady = []string{fmt.Sprintf("the cluster did not settle within --settle-timeout %s (still waiting for: %s)", r.Options.SettleTimeout, r.Waiting)}
		v.Reasons = []string{"steady state did not hold before the experiment (" + v.Unsteady[0] + "); nothing was started"}
		return v
	}
	v.Started, v.State, v.Reason = true, "completed", r.Fault.Summary
	w := window(timeline(r.Samples))
	streak := 0
	for _, s := range w {
		v.Probes++
		if appAnswers(r.Tiers, s) {
			streak = 0
			continue
		}
		v.ProbeFailures++
		streak++
		v.LongestFailure = max(v.LongestFailure, streak)
	}
	a := r.Shape.UIAlarm
	fired := alarmFiresAt(r.Tiers, w, a.Period, a.EvaluationPeriods, a.DatapointsToAlarm)
	v.SteadyAlwaysOK = fired < 0
	if fired >= 0 {
		v.AlarmsInAlarm = []string{fmt.Sprintf("%s (at t=%ds)", a.Name, fired)}
		v.Anomalies = append(v.Anomalies, experiment.AnomalyStopCondition)
		v.Reasons = append(v.Reasons, "stop condition hit (in ALARM: "+v.AlarmsInAlarm[0]+")")
	}
	if v.Availability() < v.MinAvailability {
		gap := ""
		if v.SteadyAlwaysOK {
			v.Anomalies = append(v.Anomalies, experiment.AnomalyMetricsGap)
			gap = " while the steady-state alarm stayed OK: " + experiment.AnomalyMetricsGap
		}
		v.Reasons = append(v.Reasons, fmt.Sprintf("app answered %s of probes, below --min-availability %s%s", percent(v.Availability()), percent(v.MinAvailability), gap))
	}
	v.Pass = len(v.Reasons) == 0
	return v
}

func percent(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", 100*f), "0"), ".") + "%"
}
