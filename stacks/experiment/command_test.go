package experiment

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestBadFlags(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no stack", nil, "--stack is required: expected the name of a deployed stack"},
		{"empty stack", []string{"--stack", ""}, "--stack is required"},
		{"empty template", []string{"--stack", "dev", "--template", ""}, "--template is empty: expected an experiment template"},
		{"timeout not a duration", []string{"--stack", "dev", "--timeout", "soon"}, `invalid value "soon" for flag -timeout: expected a positive duration`},
		{"negative timeout", []string{"--stack", "dev", "--timeout", "-1m"}, "flag -timeout: expected a positive duration"},
		{"zero poll", []string{"--stack", "dev", "--poll", "0s"}, "flag -poll: expected a positive duration"},
		{"poll beyond timeout", []string{"--stack", "dev", "--timeout", "1m", "--poll", "2m"}, "--poll 2m0s is longer than --timeout 1m0s"},
		{"availability above 1", []string{"--stack", "dev", "--min-availability", "1.5"}, "flag -min-availability: expected a number in (0,1]"},
		{"availability zero", []string{"--stack", "dev", "--min-availability", "0"}, "flag -min-availability: expected a number in (0,1]"},
		{"availability not a number", []string{"--stack", "dev", "--min-availability", "most"}, "flag -min-availability: expected a number in (0,1]"},
		{"missing cwd", []string{"--stack", "dev", "--cwd", "/does/not/exist"}, "--cwd /does/not/exist: expected an existing directory"},
		{"unknown flag", []string{"--stack", "dev", "--region", "us-east-1"}, "flag provided but not defined: -region"},
		{"positional argument", []string{"--stack", "dev", "now"}, `unexpected argument "now": expected flags only`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Command(context.Background(), c.args, &stdout, &stderr)
			if code != ExitUsage || !strings.Contains(stderr.String(), c.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, stderr.String(), c.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("printed a chart: %q", stdout.String())
			}
		})
	}
}

func TestFlagDefaults(t *testing.T) {
	o, err := ParseFlags([]string{"--stack", "dev"})
	want := Options{Stack: "dev", Template: "TerminateEKSNodes", Timeout: 20 * time.Minute, Poll: 15 * time.Second, MinAvailability: 0.95, Cwd: "."}
	if err != nil || o != want {
		t.Errorf("got %+v, %v; want %+v", o, err, want)
	}
	o, err = ParseFlags([]string{"--stack", "prod", "--template", "AZPowerInterruption", "--timeout", "15m", "--poll", "30s", "--min-availability", "1", "--cwd", t.TempDir()})
	if err != nil || o.Template != "AZPowerInterruption" || o.Timeout != 15*time.Minute || o.Poll != 30*time.Second || o.MinAvailability != 1 {
		t.Errorf("got %+v, %v", o, err)
	}
}

func TestHelp(t *testing.T) {
	var stdout bytes.Buffer
	if code := Command(context.Background(), []string{"-h"}, &stdout, &bytes.Buffer{}); code != ExitPass || !strings.Contains(stdout.String(), "-min-availability") {
		t.Errorf("exit %d, usage %q", code, stdout.String())
	}
}

