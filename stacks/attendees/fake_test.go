package attendees

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeEngine is a backend of stacks in memory; every operation takes the
// scripted time and may fail as scripted, and the engine records what ran,
// in what order and how many at once.
type fakeEngine struct {
	mu       sync.Mutex
	stacks   map[string]*fakeStack
	scripts  map[string]*script
	log      []string // "open alice", "up alice", "done up alice", ...
	running  int
	peak     int
	opening  int
	openPeak int
	plugins  int
	ops      map[string]int // "up alice" -> calls
}

// script is how one stack's operations behave.
type script struct {
	delay time.Duration
	// fail are the errors of successive operation calls; nil entries succeed.
	fail []error
}

func newFakeEngine() *fakeEngine {
	return &fakeEngine{stacks: map[string]*fakeStack{}, scripts: map[string]*script{}, ops: map[string]int{}}
}

func (e *fakeEngine) record(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = append(e.log, s)
}

func (e *fakeEngine) index(entry string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, s := range e.log {
		if s == entry {
			return i
		}
	}
	return -1
}

func (e *fakeEngine) calls(op, stack string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ops[op+" "+stack]
}

// existing adds a stack to the backend as if a past run had brought it up.
func (e *fakeEngine) existing(name string, resources int) *fakeStack {
	st := &fakeStack{e: e, name: name, resources: resources, outputs: Outputs{}}
	e.stacks[name] = st
	return st
}

func (e *fakeEngine) Stacks(context.Context) ([]StackInfo, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []StackInfo
	for _, st := range e.stacks {
		out = append(out, StackInfo{Name: st.name, Resources: st.resources})
	}
	return out, nil
}

func (e *fakeEngine) ExistingConfig(stack string) map[string]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if st := e.stacks[stack]; st != nil {
		return st.config
	}
	return nil
}

func (e *fakeEngine) InstallPlugins(context.Context) error {
	e.mu.Lock()
	e.plugins++
	e.mu.Unlock()
	e.record("plugins")
	return nil
}

func (e *fakeEngine) Open(ctx context.Context, t Target, create bool) (Stack, error) {
	e.mu.Lock()
	e.opening++
	e.openPeak = max(e.openPeak, e.opening)
	e.mu.Unlock()
	defer func() { e.mu.Lock(); e.opening--; e.mu.Unlock() }()
	// Long enough that overlapping opens would show.
	time.Sleep(time.Millisecond)
	e.record("open " + t.Stack())
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.stacks[t.Stack()]
	if st == nil {
		if !create {
			return nil, ErrNoStack
		}
		st = &fakeStack{e: e, name: t.Stack(), outputs: Outputs{}}
		e.stacks[t.Stack()] = st
	}
	return st, nil
}

// fakeStack is one stack of the fake backend.
type fakeStack struct {
	e         *fakeEngine
	name      string
	resources int
	config    map[string]string
	fp        string
	outputs   Outputs
}

// operate runs one scripted operation: it counts toward the concurrency
// peak, takes the scripted time unless ctx ends, and fails as scripted.
func (s *fakeStack) operate(ctx context.Context, op string, w Watch) error {
	e := s.e
	e.mu.Lock()
	e.ops[op+" "+s.name]++
	e.running++
	e.peak = max(e.peak, e.running)
	sc := e.scripts[s.name]
	var fail error
	if sc != nil && len(sc.fail) > 0 {
		fail, sc.fail = sc.fail[0], sc.fail[1:]
	}
	delay := time.Millisecond
	if sc != nil && sc.delay > 0 {
		delay = sc.delay
	}
	e.mu.Unlock()
	e.record(op + " " + s.name)
	defer func() {
		e.mu.Lock()
		e.running--
		e.mu.Unlock()
		e.record("done " + op + " " + s.name)
	}()
	if w.Event != nil {
		w.Event(Event{Kind: ResourceStarted, URN: "urn:" + s.name})
	}
	select {
	case <-time.After(delay):
	case <-ctx.Done():
		return fmt.Errorf("%s interrupted: %w", op, ctx.Err())
	}
	if w.Event != nil {
		w.Event(Event{Kind: ResourceDone, URN: "urn:" + s.name})
	}
	return fail
}

func (s *fakeStack) Configure(_ context.Context, cfg map[string]string) error {
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	s.config = cfg
	return nil
}

func (s *fakeStack) Preview(ctx context.Context, w Watch) (Changes, error) {
	return Changes{"create": 3}, s.operate(ctx, "preview", w)
}

func (s *fakeStack) Up(ctx context.Context, w Watch) (Changes, Outputs, error) {
	if err := s.operate(ctx, "up", w); err != nil {
		return nil, nil, err
	}
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	s.resources = 3
	s.outputs = Outputs{"spinnakerTunnel": {Value: "tunnel " + s.name}}
	return Changes{"create": 3}, s.outputs, nil
}

func (s *fakeStack) Destroy(ctx context.Context, w Watch) (Changes, error) {
	if err := s.operate(ctx, "destroy", w); err != nil {
		return nil, err
	}
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	s.resources = 0
	return Changes{"delete": 3}, nil
}

func (s *fakeStack) Remove(context.Context) error {
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	delete(s.e.stacks, s.name)
	return nil
}

func (s *fakeStack) Outputs(context.Context) (Outputs, error) {
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	return s.outputs, nil
}

func (s *fakeStack) LastUpdate(context.Context) (Update, error) {
	return Update{Kind: "update", Result: "succeeded"}, nil
}

func (s *fakeStack) Fingerprint(context.Context) (string, error) {
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	return s.fp, nil
}

func (s *fakeStack) SetFingerprint(_ context.Context, fp string) error {
	s.e.mu.Lock()
	defer s.e.mu.Unlock()
	s.fp = fp
	return nil
}

// roster returns a valid roster of n attendees, each in an account of
// their own, in the given topology.
func roster(t testing.TB, n int, topology string) *Roster {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "topology: %s\ndefaults:\n  region: ap-northeast-2\nattendees:\n", topology)
	for i := range n {
		fmt.Fprintf(&b, "  - name: a%02d\n    email: a%02d@example.com\n    account: \"%012d\"\n", i, i, 100000000000+i)
	}
	r, err := ParseRoster("roster.yaml", []byte(b.String()))
	if err != nil {
		t.Fatalf("roster: %v", err)
	}
	return r
}

func targetsOf(t testing.TB, r *Roster) []Target {
	t.Helper()
	targets, err := r.Targets(nil, nil)
	if err != nil {
		t.Fatalf("targets: %v", err)
	}
	return targets
}

func noSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

func newRunner(e Engine, parallel int) *Runner {
	return &Runner{Engine: e, Parallel: parallel, ProgramID: "test-program",
		Retry: Retry{Attempts: 3, Base: time.Millisecond, Max: time.Millisecond, Sleep: noSleep}}
}

func resultsByStack(r *Report) map[string]Result {
	out := map[string]Result{}
	for _, res := range r.Results {
		out[res.Stack] = res
	}
	return out
}
