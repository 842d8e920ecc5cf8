package rehearsal

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/workshop/spinnaker-modernization/stacks/experiment"
)

// Print writes the verdict in the live command's shape, then what the
// rehearsal adds: the cluster, the fault, each tier's outage and the
// timeline.
func Print(w io.Writer, r Result, v experiment.Verdict, wall time.Duration) {
	s, o := r.Shape, r.Options
	fmt.Fprintf(w, "Rehearsal of stack %s, yelb stage %d, %s (simulated, %gx wall speed)\n", s.Stack, s.Stage, s.Experiment.Template, o.Speed)
	in := s.Instance
	pods, _, _ := daemonSetLoad(s.Workloads)
	fmt.Fprintf(w, "Cluster: %d of %d-%d %s nodes over %s; each %d pods (%d taken by daemonsets), %dm CPU, %dMi allocatable\n",
		r.Nodes, s.NodeGroup.MinSize, s.NodeGroup.MaxSize, in.Type, strings.Join(s.Zones, ", "), in.MaxPods(), pods, in.AllocatableCPUMilli(), in.AllocatableMemoryMiB())
	fmt.Fprintf(w, "Probes are simulated seconds of the %s after the fault; the app answers when yelb-ui, the app server and the database each have a serving pod.\n\n", o.Observe)
	experiment.Print(w, v)
	if !r.Steady {
		return
	}
	fmt.Fprintln(w)
	printFault(w, r)
	printOutages(w, r)
	printTimeline(w, r)
	fmt.Fprintf(w, "\nWall time: %s (control plane %s, steady state %s, experiment %s)\n",
		wall.Round(time.Second), r.StartWall.Round(time.Second), r.SettleWall.Round(time.Second), r.ExperimentWall.Round(time.Second))
}

func printFault(w io.Writer, r Result) {
	fmt.Fprintf(w, "Fault at t=0: %s\n", r.Fault.Summary)
	for _, t := range r.Fault.Targets {
		fmt.Fprintf(w, "  %s\n", t)
	}
}

func printOutages(w io.Writer, r Result) {
	fmt.Fprintln(w, "Outage (simulated seconds without a serving pod):")
	for _, out := range outages(r.Tiers, window(timeline(r.Samples))) {
		span := ""
		if out.Seconds > 0 {
			span = fmt.Sprintf(" (t=%d..%d)", out.First, out.Last)
		}
		fmt.Fprintf(w, "  %-15s %4d s%s\n", out.Tier, out.Seconds, span)
	}
}

// printTimeline prints a row whenever a count changes or the cloud acts:
// serving/ready endpoints per tier, ready nodes, pending pods.
func printTimeline(w io.Writer, r Result) {
	fmt.Fprintln(w, "\nTimeline (serving/ready endpoints per tier; a row when something changes):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := []string{"t(s)"}
	for _, t := range r.Tiers {
		header = append(header, t.Name)
	}
	fmt.Fprintln(tw, strings.Join(append(header, "nodes", "pending", ""), "\t")+"\t")
	events := map[int][]string{}
	for _, e := range r.Events {
		sec := seconds(e.At)
		events[sec] = append(events[sec], e.Text)
	}
	var last []string
	for _, s := range timeline(r.Samples) {
		sec := seconds(s.At)
		row := []string{fmt.Sprint(sec)}
		for i := range r.Tiers {
			row = append(row, fmt.Sprintf("%d/%d", s.Serving[i], s.Ready[i]))
		}
		row = append(row, fmt.Sprint(s.NodesReady), fmt.Sprint(s.Pending))
		if last != nil && slices.Equal(row[1:], last[1:]) && len(events[sec]) == 0 {
			continue
		}
		last = row
		fmt.Fprintln(tw, strings.Join(append(row, ""), "\t")+"\t"+strings.Join(events[sec], "; "))
	}
	_ = tw.Flush()
}
