package attendees

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestRunnerNeverExceedsTheBound(t *testing.T) {
	for _, parallel := range []int{1, 3, 8} {
		t.Run(fmt.Sprintf("parallel %d", parallel), func(t *testing.T) {
			e := newFakeEngine()
			targets := targetsOf(t, roster(t, 12, TopologyPerAttendee))
			for _, tg := range targets {
				e.scripts[tg.Stack()] = &script{delay: 20 * time.Millisecond}
			}
			report, err := newRunner(e, parallel).Run(context.Background(), OpUp, targets)
			if err != nil {
				t.Fatal(err)
			}
			if e.peak != parallel {
				t.Errorf("%d stacks ran at once at the peak; want exactly the bound %d", e.peak, parallel)
			}
			if e.openPeak != 1 {
				t.Errorf("%d stacks were opened at once; stack creation and selection must be one at a time", e.openPeak)
			}
			if e.plugins != 1 {
				t.Errorf("plugins installed %d times; want once", e.plugins)
			}
			if first := e.index("up a00"); e.index("plugins") > first {
				t.Errorf("plugins installed after the first update began: %v", e.log)
			}
			if n := report.Failed(); n != 0 {
				t.Errorf("%d stacks failed: %+v", n, report.Results)
			}
		})
	}
}

func TestRunnerIsolatesFailures(t *testing.T) {
	e := newFakeEngine()
	targets := targetsOf(t, roster(t, 5, TopologyPerAttendee))
	e.scripts["a01"] = &script{fail: []error{errors.New("creating VPC: VpcLimitExceeded")}}
	e.scripts["a03"] = &script{delay: 30 * time.Millisecond}
	report, err := newRunner(e, 2).Run(context.Background(), OpUp, targets)
	if err != nil {
		t.Fatal(err)
	}
	got := resultsByStack(report)
	for _, name := range []string{"a00", "a02", "a03", "a04"} {
		if got[name].Result != ResultOK {
			t.Errorf("%s: %s (%s); one attendee's failure must not stop the others", name, got[name].Result, got[name].Error)
		}
	}
	if got["a01"].Result != ResultFailed || !strings.Contains(got["a01"].Error, "VpcLimitExceeded") {
		t.Errorf("a01: %+v; want failed with its error", got["a01"])
	}
	if got["a01"].Attempts != 1 {
		t.Errorf("a01 tried %d times; a quota error is not transient", got["a01"].Attempts)
	}
}

func TestRunnerRetriesTransientFailures(t *testing.T) {
	locked := errors.New("error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.")
	throttled := errors.New("creating IAM Role: operation error IAM: CreateRole, api error Throttling: Rate exceeded")
	cases := []struct {
		name     string
		fail     []error
		result   string
		attempts int
	}{
		{"locked once", []error{locked}, ResultOK, 2},
		{"throttled twice", []error{throttled, throttled}, ResultOK, 3},
		{"throttled beyond the attempts", []error{throttled, throttled, throttled, nil}, ResultFailed, 3},
		{"permanent", []error{errors.New("invalid config")}, ResultFailed, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newFakeEngine()
			targets := targetsOf(t, roster(t, 1, TopologyPerAttendee))
			e.scripts["a00"] = &script{fail: c.fail}
			report, err := newRunner(e, 1).Run(context.Background(), OpUp, targets)
			if err != nil {
				t.Fatal(err)
			}
			res := report.Results[0]
			if res.Result != c.result || res.Attempts != c.attempts {
				t.Errorf("got %s after %d attempts (%s); want %s after %d", res.Result, res.Attempts, res.Error, c.result, c.attempts)
			}
		})
	}
}

