package experiment

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/fis"
	fistypes "github.com/aws/aws-sdk-go-v2/service/fis/types"
)

// poll is what the fakes answer at one observation; index 0 is the steady
// state check before the start.
type poll struct {
	state  fistypes.ExperimentStatus
	reason string
	alarms map[string]cwtypes.StateValue // by role; missing = OK
	appErr error
}

type fakeCloud struct {
	polls    []poll
	startErr error
	now      time.Time
	// observed
	alarmCalls, gets, starts, stops int
	probeCalls                      int
}

func (f *fakeCloud) current(calls int) poll {
	if calls >= len(f.polls) {
		return f.polls[len(f.polls)-1]
	}
	return f.polls[calls]
}

func (f *fakeCloud) StartExperiment(_ context.Context, in *fis.StartExperimentInput, _ ...func(*fis.Options)) (*fis.StartExperimentOutput, error) {
	f.starts++
	if f.startErr != nil {
		return nil, f.startErr
	}
	if aws.ToString(in.ExperimentTemplateId) != "EXT1" || in.Tags["workshop-run"] != "dev" || aws.ToString(in.ClientToken) == "" {
		return nil, errors.New("unexpected start input")
	}
	return &fis.StartExperimentOutput{Experiment: &fistypes.Experiment{Id: aws.String("EXP1")}}, nil
}

func (f *fakeCloud) GetExperiment(_ context.Context, in *fis.GetExperimentInput, _ ...func(*fis.Options)) (*fis.GetExperimentOutput, error) {
	f.gets++
	p := f.current(f.gets)
	return &fis.GetExperimentOutput{Experiment: &fistypes.Experiment{Id: in.Id,
		State: &fistypes.ExperimentState{Status: p.state, Reason: aws.String(p.reason)}}}, nil
}

func (f *fakeCloud) StopExperiment(context.Context, *fis.StopExperimentInput, ...func(*fis.Options)) (*fis.StopExperimentOutput, error) {
	f.stops++
	return &fis.StopExperimentOutput{}, nil
}

var names = map[string]string{"uiRunningPods": "ui-pods", "nodeCpu": "node-cpu", "steadyState": "steady"}

func (f *fakeCloud) DescribeAlarms(_ context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	p := f.current(f.alarmCalls)
	f.alarmCalls++
	if len(in.AlarmTypes) != 2 {
		return nil, errors.New("composite alarms not asked for")
	}
	state := func(role string) cwtypes.StateValue {
		if s, ok := p.alarms[role]; ok {
			return s
		}
		return cwtypes.StateValueOk
	}
	return &cloudwatch.DescribeAlarmsOutput{
		MetricAlarms: []cwtypes.MetricAlarm{
			{AlarmName: aws.String(names["uiRunningPods"]), StateValue: state("uiRunningPods")},
			{AlarmName: aws.String(names["nodeCpu"]), StateValue: state("nodeCpu")},
		},
		CompositeAlarms: []cwtypes.CompositeAlarm{{AlarmName: aws.String(names["steadyState"]), StateValue: state("steadyState")}},
	}, nil
}

func (f *fakeCloud) DescribeLoadBalancers(_ context.Context, in *elbv2.DescribeLoadBalancersInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error) {
	if len(in.Names) != 1 || in.Names[0] != "hello-dev-ui" {
		return nil, errors.New("load balancer not found")
	}
	return &elbv2.DescribeLoadBalancersOutput{LoadBalancers: []elbtypes.LoadBalancer{{DNSName: aws.String("yelb.example")}}}, nil
}

func (f *fakeCloud) Probe(_ context.Context, url string) error {
	if url != "http://yelb.example/api/getvotes" {
		return errors.New("wrong URL " + url)
	}
	p := f.current(f.probeCalls)
	f.probeCalls++
	return p.appErr
}

func (f *fakeCloud) deps(string) (Deps, error) {
	return Deps{Experiments: f, Alarms: f, LoadBalancers: f, Prober: f,
		Sleep: func(context.Context, time.Duration) error { f.now = f.now.Add(15 * time.Second); return nil },
		Now:   func() time.Time { return f.now },
	}, nil
}

func stackOutputs() map[string]any {
	return map[string]any{
		"appLoadBalancerName": "hello-dev-ui",
		"chaos": map[string]any{
			"region":    "ap-northeast-2",
			"templates": map[string]any{"TerminateEKSNodes": "EXT1", "AppServerPodDelete": "EXT2"},
			"alarms":    map[string]any{"uiRunningPods": names["uiRunningPods"], "nodeCpu": names["nodeCpu"], "steadyState": names["steadyState"]},
		},
	}
}

func options() Options {
	return Options{Stack: "dev", Template: "TerminateEKSNodes", Timeout: 10 * time.Minute, Poll: 15 * time.Second, MinAvailability: 0.95}
}

