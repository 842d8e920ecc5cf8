package experiment

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/fis"
)

// Exit codes of the command.
const (
	ExitPass  = 0 // the hypothesis held
	ExitFail  = 1 // it did not, or the run could not be judged (AWS or the pulumi CLI failed)
	ExitUsage = 2 // bad flags, or outputs the stack lacks; nothing was asked of AWS
)

// ProbeTimeout is short so one hung request cannot stretch a poll.
const ProbeTimeout = 5 * time.Second

// Command is `go run . chaos --stack NAME [flags]`.
func Command(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := ParseFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		usage(stdout)
		return ExitPass
	}
	if err != nil {
		fmt.Fprintf(stderr, "chaos: %v\n(go run . chaos -h lists the flags)\n", err)
		return ExitUsage
	}
	return Execute(ctx, RealDeps(o.Cwd), o, stdout, stderr)
}

// Execute runs with the given deps, prints the verdict and returns the exit code.
func Execute(ctx context.Context, d Deps, o Options, stdout, stderr io.Writer) int {
	v, err := Run(ctx, d, o)
	if err != nil {
		fmt.Fprintf(stderr, "chaos: %v\n", err)
		var setup *SetupError
		if errors.As(err, &setup) {
			return ExitUsage
		}
		return ExitFail
	}
	Print(stdout, v)
	if v.Pass {
		return ExitPass
	}
	return ExitFail
}

func newFlagSet(o *Options) *flag.FlagSet {
	fs := flag.NewFlagSet("chaos", flag.ContinueOnError)
	// Errors are printed once, by Command, with the flag named.
	fs.SetOutput(io.Discard)
	*o = Options{Template: "TerminateEKSNodes", Timeout: 20 * time.Minute, Poll: 15 * time.Second, MinAvailability: 0.95, Cwd: "."}
	fs.StringVar(&o.Stack, "stack", "", "the stack to experiment on (required)")
	fs.StringVar(&o.Template, "template", o.Template, "the experiment template, a key of the stack output chaos.templates")
	fs.Var((*positiveDuration)(&o.Timeout), "timeout", "how long to watch before stopping the experiment")
	fs.Var((*positiveDuration)(&o.Poll), "poll", "time between observations")
	fs.Var((*share)(&o.MinAvailability), "min-availability", "share of app probes that must succeed, in (0,1]")
	fs.StringVar(&o.Cwd, "cwd", o.Cwd, "the Pulumi project directory")
	return fs
}

// ParseFlags reads the command line; every error names its flag and what it
// expects.
func ParseFlags(args []string) (Options, error) {
	var o Options
	fs := newFlagSet(&o)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q: expected flags only", fs.Arg(0))
	case o.Stack == "":
		return o, errors.New("--stack is required: expected the name of a deployed stack, such as dev")
	case o.Template == "":
		return o, errors.New("--template is empty: expected an experiment template such as TerminateEKSNodes")
	case o.Poll > o.Timeout:
		return o, fmt.Errorf("--poll %s is longer than --timeout %s: expected a poll interval within the timeout", o.Poll, o.Timeout)
	}
	if fi, err := os.Stat(o.Cwd); err != nil || !fi.IsDir() {
		return o, fmt.Errorf("--cwd %s: expected an existing directory (the Pulumi project)", o.Cwd)
	}
	return o, nil
}

func usage(w io.Writer) {
	var o Options
	fs := newFlagSet(&o)
	fs.SetOutput(w)
	fmt.Fprintln(w, "usage: go run . chaos --stack NAME [flags]")
	fs.PrintDefaults()
}

type positiveDuration time.Duration

func (d *positiveDuration) String() string { return time.Duration(*d).String() }

func (d *positiveDuration) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		return errors.New("expected a positive duration such as 15s or 20m")
	}
	*d = positiveDuration(v)
	return nil
}

type share float64

func (f *share) String() string { return strconv.FormatFloat(float64(*f), 'g', -1, 64) }

func (f *share) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v > 0 && v <= 1) {
		return errors.New("expected a number in (0,1] such as 0.95")
	}
	*f = share(v)
	return nil
}

// RealDeps reads outputs with the Pulumi CLI in cwd and talks to AWS.
func RealDeps(cwd string) Deps {
	return Deps{
		Outputs: PulumiOutputs{Dir: cwd},
		Connect: func(ctx context.Context, region string) (Clients, error) {
			cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
			if err != nil {
				return Clients{}, fmt.Errorf("loading AWS configuration: %w", err)
			}
			return Clients{
				Experiments:   fis.NewFromConfig(cfg),
				Alarms:        cloudwatch.NewFromConfig(cfg),
				LoadBalancers: elbv2.NewFromConfig(cfg),
			}, nil
		},
		Prober: HTTPProber{Client: &http.Client{Timeout: ProbeTimeout}},
		Sleep:  Sleep,
		Now:    time.Now,
	}
}

// HTTPProber probes with GET; only a 2xx answer counts.
type HTTPProber struct{ Client *http.Client }

// Probe implements Prober.
func (p HTTPProber) Probe(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := p.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	// Drained so the connection is reused across polls.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

// Sleep waits d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