func TestRunnerResumeIsANoOpForFinishedStacks(t *testing.T) {
	e := newFakeEngine()
	r := roster(t, 4, TopologyPerAttendee)
	targets := targetsOf(t, r)
	e.scripts["a02"] = &script{fail: []error{errors.New("creating EKS cluster: boom")}}
	first, _ := newRunner(e, 4).Run(context.Background(), OpUp, targets)
	if got := resultsByStack(first)["a02"].Result; got != ResultFailed {
		t.Fatalf("a02 on the first run: %s; the test needs it to fail", got)
	}

	second, _ := newRunner(e, 4).Run(context.Background(), OpUp, targets)
	got := resultsByStack(second)
	for _, name := range []string{"a00", "a01", "a03"} {
		if got[name].Result != ResultUnchanged || e.calls("up", name) != 1 {
			t.Errorf("%s: %s after %d updates; a stack already up to date must not run again", name, got[name].Result, e.calls("up", name))
		}
		if got[name].SpinnakerTunnel != "tunnel "+name {
			t.Errorf("%s: tunnel %q; an unchanged stack still reports its outputs", name, got[name].SpinnakerTunnel)
		}
	}
	if got["a02"].Result != ResultOK || e.calls("up", "a02") != 2 {
		t.Errorf("a02: %s after %d updates; the failed stack must run again", got["a02"].Result, e.calls("up", "a02"))
	}

	t.Run("changed config runs again", func(t *testing.T) {
		changed := targetsOf(t, r)
		changed[1].Config[keyAppCidr] = "10.9.0.0/16"
		third, _ := newRunner(e, 4).Run(context.Background(), OpUp, changed)
		if res := resultsByStack(third)["a01"]; res.Result != ResultOK || e.calls("up", "a01") != 2 {
			t.Errorf("a01: %s after %d updates; a config change must update the stack", res.Result, e.calls("up", "a01"))
		}
	})
	t.Run("force runs everything", func(t *testing.T) {
		rn := newRunner(e, 4)
		rn.Force = true
		report, _ := rn.Run(context.Background(), OpUp, targets)
		for _, res := range report.Results {
			if res.Result != ResultOK {
				t.Errorf("%s: %s; --force runs every stack", res.Stack, res.Result)
			}
		}
	})
}

func TestRunnerOrdersThePlatform(t *testing.T) {
	targets := targetsOf(t, roster(t, 3, TopologyShared))
	if !targets[0].Platform || targets[1].PlatformStack != "platform" {
		t.Fatalf("the shared roster should have the platform first and attendees reading it: %+v", targets[:2])
	}
	t.Run("up: platform first", func(t *testing.T) {
		e := newFakeEngine()
		e.scripts["platform"] = &script{delay: 20 * time.Millisecond}
		report, _ := newRunner(e, 4).Run(context.Background(), OpUp, targets)
		done := e.index("done up platform")
		for _, a := range []string{"a00", "a01", "a02"} {
			if start := e.index("up " + a); start < done {
				t.Errorf("%s started (log %d) before the platform was up (log %d): %v", a, start, done, e.log)
			}
		}
		if report.Failed() != 0 {
			t.Errorf("failures: %+v", report.Results)
		}
	})
	t.Run("down: platform last", func(t *testing.T) {
		e := newFakeEngine()
		for _, tg := range targets {
			e.existing(tg.Stack(), 3)
		}
		e.scripts["a01"] = &script{delay: 20 * time.Millisecond}
		report, _ := newRunner(e, 4).Run(context.Background(), OpDown, targets)
		if report.Failed() != 0 || len(e.stacks) != 0 {
			t.Fatalf("down left %d stacks: %+v", len(e.stacks), report.Results)
		}
		start := e.index("destroy platform")
		for _, a := range []string{"a00", "a01", "a02"} {
			if done := e.index("done destroy " + a); done > start {
				t.Errorf("the platform went down (log %d) before %s was (log %d): %v", start, a, done, e.log)
			}
		}
	})
	t.Run("up: a failed platform holds the attendees back", func(t *testing.T) {
		e := newFakeEngine()
		e.scripts["platform"] = &script{fail: []error{errors.New("creating EKS cluster: boom")}}
		report, _ := newRunner(e, 4).Run(context.Background(), OpUp, targets)
		for _, res := range report.Results[1:] {
			if res.Result != ResultSkipped || e.calls("up", res.Stack) != 0 {
				t.Errorf("%s: %s; attendees must not come up without their platform", res.Stack, res.Result)
			}
		}
	})
	t.Run("down: an attendee still up keeps the platform", func(t *testing.T) {
		e := newFakeEngine()
		for _, tg := range targets {
			e.existing(tg.Stack(), 3)
		}
		e.scripts["a02"] = &script{fail: []error{errors.New("deleting VPC: DependencyViolation")}}
		report, _ := newRunner(e, 4).Run(context.Background(), OpDown, targets)
		if p := report.Results[0]; p.Result != ResultSkipped || e.calls("destroy", "platform") != 0 {
			t.Errorf("platform: %s; it must stay while an attendee stack reads it", p.Result)
		}
	})
}

