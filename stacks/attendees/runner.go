package attendees

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

// Op is what the runner does to every stack of the room.
type Op string

// Operations of the command.
const (
	OpPreview Op = "preview"
	OpUp      Op = "up"
	OpStatus  Op = "status"
	OpOutputs Op = "outputs"
	OpDown    Op = "down"
)

// Results of one stack.
const (
	ResultOK         = "ok"
	ResultUnchanged  = "unchanged"   // up: already up to date, nothing run
	ResultFailed     = "failed"      // tried, did not succeed
	ResultCancelled  = "cancelled"   // interrupted while running
	ResultNotStarted = "not started" // interrupted before it began
	ResultSkipped    = "skipped"     // a stack it depends on is not there
	ResultAbsent     = "absent"      // status, outputs, down: no such stack
)

// Runner drives one operation over every stack of a room: stacks opened one
// at a time, plugins installed once, then operations in parallel under a
// bound, each retried on transient failures and isolated from the others.
type Runner struct {
	Engine   Engine
	Parallel int
	Retry    Retry
	// ProgramID names the program build; with a stack's config it makes the
	// fingerprint that lets `up` skip a stack already up to date.
	ProgramID string
	// Force runs `up` even on stacks already up to date.
	Force bool
	Board *Board
	// Logs opens a stack's log file; nil discards the engine's output.
	Logs func(stack string) (io.WriteCloser, string, error)
	// AppURL finds a stack's app URL from its outputs; nil finds none.
	AppURL func(ctx context.Context, t Target, outs Outputs) string
	// Estimate guesses how many resources a new stack will have.
	Estimate func(t Target) int
	Now      func() time.Time
}

// run is one Run's state.
type run struct {
	*Runner
	op      Op
	results map[string]*Result
	infos   map[string]StackInfo
}

// Run applies op to every target and reports each stack's result. Only a
// failure that concerns every stack (listing stacks, installing plugins) is
// an error; cancelling ctx stops what runs, starts nothing new and reports
// where each stack was.
func (r *Runner) Run(ctx context.Context, op Op, targets []Target) (*Report, error) {
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Board == nil {
		r.Board = NewBoard(targets, r.Now)
	}
	start := r.Now()
	rn := &run{Runner: r, op: op, results: map[string]*Result{}, infos: map[string]StackInfo{}}
	report := &Report{Op: op}
	for _, t := range targets {
		rn.results[t.Stack()] = &Result{Stack: t.Stack(), Email: t.Email, Platform: t.Platform, Result: ResultNotStarted}
	}
	err := rn.execute(ctx, targets, report)
	for _, t := range targets {
		res := rn.results[t.Stack()]
		if res.Result == ResultNotStarted {
			r.Board.Finish(t.Stack(), res.Result)
		}
		report.Results = append(report.Results, *res)
	}
	report.Duration = r.Now().Sub(start)
	report.Cancelled = ctx.Err() != nil
	return report, err
}

func (rn *run) execute(ctx context.Context, targets []Target, report *Report) error {
	infos, err := rn.Engine.Stacks(ctx)
	if err != nil {
		return fmt.Errorf("listing the stacks on the backend: %w", err)
	}
	for _, info := range infos {
		rn.infos[info.Name] = info
		if !slices.ContainsFunc(targets, func(t Target) bool { return t.Stack() == info.Name }) {
			report.Unlisted = append(report.Unlisted, info.Name)
		}
	}
	if rn.op != OpStatus && rn.op != OpOutputs && len(targets) > 0 {
		if err := rn.Engine.InstallPlugins(ctx); err != nil {
			for _, t := range targets {
				rn.finish(ctx, t, rn.result(t), fmt.Errorf("installing plugins: %w", err))
			}
			return fmt.Errorf("installing the program's plugins: %w", err)
		}
	}
	for _, phase := range phases(rn.op, targets) {
		if ctx.Err() != nil {
			break
		}
		if reason := rn.blocked(phase); reason != "" {
			rn.skip(phase, reason)
			continue
		}
		rn.parallel(ctx, phase)
	}
	rn.register(ctx, targets)
	return nil
}

