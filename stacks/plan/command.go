package plan

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/workshop/spinnaker-modernization/stacks"
	"github.com/workshop/spinnaker-modernization/stacks/cost"
)

const usage = "usage: go run . plan --stack NAME [--dir DIR] [--config KEY=VALUE]... [--diff OLD.json [--max-chars N] | --cost [--attendees N]]"

// options are the plan command's flags.
type options struct {
	stack, dir, diff string
	overrides        map[string]string
	cost             bool
	attendees        int
	maxChars         int
}

// Command implements `go run . plan`: the whole program run offline against
// the simulated cloud, printed like `pulumi preview --json`; with --diff, the
// change from an earlier plan as GitHub Markdown; with --cost, what the stack
// and a workshop of it cost to run.
func Command(args []string, stdout, stderr io.Writer) int {
	return command(args, stdout, stderr, time.Now())
}

func command(args []string, stdout, stderr io.Writer, now time.Time) int {
	o, ok := parseFlags(args, stderr)
	if !ok {
		return 2
	}
	plan, region, warnings, err := Build(o.dir, o.stack, o.overrides)
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	var out string
	switch {
	case o.diff != "":
		out, err = diffOutput(o, plan, region, warnings, now)
	case o.cost:
		out, err = costOutput(o, plan, region, now)
	default:
		var b []byte
		b, err = Encode(plan)
		out = string(b)
	}
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
	_, _ = io.WriteString(stdout, out)
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, bool) {
	o := options{overrides: map[string]string{}}
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.stack, "stack", "", "stack whose Pulumi.<stack>.yaml to read (required)")
	fs.StringVar(&o.dir, "dir", ".", "directory holding Pulumi.yaml")
	fs.StringVar(&o.diff, "diff", "", "an earlier plan (JSON) to compare with; prints GitHub Markdown")
	fs.IntVar(&o.maxChars, "max-chars", DefaultBudget, "with --diff: the most characters to print")
	fs.BoolVar(&o.cost, "cost", false, "print the stack's running cost and a workshop's as GitHub Markdown")
	fs.IntVar(&o.attendees, "attendees", 10, "with --cost: attendees of the one-day workshop")
	fs.Func("config", "KEY=VALUE overriding the stack file, as `pulumi config set` would (repeatable)", func(kv string) error {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("%q is not KEY=VALUE", kv)
		}
		if !strings.Contains(k, ":") {
			k = stacks.ConfigNamespace + ":" + k
		}
		o.overrides[k] = v
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return o, false
	}
	var problem string
	switch {
	case o.stack == "" || fs.NArg() > 0:
		problem = "--stack is required and nothing else may follow"
	case o.diff != "" && o.cost:
		problem = "--diff and --cost print different reports; pick one"
	case o.maxChars < 2000:
		problem = fmt.Sprintf("--max-chars must be at least 2000, got %d", o.maxChars)
	case o.attendees < 1:
		problem = fmt.Sprintf("--attendees must be at least 1, got %d", o.attendees)
	}
	if problem != "" {
		fmt.Fprintf(stderr, "%s: %s\n", usage, problem)
		return o, false
	}
	return o, true
}

func diffOutput(o options, current Plan, region string, warnings []string, now time.Time) (string, error) {
	old, err := Read(o.diff)
	if err != nil {
		return "", err
	}
	rules, err := LoadReplacements()
	if err != nil {
		return "", err
	}
	prices, err := cost.LoadPrices()
	if err != nil {
		return "", err
	}
	before := prices.Estimate(CostResources(old, region), now)
	after := prices.Estimate(CostResources(current, region), now)
	changes := Compare(old, current, rules)
	notes := append(append([]string(nil), warnings...), after.Warnings...)
	if note := DependentsNote(Dependents(changes, current)); note != "" {
		notes = append(notes, note)
	}
	return DiffMarkdown(o.stack, changes, CostChange(before, after, prices.HoursPerMonth), notes, o.maxChars), nil
}

func costOutput(o options, p Plan, region string, now time.Time) (string, error) {
	prices, err := cost.LoadPrices()
	if err != nil {
		return "", err
	}
	stackCost := prices.Estimate(CostResources(p, region), now).Markdown(o.stack, prices)
	workshop, err := WorkshopMarkdown(o.dir, o.stack, o.attendees, prices, now)
	if err != nil {
		return "", err
	}
	return stackCost + "\n" + workshop, nil
}