func TestBadOutputs(t *testing.T) {
	chaos := func(o map[string]any) map[string]any { return o["chaos"].(map[string]any) }
	cases := []struct {
		name     string
		mutate   func(map[string]any)
		template string
		want     string
	}{
		{"no load balancer", func(o map[string]any) { delete(o, "appLoadBalancerName") }, "",
			"stack output appLoadBalancerName: missing; deploy the stack with workshop:yelb enabled"},
		{"no chaos", func(o map[string]any) { delete(o, "chaos") }, "",
			"stack output chaos: missing; deploy the stack with workshop:chaos enabled"},
		{"chaos not an object", func(o map[string]any) { o["chaos"] = "on" }, "",
			"stack output chaos: expected an object, got string"},
		{"no region", func(o map[string]any) { delete(chaos(o), "region") }, "",
			"stack output chaos.region: missing"},
		{"no templates", func(o map[string]any) { delete(chaos(o), "templates") }, "",
			"stack output chaos.templates: missing"},
		{"empty template id", func(o map[string]any) { chaos(o)["templates"].(map[string]any)["TerminateEKSNodes"] = "" }, "",
			"stack output chaos.templates.TerminateEKSNodes: missing; deploy the stack with workshop:chaos enabled"},
		{"template id not a string", func(o map[string]any) { chaos(o)["templates"].(map[string]any)["TerminateEKSNodes"] = 7.0 }, "",
			"stack output chaos.templates.TerminateEKSNodes: expected a string, got float64"},
		{"unknown template", func(map[string]any) {}, "Meteor",
			"--template Meteor: the stack has no such experiment template; expected one of AZPowerInterruption, AppServerPodDelete, TerminateEKSNodes"},
		{"no alarms", func(o map[string]any) { delete(chaos(o), "alarms") }, "",
			"stack output chaos.alarms: missing"},
		{"no node cpu alarm", func(o map[string]any) { delete(chaos(o)["alarms"].(map[string]any), "nodeCpu") }, "",
			"stack output chaos.alarms.nodeCpu: missing"},
		{"no steady-state alarm", func(o map[string]any) { chaos(o)["alarms"].(map[string]any)["steadyState"] = "" }, "",
			"stack output chaos.alarms.steadyState: missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			outputs := stackOutputs()
			c.mutate(outputs)
			o := options()
			if c.template != "" {
				o.Template = c.template
			}
			cl := &cloud{steps: []step{steady}}
			var stdout, stderr bytes.Buffer
			fo := &fakeOutputs{outputs: outputs}
			code := Execute(context.Background(), cl.deps(fo), o, &stdout, &stderr)
			if code != ExitUsage || !strings.Contains(stderr.String(), c.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, stderr.String(), c.want)
			}
			if fo.stack != "dev" {
				t.Errorf("read outputs of stack %q", fo.stack)
			}
			if cl.connectedTo != "" || cl.starts+cl.alarmReads+cl.probes != 0 {
				t.Errorf("AWS or the app was called before the outputs were valid")
			}
		})
	}
}

func TestChartShape(t *testing.T) {
	c := &cloud{steps: []step{steady, completed}}
	_, _, out, _ := execute(t, c, options())
	rows := []struct{ label, expected string }{
		{"", "Expected"},
		{RowSteady, "alarms OK, app answers"},
		{RowExperiment, "completed"},
		{RowStop, "not hit"},
		{RowAvailability, ">= 95% of probes"},
		{RowAlarms, "none in ALARM"},
		{RowAnomalies, "none"},
	}
	lines := strings.Split(out, "\n")
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "Expected") {
			start = i
		}
	}
	if start < 0 || start+len(rows) > len(lines) {
		t.Fatalf("no chart in:\n%s", out)
	}
	for i, r := range rows[1:] {
		cells := columns.Split(strings.TrimSpace(lines[start+1+i]), 3)
		if len(cells) != 3 || cells[0] != r.label || cells[1] != r.expected {
			t.Errorf("row %d = %q, want label %q, expected %q", i+1, cells, r.label, r.expected)
		}
	}
	if !strings.Contains(lines[start], "Observed") {
		t.Errorf("header %q", lines[start])
	}
}

// TestPulumiFailureIsNotAUsageError: when the pulumi CLI cannot give the
// outputs, the flags were fine; the run is not judged (exit 1, as the
// README says), and nothing is asked of AWS.
func TestPulumiFailureIsNotAUsageError(t *testing.T) {
	cases := []struct {
		name string
		out  string
		err  error
		want string
	}{
		{"pulumi not on PATH", "", &exec.Error{Name: "pulumi", Err: exec.ErrNotFound}, "install the Pulumi CLI"},
		{"no such stack", "", errors.New("exit status 255: error: no stack named 'dev' found"), "no stack named 'dev' found"},
		{"not logged in", "", errors.New("exit status 255: error: PULUMI_ACCESS_TOKEN must be set"), "PULUMI_ACCESS_TOKEN must be set"},
		{"output not JSON", "Current stack outputs (0):", nil, "not a JSON object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := &cloud{steps: []step{steady}}
			outputs := PulumiOutputs{Dir: ".", Run: func(context.Context, string, string, ...string) ([]byte, error) {
				return []byte(c.out), c.err
			}}
			var stdout, stderr bytes.Buffer
			code := Execute(context.Background(), cl.deps(outputs), options(), &stdout, &stderr)
			if code != ExitFail || !strings.Contains(stderr.String(), c.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr.String(), ExitFail, c.want)
			}
			if cl.connectedTo != "" || cl.starts+cl.alarmReads+cl.probes != 0 {
				t.Error("AWS or the app was called without the stack outputs")
			}
		})
	}
}
