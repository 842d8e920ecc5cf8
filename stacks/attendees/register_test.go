package attendees

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestRunnerRegistersAttendeesWithThePlatform: the platform's Spinnaker
// makes each attendee's account and pipelines from that attendee stack's
// outputs, so once the attendees are up the platform comes up again with
// them listed; a run that changes nothing does not.
func TestRunnerRegistersAttendeesWithThePlatform(t *testing.T) {
	r := roster(t, 3, TopologyShared)
	e := newFakeEngine()
	report, err := newRunner(e, 4).Run(context.Background(), OpUp, targetsOn(t, r, e))
	if err != nil || report.Failed() != 0 {
		t.Fatalf("up: %v %+v", err, report.Results)
	}
	if n := e.calls("up", "platform"); n != 2 {
		t.Fatalf("the platform came up %d times; want twice, before and after its attendees", n)
	}
	if got := e.stacks["platform"].config[keyAttendeeStacks]; got != `["a00","a01","a02"]` {
		t.Errorf("the platform serves %s; want every attendee", got)
	}
	last := -1
	for i, entry := range e.log {
		if entry == "up platform" {
			last = i
		}
	}
	for _, a := range []string{"a00", "a01", "a02"} {
		if done := e.index("done up " + a); done > last {
			t.Errorf("the platform registered its attendees (log %d) before %s was up (log %d): %v", last, a, done, e.log)
		}
	}
	again, _ := newRunner(e, 4).Run(context.Background(), OpUp, targetsOn(t, r, e))
	for _, res := range again.Results {
		if res.Result != ResultUnchanged {
			t.Errorf("second up: %s %s; want unchanged", res.Stack, res.Result)
		}
	}
	if n := e.calls("up", "platform"); n != 2 {
		t.Errorf("a second up brought the platform up again (%d updates in all)", n)
	}
}

// TestRunnerRegistersOnlyAttendeesThatAreUp: a StackReference to a stack
// that never finished an update fails the platform's update, so an
// attendee that failed is left out and the others are served.
func TestRunnerRegistersOnlyAttendeesThatAreUp(t *testing.T) {
	r := roster(t, 3, TopologyShared)
	e := newFakeEngine()
	e.scripts["a01"] = &script{fail: []error{errors.New("creating EKS cluster: boom")}}
	report, _ := newRunner(e, 4).Run(context.Background(), OpUp, targetsOn(t, r, e))
	got := resultsByStack(report)
	if got["a01"].Result != ResultFailed || got["platform"].Result != ResultOK {
		t.Fatalf("a01 %s, platform %s", got["a01"].Result, got["platform"].Result)
	}
	if served := e.stacks["platform"].config[keyAttendeeStacks]; served != `["a00","a02"]` {
		t.Errorf("the platform serves %s; want a00 and a02 only", served)
	}
}

// TestRoomNeedsOneAccountAndRegion: attendee stacks upload to the
// platform's bucket and are named in its clouddriver's policy by ARN in
// the platform's account and region.
func TestRoomNeedsOneAccountAndRegion(t *testing.T) {
	_, err := ParseRoster("r.yaml", []byte(`
topology: shared
defaults: {region: ap-northeast-2}
platform: {name: platform, account: "111111111111"}
attendees:
  - {name: alice, email: alice@example.com, account: "111111111111"}
  - {name: bob, email: bob@example.com, account: "222222222222"}
  - {name: carol, email: carol@example.com, account: "111111111111", region: us-west-2}
`))
	for _, want := range []string{"attendee 2 (bob): account: 222222222222 is not the platform's account 111111111111", "attendee 3 (carol): region: us-west-2 is not the platform's region"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in %v", want, err)
		}
	}
	if err != nil && strings.Contains(err.Error(), "alice") {
		t.Errorf("alice is in the platform's account and region: %v", err)
	}
}
