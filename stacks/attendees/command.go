package attendees

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Exit codes of the command.
const (
	ExitOK     = 0 // every stack as asked
	ExitFailed = 1 // some stack is not, the preflight failed, or the run was interrupted
	ExitUsage  = 2 // bad flags or roster: nothing was created
)

// Options are the command's flags.
type Options struct {
	Op              Op
	Roster          string
	Parallel        int
	JSON            bool
	Stacks          []string
	StateDir        string
	Backend         string
	SecretsProvider string
	Pulumi          string
	PulumiHome      string
	Force           bool
	SkipPreflight   bool
	Grace           time.Duration
	Handouts        string
}

var ops = []Op{OpPreview, OpUp, OpStatus, OpOutputs, OpDown}

const usageLine = "usage: go run . attendees preview|up|status|outputs|down --roster FILE [flags]"

func newFlagSet(o *Options) *flag.FlagSet {
	fs := flag.NewFlagSet("attendees", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.Roster, "roster", "", "the roster file (required)")
	fs.IntVar(&o.Parallel, "parallel", 4, "stacks operated on at once")
	fs.BoolVar(&o.JSON, "json", false, "print the results as JSON on stdout")
	fs.Func("stack", "only this stack of the roster (repeatable)", func(s string) error {
		o.Stacks = append(o.Stacks, s)
		return nil
	})
	fs.StringVar(&o.StateDir, "state", "", "workspaces, logs and handouts (default: .attendees beside the roster)")
	fs.StringVar(&o.Backend, "backend", os.Getenv("PULUMI_BACKEND_URL"), "state backend URL (default $PULUMI_BACKEND_URL)")
	fs.StringVar(&o.SecretsProvider, "secrets-provider", "", "secrets provider of new stacks (default passphrase, from $PULUMI_CONFIG_PASSPHRASE)")
	fs.StringVar(&o.Pulumi, "pulumi", "", "the Pulumi CLI (default: pulumi on PATH)")
	fs.StringVar(&o.PulumiHome, "pulumi-home", "", "PULUMI_HOME shared by every stack (default $PULUMI_HOME, or ~/.pulumi)")
	fs.BoolVar(&o.Force, "force", false, "up: also update stacks already up to date")
	fs.BoolVar(&o.SkipPreflight, "skip-preflight", false, "preview, up: do not check AWS quotas first")
	fs.DurationVar(&o.Grace, "grace", DefaultGrace, "after Ctrl-C, how long a stack may finish its in-flight steps before it is killed")
	fs.StringVar(&o.Handouts, "handouts", "", "where up and outputs write the handouts (default: <state>/handouts)")
	return fs
}

// ParseArgs reads the subcommand and flags; every error names the flag and
// what it expects.
func ParseArgs(args []string) (Options, error) {
	var o Options
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return o, flag.ErrHelp
		}
		return o, errors.New("expected a subcommand: preview, up, status, outputs or down")
	}
	o.Op = Op(args[0])
	if !slices.Contains(ops, o.Op) {
		return o, fmt.Errorf("%q is not a subcommand; expected preview, up, status, outputs or down", args[0])
	}
	fs := newFlagSet(&o)
	if err := fs.Parse(args[1:]); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q: expected flags only", fs.Arg(0))
	case o.Roster == "":
		return o, errors.New("--roster is required: expected the roster file, such as attendees.yaml")
	case o.Parallel < 1:
		return o, fmt.Errorf("--parallel %d: expected at least 1", o.Parallel)
	case o.Grace <= 0:
		return o, fmt.Errorf("--grace %s: expected a positive duration such as 5m", o.Grace)
	case o.Backend == "":
		return o, errors.New("--backend is not set and neither is PULUMI_BACKEND_URL: expected the state backend, such as file://$PWD/.pulumi-state or s3://bucket")
	}
	return o, o.defaults()
}

func (o *Options) defaults() error {
	if o.StateDir == "" {
		o.StateDir = filepath.Join(filepath.Dir(o.Roster), ".attendees")
	}
	if o.Handouts == "" {
		o.Handouts = filepath.Join(o.StateDir, "handouts")
	}
	if o.PulumiHome == "" {
		o.PulumiHome = os.Getenv("PULUMI_HOME")
	}
	if o.PulumiHome == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return fmt.Errorf("--pulumi-home: no home directory to default to: %w", err)
		}
		o.PulumiHome = filepath.Join(home, ".pulumi")
	}
	if o.Pulumi == "" {
		path, err := exec.LookPath("pulumi")
		if err != nil {
			return errors.New("--pulumi: no pulumi on PATH; install the Pulumi CLI or pass its path")
		}
		o.Pulumi = path
	}
	passphrase := os.Getenv("PULUMI_CONFIG_PASSPHRASE") != "" || os.Getenv("PULUMI_CONFIG_PASSPHRASE_FILE") != ""
	if (o.SecretsProvider == "" || o.SecretsProvider == "passphrase") && !passphrase && !strings.HasPrefix(o.Backend, "https://") {
		return errors.New("--secrets-provider: the default passphrase provider needs PULUMI_CONFIG_PASSPHRASE (or _FILE) set; set it, or pass --secrets-provider awskms://alias/...")
	}
	return nil
}

// selectTargets keeps the stacks --stack names; each must be in the roster.
func selectTargets(targets []Target, names []string) ([]Target, error) {
	if len(names) == 0 {
		return targets, nil
	}
	var out []Target
	for _, name := range names {
		i := slices.IndexFunc(targets, func(t Target) bool { return t.Stack() == name })
		if i < 0 {
			return nil, fmt.Errorf("--stack %s: not in the roster; the runner touches only the roster's stacks", name)
		}
		out = append(out, targets[i])
	}
	return out, nil
}

func usage(w io.Writer) {
	var o Options
	fs := newFlagSet(&o)
	fs.SetOutput(w)
	fmt.Fprintln(w, usageLine)
	fmt.Fprintln(w, `
  preview   show what up would change in every stack
  up        create or update every stack; writes a handout per attendee
  status    each stack's last update, resources and links
  outputs   each stack's outputs (secrets masked); writes the handouts
  down      destroy and remove every stack of the roster (and no other)

flags:`)
	fs.PrintDefaults()
}
