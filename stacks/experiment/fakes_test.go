package experiment

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/fis"
	fistypes "github.com/aws/aws-sdk-go-v2/service/fis/types"
)

// Alarm names as the stack exports them.
const (
	uiPodsAlarm  = "hello-dev-yelb-ui-running-pods"
	nodeCPUAlarm = "hello-dev-node-cpu"
	steadyAlarm  = "hello-dev-steady-state"
)

// step is what the fakes answer at one observation. Step 0 is the steady
// state check before the start; step i (i >= 1) is the i-th poll.
type step struct {
	status   fistypes.ExperimentStatus
	reason   string
	alarms   map[string]cwtypes.StateValue // by alarm name; missing means OK
	appErr   error
	getErr   error
	alarmErr error
	// missing are alarms DescribeAlarms leaves out of its answer.
	missing []string
}

// cloud fakes FIS, CloudWatch, ELBv2, the prober and the clock, and counts
// every call.
type cloud struct {
	steps    []step
	startErr error
	stopErr  error
	lbErr    error
	noLB     bool
	// cancel is called by the GetExperiment call numbered cancelAtGet, which
	// then fails as the SDK does on a cancelled context.
	cancel      func()
	cancelAtGet int
	// stopCtxErr is the context's error when StopExperiment was called.
	stopCtxErr error

	now                                     time.Time
	sleeps                                  int
	starts, gets, stops, alarmReads, probes int
	startIn                                 *fis.StartExperimentInput
	connectedTo                             string
}

func (c *cloud) at(i int) step {
	if i >= len(c.steps) {
		return c.steps[len(c.steps)-1]
	}
	return c.steps[i]
}

func (c *cloud) StartExperiment(_ context.Context, in *fis.StartExperimentInput, _ ...func(*fis.Options)) (*fis.StartExperimentOutput, error) {
	c.starts++
	c.startIn = in
	if c.startErr != nil {
		return nil, c.startErr
	}
	return &fis.StartExperimentOutput{Experiment: &fistypes.Experiment{
		Id:    aws.String("EXP1"),
		State: &fistypes.ExperimentState{Status: fistypes.ExperimentStatusInitiating},
	}}, nil
}

func (c *cloud) GetExperiment(_ context.Context, in *fis.GetExperimentInput, _ ...func(*fis.Options)) (*fis.GetExperimentOutput, error) {
	c.gets++
	s := c.at(c.gets)
	if c.cancel != nil && c.gets == c.cancelAtGet {
		c.cancel()
		return nil, context.Canceled
	}
	if aws.ToString(in.Id) != "EXP1" {
		return nil, errors.New("unknown experiment " + aws.ToString(in.Id))
	}
	if s.getErr != nil {
		return nil, s.getErr
	}
	return &fis.GetExperimentOutput{Experiment: &fistypes.Experiment{Id: in.Id,
		State: &fistypes.ExperimentState{Status: s.status, Reason: aws.String(s.reason)}}}, nil
}

func (c *cloud) StopExperiment(ctx context.Context, in *fis.StopExperimentInput, _ ...func(*fis.Options)) (*fis.StopExperimentOutput, error) {
	c.stops++
	c.stopCtxErr = ctx.Err()
	if c.stopErr != nil {
		return nil, c.stopErr
	}
	return &fis.StopExperimentOutput{Experiment: &fistypes.Experiment{Id: in.Id}}, nil
}

func (c *cloud) DescribeAlarms(_ context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	s := c.at(c.alarmReads)
	c.alarmReads++
	if s.alarmErr != nil {
		return nil, s.alarmErr
	}
	// Like CloudWatch: without CompositeAlarm in AlarmTypes, composites are left out.
	composite := false
	for _, t := range in.AlarmTypes {
		composite = composite || t == cwtypes.AlarmTypeCompositeAlarm
	}
	state := func(name string) cwtypes.StateValue {
		if v, ok := s.alarms[name]; ok {
			return v
		}
		return cwtypes.StateValueOk
	}
	out := &cloudwatch.DescribeAlarmsOutput{}
	for _, name := range in.AlarmNames {
		if slices.Contains(s.missing, name) {
			continue
		}
		switch name {
		case uiPodsAlarm, nodeCPUAlarm:
			out.MetricAlarms = append(out.MetricAlarms, cwtypes.MetricAlarm{AlarmName: aws.String(name), StateValue: state(name)})
		case steadyAlarm:
			if composite {
				out.CompositeAlarms = append(out.CompositeAlarms, cwtypes.CompositeAlarm{AlarmName: aws.String(name), StateValue: state(name)})
			}
		}
	}
	return out, nil
}

