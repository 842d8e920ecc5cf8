package experiment

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	fistypes "github.com/aws/aws-sdk-go-v2/service/fis/types"
)

var columns = regexp.MustCompile(`\s{2,}`)

// chartRow returns the Expected and Observed cells of the printed row label.
func chartRow(t *testing.T, out, label string) (expected, observed string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		cells := columns.Split(strings.TrimSpace(line), 3)
		if len(cells) == 3 && cells[0] == label {
			return cells[1], cells[2]
		}
	}
	t.Fatalf("no row %q in:\n%s", label, out)
	return "", ""
}

// execute runs the command core on fakes and returns the exit code, the
// verdict and what was printed.
func execute(t *testing.T, c *cloud, o Options) (int, Verdict, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	d := c.deps(&fakeOutputs{outputs: stackOutputs()})
	code := Execute(context.Background(), d, o, &stdout, &stderr)
	// A second, fresh run gives the verdict itself without printing.
	c2 := &cloud{steps: c.steps, startErr: c.startErr, stopErr: c.stopErr}
	v, _ := Run(context.Background(), c2.deps(&fakeOutputs{outputs: stackOutputs()}), o)
	return code, v, stdout.String(), stderr.String()
}

func TestScenarios(t *testing.T) {
	cases := []struct {
		name      string
		cloud     cloud
		exit      int
		anomalies []string
		rows      map[string]string // label -> part of the observed column
		verdict   string            // part of the VERDICT line
		check     func(t *testing.T, v Verdict)
		starts    int
		gets      int
	}{
		{
			name:  "clean pass",
			cloud: cloud{steps: []step{steady, running, running, completed}},
			exit:  ExitPass,
			rows: map[string]string{
				RowSteady:       "alarms OK, app answers",
				RowExperiment:   "completed (Experiment completed.)",
				RowStop:         "not hit",
				RowAvailability: "100% (3 of 3 probes), longest failure streak 0",
				RowAlarms:       "none",
				RowAnomalies:    "none",
			},
			verdict: "VERDICT: PASS",
			check: func(t *testing.T, v Verdict) {
				if !v.Pass || v.State != "completed" || v.Probes != 3 || v.ProbeFailures != 0 || !v.SteadyAlwaysOK || v.TimedOut {
					t.Errorf("verdict %+v", v)
				}
			},
			starts: 1, gets: 3,
		},
		{
			name: "stop condition triggered",
			cloud: cloud{steps: []step{steady, running,
				{status: fistypes.ExperimentStatusRunning, alarms: cpuHigh},
				{status: fistypes.ExperimentStatusStopped, reason: "Experiment stopped by a stop condition", alarms: cpuHigh}}},
			exit:      ExitFail,
			anomalies: []string{AnomalyStopCondition},
			rows: map[string]string{
				RowExperiment: "stopped (Experiment stopped by a stop condition)",
				RowStop:       "hit: in ALARM: hello-dev-node-cpu, hello-dev-steady-state; FIS: Experiment stopped by a stop condition",
				RowAlarms:     "hello-dev-node-cpu, hello-dev-steady-state",
				RowAnomalies:  "stop condition hit",
			},
			verdict: "VERDICT: FAIL — stop condition hit",
			check: func(t *testing.T, v Verdict) {
				if v.Pass || v.State != "stopped" || !slices.Equal(v.AlarmsInAlarm, []string{nodeCPUAlarm, steadyAlarm}) || v.SteadyAlwaysOK {
					t.Errorf("verdict %+v", v)
				}
			},
			starts: 1, gets: 3,
		},
		{
			name:      "app down while metrics healthy",
			cloud:     cloud{steps: []step{steady, appDown, appDown, appDown, completed}},
			exit:      ExitFail,
			anomalies: []string{AnomalyMetricsGap},
			rows: map[string]string{
				RowExperiment:   "completed (Experiment completed.)",
				RowStop:         "not hit",
				RowAvailability: "25% (1 of 4 probes), longest failure streak 3",
				RowAlarms:       "none",
				RowAnomalies:    "metrics healthy but app failing",
			},
			verdict: "VERDICT: FAIL — app answered 25% of probes, below --min-availability 95% while the steady-state alarm stayed OK: metrics healthy but app failing",
			check: func(t *testing.T, v Verdict) {
				if v.Pass || v.ProbeFailures != 3 || v.LongestFailure != 3 || !v.SteadyAlwaysOK || len(v.AlarmsInAlarm) != 0 {
					t.Errorf("verdict %+v", v)
				}
			},
			starts: 1, gets: 4,
		},
		{
			name:  "experiment failed to start",
			cloud: cloud{steps: []step{steady}, startErr: errors.New("AccessDeniedException: not authorized to perform fis:StartExperiment")},
			exit:  ExitFail,
			rows: map[string]string{
				RowExperiment:   "failed to start: starting experiment from template EXT123: AccessDeniedException",
				RowAvailability: "-",
			},
			verdict: "VERDICT: FAIL — experiment failed to start: starting experiment from template EXT123: AccessDeniedException",
			check: func(t *testing.T, v Verdict) {
				if v.Pass || v.Started || v.StartError == "" || v.Probes != 0 {
					t.Errorf("verdict %+v", v)
				}
			},
			starts: 1, gets: 0,
		},
		{
			name:  "unsteady before start",
			cloud: cloud{steps: []step{{alarms: map[string]cwtypes.StateValue{uiPodsAlarm: cwtypes.StateValueAlarm, steadyAlarm: cwtypes.StateValueAlarm}}}},
			exit:  ExitFail,
			rows: map[string]string{
				RowSteady:     "not steady: alarm hello-dev-yelb-ui-running-pods is ALARM; alarm hello-dev-steady-state is ALARM",
				RowExperiment: "not started",
			},
			verdict: "VERDICT: FAIL — steady state did not hold before the experiment",
			check: func(t *testing.T, v Verdict) {
				if v.Pass || v.Started || len(v.Unsteady) != 2 {
					t.Errorf("verdict %+v", v)
				}
			},
			starts: 0, gets: 0,
		},
		{
			name:  "app broken before start",
			cloud: cloud{steps: []step{{appErr: errors.New("HTTP 500")}}},
			exit:  ExitFail,
			rows: map[string]string{
				RowSteady: "not steady: " + wantProbeURL + ": HTTP 500",
			},
			verdict: "VERDICT: FAIL — steady state did not hold",
			starts:  0, gets: 0,
		},
		{
			name:      "experiment failed",
			cloud:     cloud{steps: []step{steady, running, {status: fistypes.ExperimentStatusFailed, reason: "Target resolution failed, no targets"}}},
			exit:      ExitFail,
			anomalies: []string{"experiment failed: Target resolution failed, no targets"},
			rows: map[string]string{
				RowExperiment: "failed (Target resolution failed, no targets)",
				RowAnomalies:  "experiment failed: Target resolution failed, no targets",
			},
			verdict: "VERDICT: FAIL — experiment failed: Target resolution failed, no targets",
			starts:  1, gets: 2,
		},
		{
			name:    "experiment cancelled",
			cloud:   cloud{steps: []step{steady, running, {status: fistypes.ExperimentStatusCancelled, reason: "Cancelled by user"}}},
			exit:    ExitFail,
			rows:    map[string]string{RowExperiment: "cancelled (Cancelled by user)", RowStop: "not hit"},
			verdict: "VERDICT: FAIL — experiment ended cancelled (Cancelled by user) before completing",
			starts:  1, gets: 2,
		},
		{
			name:  "tolerated probe failure",
			cloud: cloud{steps: append(append([]step{steady, appDown}, slices.Repeat([]step{running}, 20)...), completed)},
			exit:  ExitPass,
			rows: map[string]string{
				RowAvailability: "95.5% (21 of 22 probes), longest failure streak 1",
				RowAnomalies:    "none",
			},
			verdict: "VERDICT: PASS",
			starts:  1, gets: 22,
		},
		{
			name: "GetExperiment throttled once",
			cloud: cloud{steps: []step{steady, running,
				{status: fistypes.ExperimentStatusRunning, getErr: errors.New("ThrottlingException")}, completed}},
			exit:    ExitPass,
			verdict: "VERDICT: PASS",
			starts:  1, gets: 3,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, v, out, errs := execute(t, &c.cloud, options())
			if code != c.exit {
				t.Fatalf("exit %d, want %d; stderr %q\n%s", code, c.exit, errs, out)
			}
			for label, want := range c.rows {
				if _, got := chartRow(t, out, label); !strings.Contains(got, want) {
					t.Errorf("row %q observed %q, want it to contain %q", label, got, want)
				}
			}
			if !strings.Contains(out, c.verdict) {
				t.Errorf("no %q in:\n%s", c.verdict, out)
			}
			if !slices.Equal(v.Anomalies, c.anomalies) {
				t.Errorf("anomalies %q, want %q", v.Anomalies, c.anomalies)
			}
			if v.Pass != (c.exit == ExitPass) {
				t.Errorf("Pass %v with exit %d", v.Pass, c.exit)
			}
			if c.check != nil {
				c.check(t, v)
			}
			if c.cloud.starts != c.starts || c.cloud.gets != c.gets {
				t.Errorf("StartExperiment %d, GetExperiment %d calls; want %d, %d", c.cloud.starts, c.cloud.gets, c.starts, c.gets)
			}
			if c.cloud.stops != 0 {
				t.Errorf("StopExperiment called %d times on a run that ended by itself", c.cloud.stops)
			}
			if c.starts > 0 {
				in := c.cloud.startIn
				if aws.ToString(in.ExperimentTemplateId) != "EXT123" || in.Tags["workshop-run"] != "dev" || aws.ToString(in.ClientToken) == "" {
					t.Errorf("StartExperiment input %+v", in)
				}
			}
			if c.cloud.connectedTo != "ap-northeast-2" {
				t.Errorf("connected to region %q", c.cloud.connectedTo)
			}
		})
	}
}