func TestRunnerCancellation(t *testing.T) {
	e := newFakeEngine()
	targets := targetsOf(t, roster(t, 6, TopologyPerAttendee))
	for _, tg := range targets {
		e.scripts[tg.Stack()] = &script{delay: time.Minute}
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for e.calls("up", "a01") == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	report, err := newRunner(e, 2).Run(ctx, OpUp, targets)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("the run took %s after the interrupt; in-flight operations must stop", time.Since(start))
	}
	got := resultsByStack(report)
	for _, name := range []string{"a00", "a01"} {
		if got[name].Result != ResultCancelled || got[name].Phase != PhaseUpdating {
			t.Errorf("%s: %s while %q; want cancelled while updating", name, got[name].Result, got[name].Phase)
		}
	}
	for _, name := range []string{"a02", "a03", "a04", "a05"} {
		if got[name].Result != ResultNotStarted || e.calls("up", name) != 0 {
			t.Errorf("%s: %s after %d updates; nothing new may start after an interrupt", name, got[name].Result, e.calls("up", name))
		}
	}
	if !report.Cancelled {
		t.Error("the report does not say the run was interrupted")
	}
	var out bytes.Buffer
	report.PrintStates(&out)
	for _, want := range []string{"a00", "cancelled while updating", "a05", "not started"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the states printed after an interrupt lack %q:\n%s", want, out.String())
		}
	}
}

func TestRunnerTouchesOnlyTheRoster(t *testing.T) {
	e := newFakeEngine()
	e.existing("dev", 120)
	e.existing("a00", 3)
	targets := targetsOf(t, roster(t, 2, TopologyPerAttendee))
	report, err := newRunner(e, 2).Run(context.Background(), OpDown, targets)
	if err != nil {
		t.Fatal(err)
	}
	if e.index("open dev") >= 0 || e.calls("destroy", "dev") != 0 || e.stacks["dev"] == nil {
		t.Errorf("down touched dev, which the roster does not name: %v", e.log)
	}
	if len(report.Unlisted) != 1 || report.Unlisted[0] != "dev" {
		t.Errorf("unlisted: %v; want [dev] reported as left alone", report.Unlisted)
	}
	got := resultsByStack(report)
	if got["a00"].Result != ResultOK || e.stacks["a00"] != nil {
		t.Errorf("a00: %s; down destroys and removes the stack", got["a00"].Result)
	}
	if got["a01"].Result != ResultAbsent || e.index("open a01") >= 0 {
		t.Errorf("a01: %s; a stack that does not exist is absent, and is not created by down", got["a01"].Result)
	}
}

func TestRunnerStatusCreatesNothing(t *testing.T) {
	e := newFakeEngine()
	e.existing("a00", 3).outputs = Outputs{"spinnakerTunnel": {Value: "tunnel a00"}}
	targets := targetsOf(t, roster(t, 2, TopologyPerAttendee))
	report, _ := newRunner(e, 2).Run(context.Background(), OpStatus, targets)
	got := resultsByStack(report)
	if got["a00"].Result != ResultOK || got["a00"].Resources != 3 || got["a00"].LastUpdate == nil {
		t.Errorf("a00: %+v; want its resources and last update", got["a00"])
	}
	if got["a01"].Result != ResultAbsent || e.stacks["a01"] != nil {
		t.Errorf("a01: %s; status must not create stacks", got["a01"].Result)
	}
	if e.plugins != 0 {
		t.Error("status installed plugins; it runs no program")
	}
}
