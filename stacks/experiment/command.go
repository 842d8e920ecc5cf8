package experiment

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/fis"
)

// Exit codes.
const (
	ExitPass  = 0
	ExitFail  = 1
	ExitUsage = 2
)

// flagsOf parses the command line; every problem names its flag.
func flagsOf(args []string, stderr io.Writer) (Options, string, error) {
	fs := flag.NewFlagSet("chaos", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := Options{}
	fs.StringVar(&o.Stack, "stack", "", "stack to experiment on (required)")
	fs.StringVar(&o.Template, "template", "TerminateEKSNodes", "experiment template: TerminateEKSNodes, AppServerPodDelete or AZPowerInterruption")
	fs.DurationVar(&o.Timeout, "timeout", 20*time.Minute, "longest time to watch before stopping the experiment")
	fs.DurationVar(&o.Poll, "poll", 15*time.Second, "time between observations")
	fs.Float64Var(&o.MinAvailability, "min-availability", 0.95, "share of app probes that must succeed, in (0, 1]")
	cwd := fs.String("cwd", ".", "the Pulumi project directory")
	if err := fs.Parse(args); err != nil {
		return o, "", err
	}
	switch {
	case fs.NArg() > 0:
		return o, "", fmt.Errorf("unexpected argument %q; flags only", fs.Arg(0))
	case o.Stack == "":
		return o, "", errors.New("--stack is required: the stack to experiment on")
	case o.Template == "":
		return o, "", errors.New("--template is empty; expected a template name such as TerminateEKSNodes")
	case o.Timeout <= 0:
		return o, "", fmt.Errorf("--timeout %s must be positive", o.Timeout)
	case o.Poll <= 0 || o.Poll > o.Timeout:
		return o, "", fmt.Errorf("--poll %s must be positive and at most --timeout %s", o.Poll, o.Timeout)
	case !(o.MinAvailability > 0 && o.MinAvailability <= 1):
		return o, "", fmt.Errorf("--min-availability %v must be in (0, 1], such as 0.95", o.MinAvailability)
	}
	return o, *cwd, nil
}

// Command is `go run . chaos --stack NAME`: it runs the experiment on real
// AWS and prints the verdict.
func Command(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, cwd, err := flagsOf(args, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return ExitUsage
	}
	outputs, err := PulumiOutputs{Dir: cwd}.Read(ctx, o.Stack)
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return ExitUsage
	}
	return Execute(ctx, outputs, o, func(region string) (Deps, error) {
		cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
		if err != nil {
			return Deps{}, fmt.Errorf("loading AWS credentials: %w", err)
		}
		return Deps{
			Experiments:   fis.NewFromConfig(cfg),
			Alarms:        cloudwatch.NewFromConfig(cfg),
			LoadBalancers: elbv2.NewFromConfig(cfg),
			Prober:        httpProber{&http.Client{Timeout: 5 * time.Second}},
			Sleep:         sleep,
			Now:           time.Now,
		}, nil
	}, stdout, stderr)
}

// Execute runs with outputs already read and deps built for the region.
func Execute(ctx context.Context, outputs map[string]any, o Options, deps func(region string) (Deps, error), stdout, stderr io.Writer) int {
	target, err := ParseTarget(outputs, o.Template)
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return ExitUsage
	}
	d, err := deps(target.Region)
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return ExitFail
	}
	v, err := Run(ctx, d, target, o)
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return ExitFail
	}
	Print(stdout, v, o)
	if v.Pass {
		return ExitPass
	}
	return ExitFail
}

// Print writes the verdict as the workshop's hypothesis chart.
func Print(w io.Writer, v Verdict, o Options) {
	fmt.Fprintf(w, "Experiment %s on %s\n\n", v.Template, v.AppURL)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(what, expected, observed string) { fmt.Fprintf(tw, "%s\t%s\t%s\n", what, expected, observed) }
	row("", "Expected", "Observed")
	steady := "OK"
	if v.SteadyBefore != "" {
		steady = v.SteadyBefore
	}
	row("Steady state before", "OK", steady)
	experiment := "not started"
	switch {
	case v.StartError != "":
		experiment = "failed to start: " + v.StartError
	case v.Started:
		experiment = v.FinalState
		if v.FinalReason != "" {
			experiment += " (" + v.FinalReason + ")"
		}
		if v.TimedOut {
			experiment += ", stopped after " + o.Timeout.String()
		}
	}
	row("Experiment", "completed", experiment)
	stop := "not hit"
	if hasAnomaly(v, "stop condition hit") {
		stop = "hit"
	}
	row("Stop condition", "not hit", stop)
	row("App availability", fmt.Sprintf(">= %.0f%%", 100*o.MinAvailability),
		fmt.Sprintf("%.0f%% of %d probes, longest outage %d probes", 100*v.Availability(), v.Probes, v.LongestOutage))
	alarms := "none"
	if len(v.AlarmsInAlarm) > 0 {
		alarms = strings.Join(v.AlarmsInAlarm, ", ")
	}
	row("Alarms during run", "none", alarms)
	anomalies := "none"
	if len(v.Anomalies) > 0 {
		anomalies = strings.Join(v.Anomalies, "; ")
	}
	row("Anomalies", "none", anomalies)
	_ = tw.Flush()
	fmt.Fprintln(w)
	if v.Pass {
		fmt.Fprintln(w, "VERDICT: PASS")
		return
	}
	fmt.Fprintln(w, "VERDICT: FAIL — "+strings.Join(v.Reasons, "; "))
}

func hasAnomaly(v Verdict, a string) bool {
	for _, x := range v.Anomalies {
		if x == a {
			return true
		}
	}
	return false
}

type httpProber struct{ client *http.Client }

func (p httpProber) Probe(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode >= 400 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