func TestTimeoutStopsTheExperiment(t *testing.T) {
	c := &cloud{steps: []step{steady, running}}
	o := options()
	o.Timeout = time.Minute
	code, v, out, _ := execute(t, c, o)
	if code != ExitFail || c.stops != 1 {
		t.Fatalf("exit %d, StopExperiment %d calls\n%s", code, c.stops, out)
	}
	// Polls at 0s, 15s, 30s, 45s, 60s; the one at the deadline stops it.
	if c.gets != 5 || c.sleeps != 4 || !v.TimedOut {
		t.Errorf("gets %d, sleeps %d, verdict %+v", c.gets, c.sleeps, v)
	}
	if _, got := chartRow(t, out, RowExperiment); !strings.Contains(got, "running; timed out after 1m0s, stopped") {
		t.Errorf("row %q", got)
	}
	if !strings.Contains(out, "VERDICT: FAIL — experiment still running after --timeout 1m0s; it was stopped") {
		t.Errorf("verdict line missing:\n%s", out)
	}
}

func TestTimeoutStopFailureIsReported(t *testing.T) {
	c := &cloud{steps: []step{steady, running}, stopErr: errors.New("AccessDeniedException")}
	o := options()
	o.Timeout = 30 * time.Second
	code, _, out, _ := execute(t, c, o)
	if code != ExitFail || c.stops != 1 || !strings.Contains(out, "stop it in the FIS console") {
		t.Errorf("exit %d, stops %d:\n%s", code, c.stops, out)
	}
}

