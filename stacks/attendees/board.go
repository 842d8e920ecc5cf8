package attendees

import (
	"sync"
	"time"
)

// Phases a stack goes through in a run.
const (
	PhaseQueued      = "queued"
	PhaseOpening     = "opening"
	PhaseConfiguring = "configuring"
	PhasePreviewing  = "previewing"
	PhaseUpdating    = "updating"
	PhaseDestroying  = "destroying"
	PhaseRemoving    = "removing"
	PhaseReading     = "reading outputs"
	PhaseRetrying    = "retrying"
	PhaseDone        = "done"
)

// Row is one stack's line in the live view.
type Row struct {
	Stack    string
	Phase    string
	Done     int // resources the engine finished
	Seen     int // resources the engine started
	Total    int // expected resources; 0 when unknown
	Attempt  int
	Elapsed  time.Duration
	Result   string // set when the stack is finished
	finished bool
	start    time.Time
	end      time.Time
}

// Board is the live state of every stack of a run; the runner writes it,
// the view reads snapshots of it.
type Board struct {
	mu    sync.Mutex
	rows  []*Row
	index map[string]*Row
	now   func() time.Time
}

// NewBoard has a queued row per target, in roster order.
func NewBoard(targets []Target, now func() time.Time) *Board {
	if now == nil {
		now = time.Now
	}
	b := &Board{index: map[string]*Row{}, now: now}
	for _, t := range targets {
		r := &Row{Stack: t.Stack(), Phase: PhaseQueued}
		b.rows = append(b.rows, r)
		b.index[r.Stack] = r
	}
	return b
}

func (b *Board) update(stack string, f func(*Row)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if r := b.index[stack]; r != nil {
		f(r)
	}
}

// Phase moves a stack to a phase; the clock starts at the first one.
func (b *Board) Phase(stack, phase string) {
	b.update(stack, func(r *Row) {
		if r.start.IsZero() {
			r.start = b.now()
		}
		r.Phase = phase
	})
}

// Attempt records which try of the operation is running.
func (b *Board) Attempt(stack string, n int) { b.update(stack, func(r *Row) { r.Attempt = n }) }

// Expect sets how many resources the operation is expected to touch.
func (b *Board) Expect(stack string, total int) { b.update(stack, func(r *Row) { r.Total = total }) }

// Event counts an engine event.
func (b *Board) Event(stack string, e Event) {
	b.update(stack, func(r *Row) {
		switch e.Kind {
		case ResourceStarted:
			r.Seen++
		case ResourceDone, ResourceFailed:
			r.Done++
		}
	})
}

// Finish stops a stack's clock with its result.
func (b *Board) Finish(stack, result string) {
	b.update(stack, func(r *Row) {
		r.Result, r.finished, r.end = result, true, b.now()
		if r.start.IsZero() {
			r.start = r.end
		}
	})
}

// Restart reopens a finished stack's row for another operation; its clock
// goes on from the first.
func (b *Board) Restart(stack string) {
	b.update(stack, func(r *Row) {
		r.Result, r.finished, r.Done, r.Seen, r.Total, r.Phase = "", false, 0, 0, 0, PhaseQueued
	})
}

// Snapshot copies every row, with elapsed times as of now.
func (b *Board) Snapshot() []Row {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	out := make([]Row, len(b.rows))
	for i, r := range b.rows {
		out[i] = *r
		switch {
		case r.start.IsZero():
		case r.finished:
			out[i].Elapsed = r.end.Sub(r.start)
		default:
			out[i].Elapsed = now.Sub(r.start)
		}
	}
	return out
}
