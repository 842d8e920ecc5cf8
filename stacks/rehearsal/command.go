package rehearsal

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/workshop/spinnaker-modernization/components/chaos"
	"github.com/workshop/spinnaker-modernization/internal/harness"
	"github.com/workshop/spinnaker-modernization/stacks"
)

// Exit codes, as the live chaos command's.
const (
	ExitPass  = 0 // the hypothesis held
	ExitFail  = 1 // it did not, or the rehearsal could not run
	ExitUsage = 2 // bad flags or config; nothing was started
)

// Options steer one rehearsal; durations are simulated time unless named
// wall.
type Options struct {
	Stack, Template, Cwd string
	Stage                int // 0: the stack's workshop:yelb stage
	// Speed is simulated seconds per wall second.
	Speed float64
	// NodeDelay is how long an instance takes from launch to its kubelet
	// registering the node; NodeReady from there to Ready (the VPC CNI
	// starting). The node is tainted not-ready meanwhile
	// (k8s.io/kubernetes plugin/pkg/admission/nodetaint), so only the
	// daemonsets, which tolerate every taint, take its pod slots first,
	// as on EKS.
	NodeDelay, NodeReady time.Duration
	// PodStart is from a pod's binding to its first passed readiness probe
	// (image pull, start); VolumeAttach is added for pods with a volume.
	PodStart, VolumeAttach time.Duration
	// PodStop is how long a shutting-down kubelet takes to stop its pods.
	PodStop time.Duration
	// Before is steady state sampled before the fault; Observe the window
	// after it.
	Before, Observe time.Duration
	Pick            string
	Seed            int64
	MinAvailability float64
	// Chart is where the PNG goes ("" for none).
	Chart string
	// SettleTimeout bounds, in wall time, the wait for the steady state.
	SettleTimeout time.Duration
}

// DefaultOptions are the command's defaults. The delays are estimates of
// EKS on EC2, not measurements; each has a flag.
func DefaultOptions() Options {
	return Options{
		Template: chaos.TerminateEKSNodes, Cwd: ".",
		Speed:     5,
		NodeDelay: 2 * time.Minute, NodeReady: 20 * time.Second,
		PodStart: 10 * time.Second, VolumeAttach: 15 * time.Second,
		PodStop: 5 * time.Second,
		Before:  30 * time.Second, Observe: 10 * time.Minute,
		Pick: PickHypothesis, Seed: 1,
		MinAvailability: 0.95,
		SettleTimeout:   5 * time.Minute,
	}
}

func newFlagSet(o *Options) *flag.FlagSet {
	fs := flag.NewFlagSet("rehearse", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	*o = DefaultOptions()
	fs.StringVar(&o.Stack, "stack", "", "the stack whose Pulumi.<stack>.yaml shapes the cluster (required)")
	fs.IntVar(&o.Stage, "stage", 0, "the yelb stage to rehearse, 1-4 (default: the stack's workshop:yelb stage)")
	fs.StringVar(&o.Template, "template", o.Template, "the experiment template: TerminateEKSNodes, AppServerPodDelete or AZPowerInterruption")
	fs.StringVar(&o.Cwd, "cwd", o.Cwd, "the Pulumi project directory")
	fs.Float64Var(&o.Speed, "speed", o.Speed, fmt.Sprintf("simulated seconds per wall second, 1 to %d", maxSpeed))
	fs.DurationVar(&o.NodeDelay, "node-delay", o.NodeDelay, "from an instance's launch to its node registering")
	fs.DurationVar(&o.NodeReady, "node-ready", o.NodeReady, "from a node's registration to Ready (daemonset pods bind meanwhile)")
	fs.DurationVar(&o.PodStart, "pod-start", o.PodStart, "from a pod's binding to its readiness")
	fs.DurationVar(&o.VolumeAttach, "volume-attach", o.VolumeAttach, "extra start time of a pod with an EBS volume")
	fs.DurationVar(&o.PodStop, "pod-stop", o.PodStop, "how long a terminated node's kubelet takes to stop its pods")
	fs.DurationVar(&o.Before, "before", o.Before, "steady state sampled before the fault")
	fs.DurationVar(&o.Observe, "observe", o.Observe, "how long to watch after the fault")
	fs.StringVar(&o.Pick, "pick", o.Pick, "which nodes or pods the fault hits: hypothesis (worst for yelb-ui) or random (like FIS, see --seed)")
	fs.Int64Var(&o.Seed, "seed", o.Seed, "seed of --pick random")
	fs.Float64Var(&o.MinAvailability, "min-availability", o.MinAvailability, "share of simulated seconds the app must answer, in (0,1]")
	fs.StringVar(&o.Chart, "chart", "", "write the timeline chart to this PNG file")
	fs.DurationVar(&o.SettleTimeout, "settle-timeout", o.SettleTimeout, "wall time to wait for the steady state")
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
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q: expected flags only", fs.Arg(0))
	}
	return o, o.validate()
}

