package plan

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
	"github.com/workshop/spinnaker-modernization/stacks/cost"
)

// CostResources hands a plan's steps to the estimate, each in the region
// of its AWS provider, or the stack's region when it has none.
func CostResources(p Plan, stackRegion string) []cost.Resource {
	regions := map[string]string{}
	for _, s := range p.Steps {
		if r, ok := s.NewState.Inputs["region"].(string); ok && s.NewState.Type == "pulumi:providers:aws" && r != mockcloud.UnknownMarker {
			regions[s.URN] = r
		}
	}
	out := make([]cost.Resource, 0, len(p.Steps))
	for _, s := range p.Steps {
		region := stackRegion
		if urn, _, ok := cutLast(s.NewState.Provider, "::"); ok && regions[urn] != "" {
			region = regions[urn]
		}
		out = append(out, cost.Resource{
			Type: s.NewState.Type, URN: s.URN, Region: region,
			Inputs: s.NewState.Inputs, Dependencies: s.NewState.Dependencies,
		})
	}
	return out
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// maxCostRows bounds the table of cost lines a diff shows.
const maxCostRows = 15

// CostChange prints the change in running cost between two estimates: the
// totals per hour and month, then the lines that moved.
func CostChange(before, after cost.Estimate, hoursPerMonth float64) string {
	delta := after.PerHour() - before.PerHour()
	line := fmt.Sprintf("**Cost:** %s/hour → %s/hour", cost.Hourly(before.PerHour()), cost.Hourly(after.PerHour()))
	if math.Abs(delta) < 0.00005 {
		return line + " (no change)"
	}
	sign := "+"
	if delta < 0 {
		sign = ""
	}
	line += fmt.Sprintf(" (**%s%s/hour**, %s%s/month)", sign, cost.Hourly(delta), sign, cost.USD(delta*hoursPerMonth))
	rows := movedLines(before, after)
	if len(rows) == 0 {
		return line
	}
	var b strings.Builder
	b.WriteString(line + "\n\n| what | before $/hour | after $/hour |\n|---|--:|--:|\n")
	for i, r := range rows {
		if i == maxCostRows {
			fmt.Fprintf(&b, "| … %d more | | |\n", len(rows)-i)
			break
		}
		b.WriteString(r)
	}
	return strings.TrimRight(b.String(), "\n")
}

func movedLines(before, after cost.Estimate) []string {
	old := map[string]cost.Line{}
	for _, l := range before.Lines {
		old[l.Key] = l
	}
	seen := map[string]bool{}
	var rows []string
	for _, l := range after.Lines {
		seen[l.Key] = true
		prev, ok := old[l.Key]
		switch {
		case !ok:
			rows = append(rows, fmt.Sprintf("| %s | – | %s |\n", l.What, cost.Hourly(l.PerHour)))
		case math.Abs(prev.PerHour-l.PerHour) >= 0.00005 || prev.What != l.What:
			what := l.What
			if prev.What != l.What {
				what = prev.What + " → " + l.What
			}
			rows = append(rows, fmt.Sprintf("| %s | %s | %s |\n", what, cost.Hourly(prev.PerHour), cost.Hourly(l.PerHour)))
		}
	}
	for _, l := range before.Lines {
		if !seen[l.Key] {
			rows = append(rows, fmt.Sprintf("| %s | %s | – |\n", l.What, cost.Hourly(l.PerHour)))
		}
	}
	sort.Strings(rows)
	return rows
}