// register brings the shared platform up once more when the attendee
// stacks it serves changed: each attendee stack now up gets its Spinnaker
// account, application and pipelines, which the platform makes from that
// stack's outputs, so only after it is up.
func (rn *run) register(ctx context.Context, targets []Target) {
	i := slices.IndexFunc(targets, func(t Target) bool { return t.Platform })
	if rn.op != OpUp || i < 0 || ctx.Err() != nil {
		return
	}
	p := targets[i]
	res := rn.results[p.Stack()]
	if res.Result != ResultOK && res.Result != ResultUnchanged {
		return
	}
	served := rn.served(p, targets)
	if served == p.Config[keyAttendeeStacks] {
		return
	}
	p.Config = maps.Clone(p.Config)
	p.Config[keyAttendeeStacks] = served
	first := res.Duration
	res.Result = ResultNotStarted
	rn.Board.Restart(p.Stack())
	if st := rn.open(ctx, p); st != nil {
		rn.one(ctx, p, st)
	}
	res.Duration += first
}

// served are the attendee stacks the platform serves after this run: those
// it served before (each still exists), and every attendee stack now up.
func (rn *run) served(platform Target, targets []Target) string {
	served := servedIn(platform.Config)
	for _, t := range targets {
		if r := rn.results[t.Stack()].Result; !t.Platform && (r == ResultOK || r == ResultUnchanged) {
			served = append(served, t.Stack())
		}
	}
	return servedList(served)
}

// opened is a stack ready for its operation.
type opened struct {
	target Target
	stack  Stack
}