func (o Options) validate() error {
	positive := map[string]time.Duration{"--node-delay": o.NodeDelay, "--observe": o.Observe, "--settle-timeout": o.SettleTimeout}
	notNegative := map[string]time.Duration{"--node-ready": o.NodeReady, "--pod-start": o.PodStart, "--volume-attach": o.VolumeAttach, "--pod-stop": o.PodStop, "--before": o.Before}
	switch {
	case o.Stack == "":
		return errors.New("--stack is required: expected the name of a stack, such as dev")
	case o.Speed < 1 || o.Speed > maxSpeed:
		return fmt.Errorf("--speed %s: expected 1 to %d simulated seconds per wall second (faster, the node leases cannot keep up)", strconv.FormatFloat(o.Speed, 'g', -1, 64), maxSpeed)
	case o.Pick != PickHypothesis && o.Pick != PickRandom:
		return fmt.Errorf("--pick %q: expected %s or %s", o.Pick, PickHypothesis, PickRandom)
	case o.MinAvailability <= 0 || o.MinAvailability > 1:
		return fmt.Errorf("--min-availability %g: expected a share in (0,1]", o.MinAvailability)
	}
	for _, name := range []string{"--node-delay", "--observe", "--settle-timeout"} {
		if positive[name] <= 0 {
			return fmt.Errorf("%s %s: expected a positive duration such as 2m", name, positive[name])
		}
	}
	for _, name := range []string{"--node-ready", "--pod-start", "--volume-attach", "--pod-stop", "--before"} {
		if notNegative[name] < 0 {
			return fmt.Errorf("%s %s: expected a duration of zero or more", name, notNegative[name])
		}
	}
	if fi, err := os.Stat(o.Cwd); err != nil || !fi.IsDir() {
		return fmt.Errorf("--cwd %s: expected an existing directory (the Pulumi project)", o.Cwd)
	}
	return nil
}

// Command is `go run . rehearse --stack NAME [flags]`.
func Command(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := ParseFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		usage(stdout)
		return ExitPass
	}
	if err != nil {
		fmt.Fprintf(stderr, "rehearse: %v\n(go run . rehearse -h lists the flags)\n", err)
		return ExitUsage
	}
	shape, err := LoadShape(o)
	if err != nil {
		fmt.Fprintf(stderr, "rehearse: %v\n", err)
		return ExitUsage
	}
	bins, err := buildBinaries(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "rehearse: %v\n", err)
		return ExitFail
	}
	dir, err := os.MkdirTemp("", "rehearsal-")
	if err != nil {
		fmt.Fprintf(stderr, "rehearse: %v\n", err)
		return ExitFail
	}
	defer os.RemoveAll(dir)
	return Report(ctx, shape, o, bins, dir, stdout, stderr)
}

// LoadShape reads and validates the stack config and builds its shape.
func LoadShape(o Options) (Shape, error) {
	_, raw, _, err := stacks.ReadStackConfig(o.Cwd, o.Stack)
	if err != nil {
		return Shape{}, err
	}
	cfg, err := stacks.Parse(o.Stack, raw)
	if err != nil {
		return Shape{}, err
	}
	return NewShape(cfg, o.Stage, o.Template)
}

// Report rehearses, prints the verdict and writes the chart. Set
// WORKSHOP_HARNESS_LOG=1 to see the components' output on stderr.
func Report(ctx context.Context, shape Shape, o Options, bins harness.Bins, dir string, stdout, stderr io.Writer) int {
	began := time.Now()
	var log io.Writer
	if os.Getenv("WORKSHOP_HARNESS_LOG") != "" {
		log = stderr
	}
	r, err := Rehearse(ctx, shape, o, bins, dir, log)
	if err != nil {
		fmt.Fprintf(stderr, "rehearse: %v\n", err)
		return ExitFail
	}
	v := Judge(r)
	Print(stdout, r, v, time.Since(began))
	if o.Chart != "" && r.Steady {
		if err := WriteChart(o.Chart, r); err != nil {
			fmt.Fprintf(stderr, "rehearse: chart: %v\n", err)
			return ExitFail
		}
		fmt.Fprintf(stdout, "Chart: %s\n", o.Chart)
	}
	if v.Pass {
		return ExitPass
	}
	return ExitFail
}

// buildBinaries finds the control plane's binaries, building any missing
// one once into the tools cache.
func buildBinaries(log io.Writer) (harness.Bins, error) {
	var b harness.Bins
	for name, dst := range map[string]*string{
		"etcd": &b.Etcd, "kube-apiserver": &b.APIServer, "kube-controller-manager": &b.ControllerManager,
		"kube-scheduler": &b.Scheduler, "kwok": &b.Kwok,
	} {
		tool, err := harness.Find(name)
		if err != nil {
			return b, err
		}
		if *dst, _, err = tool.Build(harness.Repo(), log); err != nil {
			return b, err
		}
	}
	return b, nil
}

func usage(w io.Writer) {
	var o Options
	fs := newFlagSet(&o)
	fs.SetOutput(w)
	fmt.Fprintln(w, "usage: go run . rehearse --stack NAME [flags]")
	fs.PrintDefaults()
}
