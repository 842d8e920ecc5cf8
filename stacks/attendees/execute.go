package attendees

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

// Main is `go run . attendees ...`. The first Ctrl-C stops starting stacks
// and lets the running ones finish their in-flight steps; a second kills
// them.
func Main(args []string, stdout, stderr io.Writer) int {
	o, err := ParseArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		usage(stdout)
		return ExitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "attendees: %v\n%s (-h lists the flags)\n", err, usageLine)
		return ExitUsage
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hard := make(chan struct{})
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	go func() {
		<-signals
		fmt.Fprintf(stderr, "\ninterrupted: no new stack starts; running ones finish their in-flight steps (up to %s). Ctrl-C again kills them.\n", o.Grace)
		cancel()
		<-signals
		close(hard)
	}()
	return Execute(ctx, o, hard, stdout, stderr)
}

// Execute runs the command with the real engine and AWS.
func Execute(ctx context.Context, o Options, hard <-chan struct{}, stdout, stderr io.Writer) int {
	roster, err := LoadRoster(o.Roster)
	if err != nil {
		fmt.Fprintln(stderr, err)
		fmt.Fprintln(stderr, "attendees: the roster has problems; nothing was created")
		return ExitUsage
	}
	awsConfig, err := AWSConfigFile(o.StateDir, roster.Members())
	if err != nil {
		fmt.Fprintf(stderr, "attendees: writing the AWS config of the roster's roles: %v\n", err)
		return ExitFailed
	}
	engine, err := newAutoEngine(o, awsConfig, hard)
	if err != nil {
		fmt.Fprintf(stderr, "attendees: %v\n", err)
		return ExitUsage
	}
	counter := &PlanCounter{}
	d := Deps{
		Engine:    engine,
		Preflight: &Preflight{Connect: ConnectAWS(awsConfig), Needs: counter.Needs},
		AppURL:    AppURLFromELB(awsConfig),
		Estimate:  counter.Estimate,
		ProgramID: programID(),
	}
	return Run(ctx, d, o, roster, stdout, stderr)
}

func newAutoEngine(o Options, awsConfig string, hard <-chan struct{}) (*AutoEngine, error) {
	cmd, err := NewPulumiCommand(o.Pulumi, o.Grace, hard)
	if err != nil {
		return nil, err
	}
	return &AutoEngine{
		Project: configNamespace, StateDir: filepath.Join(o.StateDir, "workspaces"), Home: o.PulumiHome,
		Backend: o.Backend, SecretsProvider: o.SecretsProvider, Command: cmd,
		Program: Program, Plugins: ProgramPlugins(),
		Credentials: func(_ context.Context, t Target) (map[string]string, error) {
			return awsEnv(t.Member, awsConfig), nil
		},
	}, nil
}

// programID identifies this build of the program: the executable's hash.
func programID() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Deps are what a run needs besides its options: the engine and AWS.
type Deps struct {
	Engine    Engine
	Preflight *Preflight // nil skips the preflight
	AppURL    func(context.Context, Target, Outputs) string
	Estimate  func(Target) int
	ProgramID string
	// Retry defaults to DefaultRetry.
	Retry *Retry
	// Show displays the board; nil shows the live view on stderr.
	Show func(board *Board, title string, done <-chan struct{})
}

// Run checks the roster against the quotas, plans the stacks and runs the
// operation with a live view, then prints the results and writes handouts.
func Run(ctx context.Context, d Deps, o Options, roster *Roster, stdout, stderr io.Writer) int {
	accounts, code := preflight(ctx, d, o, roster, stderr)
	if code != ExitOK {
		return code
	}
	existing := map[string]map[string]string{}
	for _, m := range roster.Members() {
		existing[m.Name] = d.Engine.ExistingConfig(m.Name)
	}
	all, err := roster.Targets(accounts, existing)
	if err == nil {
		all, err = selectTargets(all, o.Stacks)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return ExitUsage
	}
	report, err := runWithView(ctx, d, o, all, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "attendees: %v\n", err)
		if report == nil {
			return ExitFailed
		}
	}
	return finish(o, all, report, stdout, stderr)
}

// preflight checks quotas before preview and up; it resolves the accounts
// the members' credentials reach.
func preflight(ctx context.Context, d Deps, o Options, roster *Roster, stderr io.Writer) (map[string]string, int) {
	if d.Preflight == nil || o.SkipPreflight || (o.Op != OpUp && o.Op != OpPreview) {
		return nil, ExitOK
	}
	infos, err := d.Engine.Stacks(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "attendees: listing the stacks on the backend: %v\n", err)
		return nil, ExitFailed
	}
	exists := map[string]bool{}
	for _, info := range infos {
		exists[info.Name] = info.Resources > 0
	}
	res, err := d.Preflight.Run(ctx, roster, func(s string) bool { return exists[s] })
	if err != nil {
		fmt.Fprintf(stderr, "attendees: preflight: %v\n", err)
		return nil, ExitFailed
	}
	res.Print(stderr)
	if !res.OK() {
		fmt.Fprintln(stderr, "attendees: the room does not fit its accounts; nothing was created (--skip-preflight runs anyway)")
		return nil, ExitFailed
	}
	return res.Accounts, ExitOK
}

func runWithView(ctx context.Context, d Deps, o Options, targets []Target, stderr io.Writer) (*Report, error) {
	board := NewBoard(targets, nil)
	retry := DefaultRetry
	if d.Retry != nil {
		retry = *d.Retry
	}
	logs := filepath.Join(o.StateDir, "logs")
	r := &Runner{
		Engine: d.Engine, Parallel: o.Parallel, Retry: retry, ProgramID: d.ProgramID, Force: o.Force,
		Board: board, AppURL: d.AppURL, Estimate: d.Estimate, Logs: fileLogs(logs),
	}
	show := d.Show
	if show == nil {
		show = func(b *Board, title string, done <-chan struct{}) { Show(stderr, b, title, done) }
	}
	done, shown := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(shown)
		show(board, fmt.Sprintf("%s: %d stacks, %d at a time (logs in %s)", o.Op, len(targets), o.Parallel, logs), done)
	}()
	report, err := r.Run(ctx, o.Op, targets)
	close(done)
	<-shown
	return report, err
}

// fileLogs appends each stack's log to <dir>/<stack>.log.
func fileLogs(dir string) func(string) (io.WriteCloser, string, error) {
	return func(stack string) (io.WriteCloser, string, error) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, "", err
		}
		path := filepath.Join(dir, stack+".log")
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		return f, path, err
	}
}

func finish(o Options, targets []Target, report *Report, stdout, stderr io.Writer) int {
	if report.Cancelled {
		report.PrintStates(stderr)
	}
	if o.JSON {
		if err := report.WriteJSON(stdout, o.Op == OpOutputs); err != nil {
			fmt.Fprintf(stderr, "attendees: %v\n", err)
		}
	} else {
		report.PrintTable(stdout)
		if o.Op == OpOutputs {
			report.PrintOutputs(stdout)
		}
	}
	if o.Op == OpUp || o.Op == OpOutputs {
		written, err := WriteHandouts(o.Handouts, targets, report)
		if err != nil {
			fmt.Fprintf(stderr, "attendees: handouts: %v\n", err)
			return ExitFailed
		}
		if len(written) > 0 {
			fmt.Fprintf(stderr, "handouts: %d files in %s\n", len(written), o.Handouts)
		}
	}
	if report.Failed() > 0 || report.Cancelled {
		return ExitFailed
	}
	return ExitOK
}