// TestEveryWayOutStopsTheExperiment: once started, the experiment is
// stopped on every way out of the watch that is not its own end, with a
// context Ctrl-C has not cancelled.
func TestEveryWayOutStopsTheExperiment(t *testing.T) {
	cases := []struct {
		name       string
		cloud      *cloud
		timeout    time.Duration
		interrupt  bool // Ctrl-C during the first sleep
		wantErr    string
		stops      int
		gets       int
		timedOut   bool
		stopErrors bool
	}{
		{name: "timeout", cloud: &cloud{steps: []step{steady, running}}, timeout: time.Minute, stops: 1, gets: 5, timedOut: true},
		{name: "Ctrl-C while sleeping", cloud: &cloud{steps: []step{steady, running}}, interrupt: true,
			wantErr: "watching experiment EXP1: context canceled (the experiment was stopped)", stops: 1, gets: 1},
		{name: "Ctrl-C while reading the experiment", cloud: &cloud{steps: []step{steady, running}, cancelAtGet: 2},
			wantErr: "watching experiment EXP1: context canceled (the experiment was stopped)", stops: 1, gets: 2},
		{name: "experiment unreadable", cloud: &cloud{steps: []step{steady, {getErr: errors.New("ThrottlingException")}}},
			wantErr: "reading experiment EXP1: ThrottlingException (the experiment was stopped)", stops: 1, gets: maxReadFailures},
		{name: "stop fails after Ctrl-C", cloud: &cloud{steps: []step{steady, running}, cancelAtGet: 1, stopErr: errors.New("AccessDeniedException")},
			wantErr: "stopping it failed too: AccessDeniedException; stop it in the FIS console", stops: 1, gets: 1, stopErrors: true},
		{name: "completed", cloud: &cloud{steps: []step{steady, running, completed}}, stops: 0, gets: 2},
		{name: "stopped by its stop condition", cloud: &cloud{steps: []step{steady,
			{status: fistypes.ExperimentStatusStopped, reason: "Experiment stopped by a stop condition", alarms: cpuHigh}}}, stops: 0, gets: 1},
		{name: "failed", cloud: &cloud{steps: []step{steady, {status: fistypes.ExperimentStatusFailed, reason: "no targets"}}}, stops: 0, gets: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			c.cloud.cancel = cancel
			d := c.cloud.deps(&fakeOutputs{outputs: stackOutputs()})
			if c.interrupt {
				d.Sleep = func(ctx context.Context, _ time.Duration) error { cancel(); return ctx.Err() }
			}
			o := options()
			if c.timeout > 0 {
				o.Timeout = c.timeout
			}
			v, err := Run(ctx, d, o)
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Fatalf("err %v, want %q", err, c.wantErr)
			}
			if c.cloud.stops != c.stops || c.cloud.gets != c.gets {
				t.Errorf("StopExperiment %d, GetExperiment %d calls; want %d, %d", c.cloud.stops, c.cloud.gets, c.stops, c.gets)
			}
			if c.stops > 0 && c.cloud.stopCtxErr != nil {
				t.Errorf("StopExperiment called with a context that is done: %v", c.cloud.stopCtxErr)
			}
			if v.TimedOut != c.timedOut || v.StopSent != (c.stops > 0) || (v.StopError != "") != c.stopErrors {
				t.Errorf("verdict TimedOut %v, StopSent %v, StopError %q", v.TimedOut, v.StopSent, v.StopError)
			}
		})
	}
}

