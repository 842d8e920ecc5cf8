package attendees

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseArgsRejectsBadFlags(t *testing.T) {
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", "x")
	t.Setenv("PULUMI_BACKEND_URL", "file:///tmp/state")
	base := []string{"--roster", "r.yaml", "--pulumi", "/bin/true"}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", nil, "expected a subcommand"},
		{"unknown subcommand", []string{"destroy"}, `"destroy" is not a subcommand`},
		{"no roster", []string{"up", "--pulumi", "/bin/true"}, "--roster is required"},
		{"bad parallel", append([]string{"up", "--parallel", "0"}, base...), "--parallel 0: expected at least 1"},
		{"stray argument", append([]string{"up", "alice"}, base...), `unexpected argument "alice"`},
		{"no backend", append([]string{"up", "--backend", ""}, base...), "--backend is not set"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseArgs(c.args)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v; want an error with %q", err, c.want)
			}
		})
	}
	t.Run("no passphrase", func(t *testing.T) {
		t.Setenv("PULUMI_CONFIG_PASSPHRASE", "")
		_, err := ParseArgs(append([]string{"up"}, base...))
		if err == nil || !strings.Contains(err.Error(), "needs PULUMI_CONFIG_PASSPHRASE") {
			t.Errorf("got %v; want the passphrase named before anything is created", err)
		}
	})
	t.Run("defaults", func(t *testing.T) {
		o, err := ParseArgs(append([]string{"status", "--stack", "alice"}, base...))
		if err != nil {
			t.Fatal(err)
		}
		if o.Op != OpStatus || o.Parallel != 4 || o.StateDir != ".attendees" || o.Handouts != filepath.Join(".attendees", "handouts") || o.Stacks[0] != "alice" {
			t.Errorf("options %+v", o)
		}
	})
}

func TestRunWritesTableJSONAndHandouts(t *testing.T) {
	r, err := ParseRoster("r.yaml", []byte(soloRoster))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	e := newFakeEngine()
	d := Deps{Engine: e, ProgramID: "p", Retry: &Retry{Attempts: 1, Sleep: noSleep},
		Show: func(_ *Board, _ string, done <-chan struct{}) { <-done }}
	o := Options{Op: OpUp, Parallel: 2, StateDir: dir, Handouts: filepath.Join(dir, "handouts")}
	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), d, o, r, &stdout, &stderr); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"ATTENDEE", "alice", "ok", "+3", "tunnel alice", "up: 1 stacks, 0 not as asked"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, stdout.String())
		}
	}
	for _, name := range []string{"alice.md", "alice.html"} {
		fi, err := os.Stat(filepath.Join(dir, "handouts", name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s is %v; handouts hold a password and must be the owner's only", name, fi.Mode().Perm())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "logs", "alice.log")); err != nil {
		t.Errorf("no log file for alice: %v", err)
	}

	t.Run("json", func(t *testing.T) {
		stdout.Reset()
		o := o
		o.Op, o.JSON = OpOutputs, true
		if code := Run(context.Background(), d, o, r, &stdout, &stderr); code != ExitOK {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		var got struct {
			Op      string `json:"op"`
			Results []struct {
				Stack   string         `json:"stack"`
				Result  string         `json:"result"`
				Outputs map[string]any `json:"outputs"`
			} `json:"results"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
			t.Fatalf("%v:\n%s", err, stdout.String())
		}
		if got.Op != "outputs" || got.Results[0].Result != ResultOK || got.Results[0].Outputs["spinnakerTunnel"] != "tunnel alice" {
			t.Errorf("JSON %+v", got)
		}
	})
}

func TestRunStopsOnPreflightBeforeCreatingAnything(t *testing.T) {
	r, err := ParseRoster("r.yaml", []byte(soloRoster))
	if err != nil {
		t.Fatal(err)
	}
	e := newFakeEngine()
	cloud := &fakeCloud{account: "111111111111", quotas: defaultQuotas(), usage: Count{VPCs: 4}, vcpus: map[string]int{"t3.small": 2, "m5.xlarge": 4}}
	d := Deps{Engine: e, Preflight: &Preflight{
		Connect: func(context.Context, Member) (Cloud, error) { return cloud, nil },
		Needs:   func(Target) (Needs, error) { return fullStack, nil },
	}}
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), d, Options{Op: OpUp, Parallel: 1, StateDir: t.TempDir()}, r, &stdout, &stderr)
	if code != ExitFailed || len(e.stacks) != 0 || e.index("open alice") >= 0 {
		t.Errorf("exit %d, stacks %v; a room that does not fit must stop before any stack is opened", code, e.stacks)
	}
	if !strings.Contains(stderr.String(), "L-F678F1CE") {
		t.Errorf("stderr lacks the VPC quota code:\n%s", stderr.String())
	}
}

func TestLiveViewAndPlainLines(t *testing.T) {
	targets := targetsOf(t, roster(t, 2, TopologyPerAttendee))
	now := time.Unix(0, 0)
	board := NewBoard(targets, func() time.Time { return now })
	board.Phase("a00", PhaseUpdating)
	board.Expect("a00", 40)
	for range 10 {
		board.Event("a00", Event{Kind: ResourceDone})
	}
	now = now.Add(95 * time.Second)
	view := renderRows("up: 2 stacks", board.Snapshot())
	for _, want := range []string{"a00", "updating", "[#####...............]", "10/40", "1m35s", "a01", "queued"} {
		if !strings.Contains(view, want) {
			t.Errorf("the live view lacks %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, "\x1b[") {
		t.Errorf("the view has escape codes of its own; Bubble Tea draws it:\n%q", view)
	}

	var out bytes.Buffer
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() { plainLines(&out, board, done, time.Millisecond); close(finished) }()
	time.Sleep(20 * time.Millisecond)
	board.Finish("a00", ResultOK)
	close(done)
	<-finished
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[2], "a00") || !strings.Contains(lines[2], " ok ") {
		t.Errorf("plain output prints a line per change, got:\n%s", out.String())
	}
}