func (c *cloud) DescribeLoadBalancers(_ context.Context, in *elbv2.DescribeLoadBalancersInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error) {
	if c.lbErr != nil {
		return nil, c.lbErr
	}
	if c.noLB || len(in.Names) != 1 || in.Names[0] != "hello-dev-ui" {
		return nil, &elbtypes.LoadBalancerNotFoundException{Message: aws.String("One or more load balancers not found")}
	}
	return &elbv2.DescribeLoadBalancersOutput{LoadBalancers: []elbtypes.LoadBalancer{
		{LoadBalancerName: aws.String("hello-dev-ui"), DNSName: aws.String("hello-dev-ui-123.ap-northeast-2.elb.amazonaws.com")},
	}}, nil
}

const wantProbeURL = "http://hello-dev-ui-123.ap-northeast-2.elb.amazonaws.com/api/getvotes"

func (c *cloud) Probe(_ context.Context, url string) error {
	s := c.at(c.probes)
	c.probes++
	if url != wantProbeURL {
		return errors.New("probed the wrong URL " + url)
	}
	return s.appErr
}

// deps wires the fakes; the clock only moves when the run sleeps.
func (c *cloud) deps(outputs Outputs) Deps {
	if c.now.IsZero() {
		c.now = time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC)
	}
	return Deps{
		Outputs: outputs,
		Connect: func(_ context.Context, region string) (Clients, error) {
			c.connectedTo = region
			return Clients{Experiments: c, Alarms: c, LoadBalancers: c}, nil
		},
		Prober: c,
		Sleep: func(_ context.Context, d time.Duration) error {
			c.sleeps++
			c.now = c.now.Add(d)
			return nil
		},
		Now: func() time.Time { return c.now },
	}
}

// fakeOutputs returns fixed outputs.
type fakeOutputs struct {
	outputs map[string]any
	stack   string
}

func (f *fakeOutputs) Read(_ context.Context, stack string) (map[string]any, error) {
	f.stack = stack
	return f.outputs, nil
}

// stackOutputs is the output contract, as `pulumi stack output --json` decodes.
func stackOutputs() map[string]any {
	return map[string]any{
		"appLoadBalancerName": "hello-dev-ui",
		"chaos": map[string]any{
			"region": "ap-northeast-2",
			"templates": map[string]any{
				"TerminateEKSNodes":   "EXT123",
				"AppServerPodDelete":  "EXT456",
				"AZPowerInterruption": "EXT789",
			},
			"alarms": map[string]any{
				"uiRunningPods": uiPodsAlarm,
				"nodeCpu":       nodeCPUAlarm,
				"steadyState":   steadyAlarm,
			},
		},
	}
}

func options() Options {
	return Options{Stack: "dev", Template: "TerminateEKSNodes", Timeout: 20 * time.Minute, Poll: 15 * time.Second, MinAvailability: 0.95, Cwd: "."}
}

var (
	steady    = step{}
	running   = step{status: fistypes.ExperimentStatusRunning}
	completed = step{status: fistypes.ExperimentStatusCompleted, reason: "Experiment completed."}
	appDown   = step{status: fistypes.ExperimentStatusRunning, appErr: errors.New("HTTP 502")}
	cpuHigh   = map[string]cwtypes.StateValue{nodeCPUAlarm: cwtypes.StateValueAlarm, steadyAlarm: cwtypes.StateValueAlarm}
)