// TestUnreadAlarmsFailTheRun: a poll that cannot read the alarms could
// have missed a stop condition, so the run is not a pass.
func TestUnreadAlarmsFailTheRun(t *testing.T) {
	cases := []struct {
		name   string
		poll   step
		reason string
	}{
		{"DescribeAlarms fails", step{status: fistypes.ExperimentStatusRunning, alarmErr: errors.New("ThrottlingException")},
			"describing alarms hello-dev-yelb-ui-running-pods, hello-dev-node-cpu, hello-dev-steady-state: ThrottlingException"},
		{"an alarm is missing", step{status: fistypes.ExperimentStatusRunning, missing: []string{steadyAlarm}},
			"alarm hello-dev-steady-state not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := &cloud{steps: []step{steady, running, c.poll, completed}}
			code, v, out, _ := execute(t, cl, options())
			if code != ExitFail || v.Pass || v.UnreadAlarmPolls != 1 {
				t.Fatalf("exit %d, verdict %+v\n%s", code, v, out)
			}
			want := "the alarms could not be read on 1 of 3 polls (" + c.reason + "): the steady state was not watched throughout"
			if !strings.Contains(out, want) {
				t.Errorf("no %q in:\n%s", want, out)
			}
			if _, got := chartRow(t, out, RowAlarms); got != "none (1 polls could not read the alarms)" {
				t.Errorf("alarms row %q", got)
			}
		})
	}
}

func TestLoadBalancerMissing(t *testing.T) {
	for name, c := range map[string]*cloud{
		"not found": {steps: []step{steady}, noLB: true},
		"api error": {steps: []step{steady}, lbErr: errors.New("AccessDenied")},
	} {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Execute(context.Background(), c.deps(&fakeOutputs{outputs: stackOutputs()}), options(), &stdout, &stderr)
			want := "the app's load balancer hello-dev-ui does not exist yet: deploy stage 1 first"
			if name == "api error" {
				want = "describing load balancer hello-dev-ui: AccessDenied"
			}
			if code != ExitFail || !strings.Contains(stderr.String(), want) || c.starts+c.alarmReads+c.probes != 0 {
				t.Errorf("exit %d, stderr %q, starts %d, alarm reads %d, probes %d", code, stderr.String(), c.starts, c.alarmReads, c.probes)
			}
		})
	}
}

func TestClientToken(t *testing.T) {
	now := time.Unix(0, 1764000000000000000)
	if got := clientToken("acme/workshop/dev", now); got != "acme-workshop-dev-1764000000000000000" {
		t.Errorf("token %q", got)
	}
	if got := clientToken(strings.Repeat("x", 100), now); len(got) != 64 {
		t.Errorf("token %q has %d characters", got, len(got))
	}
}