var (
	steady  = poll{}
	running = poll{state: fistypes.ExperimentStatusRunning}
	done    = poll{state: fistypes.ExperimentStatusCompleted, reason: "Experiment completed."}
	down    = poll{state: fistypes.ExperimentStatusRunning, appErr: errors.New("HTTP 502")}
)

func TestScenarios(t *testing.T) {
	cases := []struct {
		name       string
		cloud      fakeCloud
		exit       int
		anomaly    string
		rows       []string
		wantStarts int
		wantGets   int
	}{
		{
			name:  "clean pass",
			cloud: fakeCloud{polls: []poll{steady, running, running, done}},
			exit:  ExitPass, rows: []string{"Experiment           completed  completed (Experiment completed.)", "Stop condition       not hit    not hit", "100% of 3 probes", "VERDICT: PASS"},
			wantStarts: 1, wantGets: 3,
		},
		{
			name: "stop condition triggered",
			cloud: fakeCloud{polls: []poll{steady, running,
				{state: fistypes.ExperimentStatusRunning, alarms: map[string]cwtypes.StateValue{"nodeCpu": cwtypes.StateValueAlarm, "steadyState": cwtypes.StateValueAlarm}},
				{state: fistypes.ExperimentStatusStopped, reason: "Experiment stopped by a stop condition", alarms: map[string]cwtypes.StateValue{"nodeCpu": cwtypes.StateValueAlarm, "steadyState": cwtypes.StateValueAlarm}}}},
			exit: ExitFail, anomaly: "stop condition hit",
			rows:       []string{"Stop condition       not hit    hit", "node-cpu, steady", "VERDICT: FAIL — the steady state broke"},
			wantStarts: 1, wantGets: 3,
		},
		{
			name:  "app down while metrics healthy",
			cloud: fakeCloud{polls: []poll{steady, down, down, down, {state: fistypes.ExperimentStatusCompleted}}},
			exit:  ExitFail, anomaly: "metrics healthy but app failing",
			rows:       []string{"Alarms during run    none", "25% of 4 probes, longest outage 3 probes", "metrics healthy but app failing", "below 95%"},
			wantStarts: 1, wantGets: 4,
		},
		{
			name:  "experiment failed to start",
			cloud: fakeCloud{polls: []poll{steady}, startErr: errors.New("AccessDenied: not authorized to perform fis:StartExperiment")},
			exit:  ExitFail, anomaly: "experiment failed to start",
			rows:       []string{"failed to start: AccessDenied", "VERDICT: FAIL — experiment failed to start"},
			wantStarts: 1, wantGets: 0,
		},
		{
			name:  "not steady before",
			cloud: fakeCloud{polls: []poll{{alarms: map[string]cwtypes.StateValue{"uiRunningPods": cwtypes.StateValueAlarm}}}},
			exit:  ExitFail,
			rows:  []string{"alarm ui-pods is ALARM", "not started", "VERDICT: FAIL — not in the steady state"},
		},
		{
			name:  "app broken before",
			cloud: fakeCloud{polls: []poll{{appErr: errors.New("HTTP 500")}}},
			exit:  ExitFail,
			rows:  []string{"does not answer http://yelb.example/api/getvotes: HTTP 500"},
		},
		{
			name:  "experiment failed",
			cloud: fakeCloud{polls: []poll{steady, running, {state: fistypes.ExperimentStatusFailed, reason: "Target resolution failed"}}},
			exit:  ExitFail, anomaly: "experiment failed: Target resolution failed",
			rows:       []string{"VERDICT: FAIL — the experiment failed: Target resolution failed"},
			wantStarts: 1, wantGets: 2,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			code := Execute(context.Background(), stackOutputs(), options(), c.cloud.deps, &out, &errs)
			if code != c.exit {
				t.Errorf("exit %d, want %d; stderr %q\n%s", code, c.exit, errs.String(), out.String())
			}
			for _, r := range c.rows {
				if !strings.Contains(out.String(), r) {
					t.Errorf("output lacks %q:\n%s", r, out.String())
				}
			}
			if c.anomaly != "" && !strings.Contains(out.String(), "Anomalies") || c.anomaly != "" && !strings.Contains(out.String(), c.anomaly) {
				t.Errorf("anomaly %q not reported:\n%s", c.anomaly, out.String())
			}
			if c.cloud.starts != c.wantStarts || c.cloud.gets != c.wantGets {
				t.Errorf("starts %d, gets %d; want %d, %d", c.cloud.starts, c.cloud.gets, c.wantStarts, c.wantGets)
			}
		})
	}
}

func TestTimeoutStopsTheExperiment(t *testing.T) {
	cloud := fakeCloud{polls: []poll{steady, running}}
	var out bytes.Buffer
	o := options()
	o.Timeout = time.Minute
	if code := Execute(context.Background(), stackOutputs(), o, cloud.deps, &out, &bytes.Buffer{}); code != ExitFail {
		t.Errorf("exit %d", code)
	}
	if cloud.stops != 1 || !strings.Contains(out.String(), "stopped after 1m0s") {
		t.Errorf("stops %d:\n%s", cloud.stops, out.String())
	}
}

