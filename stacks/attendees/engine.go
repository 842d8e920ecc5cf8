package attendees

import (
	"context"
	"errors"
	"io"
	"time"
)

// Engine is what the runner needs of Pulumi: the Automation API in the
// command (AutoEngine), a fake in tests.
type Engine interface {
	// Stacks lists the project's stacks on the backend.
	Stacks(ctx context.Context) ([]StackInfo, error)
	// ExistingConfig is the config a stack was last given, if it was.
	ExistingConfig(stack string) map[string]string
	// InstallPlugins resolves every provider plugin the program needs; the
	// runner calls it once, before stacks run in parallel.
	InstallPlugins(ctx context.Context) error
	// Open creates (create) or selects the target's stack. The runner opens
	// one stack at a time. A stack that does not exist and is not to be
	// created is ErrNoStack.
	Open(ctx context.Context, t Target, create bool) (Stack, error)
}

// ErrNoStack is a stack the backend does not have.
var ErrNoStack = errors.New("no such stack")

// Stack is one opened stack; its operations may run in parallel with other
// stacks' operations.
type Stack interface {
	// Configure replaces the stack's config with cfg.
	Configure(ctx context.Context, cfg map[string]string) error
	Preview(ctx context.Context, w Watch) (Changes, error)
	Up(ctx context.Context, w Watch) (Changes, Outputs, error)
	Destroy(ctx context.Context, w Watch) (Changes, error)
	// Remove deletes the (empty) stack from the backend.
	Remove(ctx context.Context) error
	Outputs(ctx context.Context) (Outputs, error)
	LastUpdate(ctx context.Context) (Update, error)
	// Fingerprint is what the stack was last brought up to date with; ""
	// when unknown. SetFingerprint("") forgets it.
	Fingerprint(ctx context.Context) (string, error)
	SetFingerprint(ctx context.Context, fp string) error
}

// StackInfo is one stack of the backend.
type StackInfo struct {
	Name             string
	Resources        int
	LastUpdate       time.Time
	UpdateInProgress bool
}

// Watch receives one operation's engine events and its log.
type Watch struct {
	Event func(Event)
	Log   io.Writer
}

// EventKind is what an engine event says about a resource.
type EventKind int

// Kinds of events the progress view counts.
const (
	ResourceStarted EventKind = iota
	ResourceDone
	ResourceFailed
)

// Event is one engine event, reduced to what the progress view shows.
type Event struct {
	Kind EventKind
	URN  string
	// Op is the step: create, update, same, delete, replace, ...
	Op string
}

// Changes counts an operation's steps by kind (create, same, delete, ...).
type Changes map[string]int

// Outputs are a stack's outputs.
type Outputs map[string]Output

// Output is one stack output; secrets are revealed only where asked for.
type Output struct {
	Value  any
	Secret bool
}

// Update is the stack's last update.
type Update struct {
	Kind   string // update, destroy, ...
	Result string // succeeded, failed, in-progress
	End    time.Time
}
