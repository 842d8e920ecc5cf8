package experiment

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Row labels of the hypothesis chart, in order.
const (
	RowSteady       = "Steady state before"
	RowExperiment   = "Experiment"
	RowStop         = "Stop condition"
	RowAvailability = "App availability"
	RowAlarms       = "Alarms during run"
	RowAnomalies    = "Anomalies"
)

// Print writes the verdict as the workshop's hypothesis chart.
func Print(w io.Writer, v Verdict) {
	fmt.Fprintf(w, "Hypothesis: at least one yelb-ui pod running and node CPU below 60%%, while %s runs on stack %s\n", v.Template, v.Stack)
	if v.AppURL != "" {
		fmt.Fprintf(w, "App: %s%s\n", v.AppURL, ProbePath)
	}
	if v.ExperimentID != "" {
		fmt.Fprintf(w, "Experiment: %s (template %s)\n", v.ExperimentID, v.TemplateID)
	}
	fmt.Fprintln(w)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(label, expected, observed string) { fmt.Fprintf(tw, "%s\t%s\t%s\n", label, expected, observed) }
	row("", "Expected", "Observed")
	row(RowSteady, "alarms OK, app answers", steadyObserved(v))
	row(RowExperiment, "completed", experimentObserved(v))
	row(RowStop, "not hit", stopObserved(v))
	row(RowAvailability, ">= "+percent(v.MinAvailability)+" of probes", availabilityObserved(v))
	row(RowAlarms, "none in ALARM", alarmsObserved(v))
	row(RowAnomalies, "none", anomaliesObserved(v))
	_ = tw.Flush()
	fmt.Fprintln(w)

	if v.Pass {
		fmt.Fprintln(w, "VERDICT: PASS")
		return
	}
	fmt.Fprintln(w, "VERDICT: FAIL — "+strings.Join(v.Reasons, "; "))
}

func steadyObserved(v Verdict) string {
	if len(v.Unsteady) > 0 {
		return "not steady: " + strings.Join(v.Unsteady, "; ")
	}
	return "alarms OK, app answers"
}

func experimentObserved(v Verdict) string {
	switch {
	case len(v.Unsteady) > 0:
		return "not started"
	case !v.Started:
		return "failed to start: " + v.StartError
	}
	s := v.State
	if v.Reason != "" {
		s += " (" + v.Reason + ")"
	}
	if v.TimedOut {
		s += "; timed out after " + v.Timeout.String()
		if v.StopError != "" {
			s += ", " + v.StopError
		} else {
			s += ", stopped"
		}
	}
	return s
}

func stopObserved(v Verdict) string {
	if !v.Started {
		return "-"
	}
	for _, a := range v.Anomalies {
		if a == AnomalyStopCondition {
			return "hit: " + stopDetail(v)
		}
	}
	return "not hit"
}

func availabilityObserved(v Verdict) string {
	if !v.Started {
		return "-"
	}
	return fmt.Sprintf("%s (%d of %d probes), longest failure streak %d",
		percent(v.Availability()), v.Probes-v.ProbeFailures, v.Probes, v.LongestFailure)
}

func alarmsObserved(v Verdict) string {
	if !v.Started {
		return "-"
	}
	s := listOr(v.AlarmsInAlarm, "none")
	if v.UnreadAlarmPolls > 0 {
		s += fmt.Sprintf(" (%d polls could not read the alarms)", v.UnreadAlarmPolls)
	}
	return s
}

func listOr(items []string, empty string) string {
	if len(items) == 0 {
		return empty
	}
	return strings.Join(items, ", ")
}

func anomaliesObserved(v Verdict) string {
	if len(v.Anomalies) == 0 {
		return "none"
	}
	// Semicolons: a failed experiment's reason may hold commas.
	return strings.Join(v.Anomalies, "; ")
}
