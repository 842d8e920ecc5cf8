package attendees

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// do is one try of the operation on one stack.
func (rn *run) do(ctx context.Context, t Target, st Stack, res *Result, w Watch) error {
	switch rn.op {
	case OpPreview:
		return rn.preview(ctx, t, st, res, w)
	case OpUp:
		return rn.up(ctx, t, st, res, w)
	case OpStatus:
		return rn.status(ctx, t, st, res)
	case OpOutputs:
		return rn.outputs(ctx, t, st, res)
	case OpDown:
		return rn.down(ctx, t, st, res, w)
	}
	return fmt.Errorf("unknown operation %q", rn.op)
}

func (rn *run) preview(ctx context.Context, t Target, st Stack, res *Result, w Watch) error {
	rn.phase(t, PhaseConfiguring)
	if err := st.Configure(ctx, t.Config); err != nil {
		return fmt.Errorf("setting config: %w", err)
	}
	rn.phase(t, PhasePreviewing)
	rn.Board.Expect(t.Stack(), rn.expected(t))
	changes, err := st.Preview(ctx, w)
	res.Changes = changes
	return err
}

// up brings the stack up to date, unless it already is: the fingerprint of
// its config and the program, set only after a successful update and
// cleared before any other, says so without running the engine.
func (rn *run) up(ctx context.Context, t Target, st Stack, res *Result, w Watch) error {
	fp := fingerprint(rn.ProgramID, t.Config)
	if !rn.Force {
		current, err := st.Fingerprint(ctx)
		if err != nil {
			return fmt.Errorf("reading the stack's fingerprint: %w", err)
		}
		if current == fp {
			res.Result = ResultUnchanged
			return rn.outputs(ctx, t, st, res)
		}
	}
	rn.phase(t, PhaseConfiguring)
	if err := st.SetFingerprint(ctx, ""); err != nil {
		return fmt.Errorf("clearing the stack's fingerprint: %w", err)
	}
	if err := st.Configure(ctx, t.Config); err != nil {
		return fmt.Errorf("setting config: %w", err)
	}
	rn.phase(t, PhaseUpdating)
	rn.Board.Expect(t.Stack(), rn.expected(t))
	changes, outs, err := st.Up(ctx, w)
	res.Changes = changes
	if err != nil {
		return err
	}
	if err := st.SetFingerprint(ctx, fp); err != nil {
		return fmt.Errorf("recording the stack's fingerprint: %w", err)
	}
	rn.links(ctx, t, res, outs)
	return nil
}

func (rn *run) status(ctx context.Context, t Target, st Stack, res *Result) error {
	rn.phase(t, PhaseReading)
	u, err := st.LastUpdate(ctx)
	if err != nil {
		return fmt.Errorf("reading the last update: %w", err)
	}
	res.LastUpdate = &u
	res.Resources = rn.infos[t.Stack()].Resources
	outs, err := st.Outputs(ctx)
	if err != nil {
		return fmt.Errorf("reading outputs: %w", err)
	}
	rn.links(ctx, t, res, outs)
	return nil
}

func (rn *run) outputs(ctx context.Context, t Target, st Stack, res *Result) error {
	rn.phase(t, PhaseReading)
	outs, err := st.Outputs(ctx)
	if err != nil {
		return fmt.Errorf("reading outputs: %w", err)
	}
	rn.links(ctx, t, res, outs)
	return nil
}

func (rn *run) down(ctx context.Context, t Target, st Stack, res *Result, w Watch) error {
	rn.phase(t, PhaseDestroying)
	if err := st.SetFingerprint(ctx, ""); err != nil {
		return fmt.Errorf("clearing the stack's fingerprint: %w", err)
	}
	rn.Board.Expect(t.Stack(), rn.infos[t.Stack()].Resources)
	changes, err := st.Destroy(ctx, w)
	res.Changes = changes
	if err != nil {
		return err
	}
	rn.phase(t, PhaseRemoving)
	return st.Remove(ctx)
}

// expected is how many resources the stack will hold: what it holds now,
// or the estimate for a new one.
func (rn *run) expected(t Target) int {
	if n := rn.infos[t.Stack()].Resources; n > 0 {
		return n
	}
	if rn.Estimate != nil {
		return rn.Estimate(t)
	}
	return 0
}

func (rn *run) links(ctx context.Context, t Target, res *Result, outs Outputs) {
	res.Outputs = outs
	if s, ok := outs["spinnakerTunnel"].Value.(string); ok {
		res.SpinnakerTunnel = s
	}
	if rn.AppURL != nil {
		res.AppURL = rn.AppURL(ctx, t, outs)
	}
}

// fingerprint identifies a stack's desired state: the program build and
// every config value.
func fingerprint(programID string, config map[string]string) string {
	b, _ := json.Marshal(config) // map keys marshal sorted
	h := sha256.New()
	h.Write([]byte(programID))
	h.Write([]byte{0})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}
