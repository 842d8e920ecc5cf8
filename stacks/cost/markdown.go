package cost

import (
	"fmt"
	"sort"
	"strings"
)

// NotEstimated names what the stacks pay for by use, which a plan cannot
// know.
const NotEstimated = "data transfer, NAT and VPC Lattice data processing and requests, ALB capacity units, " +
	"CloudWatch logs, metrics and Container Insights, S3, ECR, CodeBuild and FIS by use"

// Hourly prints an amount per hour, to a hundredth of a cent.
func Hourly(v float64) string {
	if v < 0 {
		return fmt.Sprintf("-$%.4f", -v)
	}
	return fmt.Sprintf("$%.4f", v)
}

// USD prints a larger amount, with four decimals under a dollar and two
// above.
func USD(v float64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	if v < 1 {
		return fmt.Sprintf("%s$%.4f", sign, v)
	}
	return fmt.Sprintf("%s$%.2f", sign, v)
}

// Markdown prints the estimate: the total per hour and month, each region's
// share, one row per priced thing, and the warnings.
func (e Estimate) Markdown(stack string, p Prices) string {
	var b strings.Builder
	total := e.PerHour()
	fmt.Fprintf(&b, "**`%s`** runs at about **%s/hour** (%s/month at %g hours)", stack, Hourly(total), USD(total*p.HoursPerMonth), p.HoursPerMonth)
	regions := e.Regions()
	names := make([]string, 0, len(regions))
	for r := range regions {
		names = append(names, r)
	}
	sort.Strings(names)
	var shares []string
	for _, r := range names {
		shares = append(shares, fmt.Sprintf("%s %s/hour", r, Hourly(regions[r])))
	}
	fmt.Fprintf(&b, ": %s.\n\n", strings.Join(shares, ", "))
	b.WriteString("| region | what | $/hour | $/month |\n|---|---|--:|--:|\n")
	for _, l := range e.Lines {
		mark := ""
		if l.Unconfirmed {
			mark = " ⚠"
		}
		if !l.Priced {
			mark = " (no price)"
		}
		fmt.Fprintf(&b, "| %s | %s%s | %s | %s |\n", l.Region, l.What, mark, Hourly(l.PerHour), USD(l.PerHour*p.HoursPerMonth))
	}
	b.WriteString("\nNot estimated: " + NotEstimated + ".\n")
	for _, w := range e.Warnings {
		b.WriteString("\n> :warning: " + w + "\n")
	}
	return b.String()
}