// openAll creates or selects the phase's stacks one at a time, since
// concurrent `stack select` and `stack init` race on the CLI's workspace
// files (pulumi/pulumi#8186, #6287), and hands each on as soon as it is
// open, so opening overlaps the operations already running and never
// waits for a free slot.
func (rn *run) openAll(ctx context.Context, phase []Target) <-chan opened {
	out := make(chan opened, len(phase))
	go func() {
		defer close(out)
		for _, t := range phase {
			if ctx.Err() != nil {
				return
			}
			st := rn.open(ctx, t)
			if st == nil {
				continue
			}
			select {
			case out <- opened{t, st}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// open opens one stack, or records why it cannot be.
func (rn *run) open(ctx context.Context, t Target) Stack {
	create := rn.op == OpUp || rn.op == OpPreview
	res := rn.result(t)
	if !create && !rn.exists(t) {
		res.Result = ResultAbsent
		rn.Board.Finish(t.Stack(), res.Result)
		return nil
	}
	rn.phase(t, PhaseOpening)
	var st Stack
	err := rn.retrying(ctx, t, func() (err error) {
		st, err = rn.Engine.Open(ctx, t, create)
		return err
	})
	switch {
	case errors.Is(err, ErrNoStack):
		res.Result = ResultAbsent
		rn.Board.Finish(t.Stack(), res.Result)
		return nil
	case err != nil:
		rn.finish(ctx, t, res, fmt.Errorf("opening the stack: %w", err))
		return nil
	}
	rn.phase(t, PhaseQueued)
	return st
}

func (rn *run) exists(t Target) bool {
	_, ok := rn.infos[t.Stack()]
	return ok
}

// phases orders the stacks: in the shared topology the platform comes up
// before the attendees, who read its outputs, and goes down after them.
func phases(op Op, targets []Target) [][]Target {
	var platform, attendees []Target
	for _, t := range targets {
		if t.Platform {
			platform = append(platform, t)
		} else {
			attendees = append(attendees, t)
		}
	}
	switch {
	case len(platform) == 0 || op == OpStatus || op == OpOutputs:
		return [][]Target{targets}
	case op == OpDown:
		return [][]Target{attendees, platform}
	}
	return [][]Target{platform, attendees}
}

// blocked says why a phase cannot run because of the phase before it.
func (rn *run) blocked(phase []Target) string {
	if len(phase) == 0 {
		return ""
	}
	switch {
	case rn.op == OpDown && phase[0].Platform:
		for _, res := range rn.results {
			if !res.Platform && res.Result != ResultOK && res.Result != ResultAbsent {
				return fmt.Sprintf("kept: attendee stack %s is not down (%s), and it reads the platform", res.Stack, res.Result)
			}
		}
	case (rn.op == OpUp || rn.op == OpPreview) && !phase[0].Platform && phase[0].PlatformStack != "":
		p := rn.results[phase[0].PlatformStack]
		if p == nil {
			return ""
		}
		if rn.op == OpUp && p.Result != ResultOK && p.Result != ResultUnchanged {
			return fmt.Sprintf("the platform stack %s is not up (%s); attendee stacks read its outputs", p.Stack, p.Result)
		}
		if rn.op == OpPreview && rn.infos[p.Stack].Resources == 0 {
			return fmt.Sprintf("the platform stack %s is not up yet; attendee previews read its outputs", p.Stack)
		}
	}
	return ""
}

func (rn *run) skip(phase []Target, reason string) {
	for _, t := range phase {
		res := rn.results[t.Stack()]
		if res.Result == ResultNotStarted {
			res.Result, res.Error = ResultSkipped, reason
			rn.Board.Finish(t.Stack(), res.Result)
		}
	}
}

// parallel runs the phase's stacks as they open, at most Parallel at a
// time; once ctx is cancelled no new stack starts.
func (rn *run) parallel(ctx context.Context, phase []Target) {
	slots := make(chan struct{}, max(rn.Parallel, 1))
	var wg sync.WaitGroup
	for o := range rn.openAll(ctx, phase) {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			rn.one(ctx, o.target, o.stack)
		}()
	}
	wg.Wait()
}

// one runs the operation on one stack, retrying transient failures; its
// failure is recorded and goes no further.
func (rn *run) one(ctx context.Context, t Target, st Stack) {
	res := rn.results[t.Stack()]
	start := rn.Now()
	log, path := rn.openLog(t)
	defer log.Close()
	res.Log = path
	fmt.Fprintf(log, "=== %s %s of %s\n", start.UTC().Format(time.RFC3339), rn.op, t.Stack())
	w := Watch{Log: log, Event: func(e Event) { rn.Board.Event(t.Stack(), e) }}
	err := rn.retrying(ctx, t, func() error { return rn.do(ctx, t, st, res, w) })
	res.Duration = rn.Now().Sub(start)
	if err != nil {
		fmt.Fprintf(log, "=== %s: %v\n", res.Phase, err)
	}
	rn.finish(ctx, t, res, err)
	fmt.Fprintf(log, "=== %s after %s\n", res.Result, res.Duration.Round(time.Second))
}

// retrying runs f until it succeeds, fails for good or ctx ends.
func (rn *run) retrying(ctx context.Context, t Target, f func() error) error {
	attempts := max(rn.Retry.Attempts, 1)
	for attempt := 1; ; attempt++ {
		rn.Board.Attempt(t.Stack(), attempt)
		rn.result(t).Attempts = attempt
		err := f()
		if err == nil || !Transient(err) || attempt >= attempts || ctx.Err() != nil {
			return err
		}
		rn.Board.Phase(t.Stack(), fmt.Sprintf("%s (%d/%d)", PhaseRetrying, attempt+1, attempts))
		if rn.Retry.sleep(ctx, rn.Retry.delay(attempt)) != nil {
			return err
		}
	}
}

func (rn *run) result(t Target) *Result { return rn.results[t.Stack()] }

// finish records how a stack ended; an error under a cancelled context is a
// cancellation, reported with the phase it interrupted.
func (rn *run) finish(ctx context.Context, t Target, res *Result, err error) {
	switch {
	case err == nil:
		if res.Result == ResultNotStarted {
			res.Result = ResultOK
		}
	case ctx.Err() != nil:
		res.Result = ResultCancelled
		res.Error = fmt.Sprintf("interrupted while %s", res.Phase)
	default:
		res.Result, res.Error = ResultFailed, err.Error()
	}
	rn.Board.Finish(t.Stack(), res.Result)
}

func (rn *run) openLog(t Target) (io.WriteCloser, string) {
	if rn.Logs != nil {
		if w, path, err := rn.Logs(t.Stack()); err == nil {
			return w, path
		}
	}
	return nopCloser{io.Discard}, ""
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// phase moves the stack to a phase on the board and in its result.
func (rn *run) phase(t Target, phase string) {
	rn.result(t).Phase = phase
	rn.Board.Phase(t.Stack(), phase)
}