func TestInterruptStopsTheExperiment(t *testing.T) {
	cloud := fakeCloud{polls: []poll{steady, running}}
	d, _ := cloud.deps("")
	d.Sleep = func(context.Context, time.Duration) error { return context.Canceled }
	target, _ := ParseTarget(stackOutputs(), "TerminateEKSNodes")
	if _, err := Run(context.Background(), d, target, options()); err == nil || cloud.stops != 1 {
		t.Errorf("err %v, stops %d", err, cloud.stops)
	}
}

func TestBadOutputsNameTheKey(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(map[string]any)
		tmpl   string
		want   string
	}{
		{"no load balancer", func(o map[string]any) { delete(o, "appLoadBalancerName") }, "TerminateEKSNodes", "stack output appLoadBalancerName: missing"},
		{"no chaos", func(o map[string]any) { delete(o, "chaos") }, "TerminateEKSNodes", "stack output chaos: missing"},
		{"no region", func(o map[string]any) { delete(o["chaos"].(map[string]any), "region") }, "TerminateEKSNodes", "stack output chaos.region: missing"},
		{"unknown template", func(map[string]any) {}, "Meteor", "chaos.templates.Meteor: no such template; the stack has AppServerPodDelete, TerminateEKSNodes"},
		{"empty template id", func(o map[string]any) {
			o["chaos"].(map[string]any)["templates"].(map[string]any)["TerminateEKSNodes"] = ""
		}, "TerminateEKSNodes", "chaos.templates.TerminateEKSNodes: missing"},
		{"no composite alarm", func(o map[string]any) { delete(o["chaos"].(map[string]any)["alarms"].(map[string]any), "steadyState") }, "TerminateEKSNodes", "chaos.alarms.steadyState: missing"},
	}
	for _, c := range cases {
		outputs := stackOutputs()
		c.mutate(outputs)
		o := options()
		o.Template = c.tmpl
		cloud := fakeCloud{polls: []poll{steady}}
		var errs bytes.Buffer
		if code := Execute(context.Background(), outputs, o, cloud.deps, &bytes.Buffer{}, &errs); code != ExitUsage || !strings.Contains(errs.String(), c.want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", c.name, code, errs.String(), c.want)
		}
		if cloud.starts+cloud.alarmCalls != 0 {
			t.Errorf("%s: AWS called before the outputs were valid", c.name)
		}
	}
}

func TestBadFlagsNameTheFlag(t *testing.T) {
	cases := map[string][]string{
		"--stack is required":             {},
		"--timeout -1s must be positive":  {"--stack", "dev", "--timeout", "-1s"},
		"--poll 1h0m0s must be positive":  {"--stack", "dev", "--poll", "1h"},
		"--min-availability 1.5 must be":  {"--stack", "dev", "--min-availability", "1.5"},
		"--template is empty":             {"--stack", "dev", "--template", ""},
		`unexpected argument "now"`:       {"--stack", "dev", "now"},
		"invalid value \"soon\" for flag": {"--stack", "dev", "--timeout", "soon"},
	}
	for want, args := range cases {
		var errs bytes.Buffer
		if code := Command(context.Background(), args, &bytes.Buffer{}, &errs); code != ExitUsage || !strings.Contains(errs.String(), want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", args, code, errs.String(), want)
		}
	}
}

func TestPulumiOutputs(t *testing.T) {
	var gotArgs []string
	ok := PulumiOutputs{Dir: "/project", Run: func(_ context.Context, dir, name string, args ...string) ([]byte, error) {
		gotArgs = append([]string{dir, name}, args...)
		return []byte(`{"appLoadBalancerName":"hello-dev-ui","chaos":{"region":"ap-northeast-2"}}`), nil
	}}
	out, err := ok.Read(context.Background(), "dev")
	if err != nil || out["appLoadBalancerName"] != "hello-dev-ui" {
		t.Fatalf("%v %v", out, err)
	}
	if strings.Join(gotArgs, " ") != "/project pulumi stack output --json --show-secrets --stack dev" {
		t.Errorf("ran %v", gotArgs)
	}
	missing := PulumiOutputs{Run: func(context.Context, string, string, ...string) ([]byte, error) {
		return nil, &exec.Error{Name: "pulumi", Err: exec.ErrNotFound}
	}}
	if _, err := missing.Read(context.Background(), "dev"); err == nil || !strings.Contains(err.Error(), "pulumi CLI is not installed") {
		t.Errorf("missing CLI: %v", err)
	}
	garbage := PulumiOutputs{Run: func(context.Context, string, string, ...string) ([]byte, error) {
		return []byte("error: no stack"), nil
	}}
	if _, err := garbage.Read(context.Background(), "dev"); err == nil {
		t.Error("non-JSON output accepted")
	}
}
