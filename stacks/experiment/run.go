// Package experiment runs a chaos experiment of a workshop stack and judges
// the hypothesis: from a steady state, the app keeps serving while FIS
// injects the fault, and no stop condition fires.
package experiment

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/fis"
	fistypes "github.com/aws/aws-sdk-go-v2/service/fis/types"
)

// Experiments is the part of the FIS client a run uses.
type Experiments interface {
	StartExperiment(ctx context.Context, in *fis.StartExperimentInput, optFns ...func(*fis.Options)) (*fis.StartExperimentOutput, error)
	GetExperiment(ctx context.Context, in *fis.GetExperimentInput, optFns ...func(*fis.Options)) (*fis.GetExperimentOutput, error)
	StopExperiment(ctx context.Context, in *fis.StopExperimentInput, optFns ...func(*fis.Options)) (*fis.StopExperimentOutput, error)
}

// Alarms is the part of the CloudWatch client a run uses.
type Alarms interface {
	DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
}

// LoadBalancers is the part of the ELBv2 client a run uses.
type LoadBalancers interface {
	DescribeLoadBalancers(ctx context.Context, in *elbv2.DescribeLoadBalancersInput, optFns ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error)
}

// Prober asks the app one question; nil means it answered.
type Prober interface {
	Probe(ctx context.Context, url string) error
}

// Deps are the run's collaborators; tests give fakes.
type Deps struct {
	Experiments   Experiments
	Alarms        Alarms
	LoadBalancers LoadBalancers
	Prober        Prober
	Sleep         func(context.Context, time.Duration) error
	Now           func() time.Time
}

// Options steer one run.
type Options struct {
	Stack           string
	Template        string
	Timeout         time.Duration
	Poll            time.Duration
	MinAvailability float64
}

// ProbePath crosses ui -> app server -> database: the page alone would
// answer while the backend is broken.
const ProbePath = "api/getvotes"

// Verdict is the hypothesis chart's observed column, and the judgement.
type Verdict struct {
	Template       string
	AppURL         string
	SteadyBefore   string // "" when steady
	Started        bool
	StartError     string
	FinalState     string
	FinalReason    string
	TimedOut       bool
	Probes         int
	ProbeFailures  int
	LongestOutage  int // consecutive failed probes
	AlarmsInAlarm  []string
	SteadyAlarmHit bool
	Anomalies      []string
	Pass           bool
	Reasons        []string
}

// Availability is the share of probes the app answered.
func (v Verdict) Availability() float64 {
	if v.Probes == 0 {
		return 0
	}
	return float64(v.Probes-v.ProbeFailures) / float64(v.Probes)
}

var terminal = map[fistypes.ExperimentStatus]bool{
	fistypes.ExperimentStatusCompleted: true, fistypes.ExperimentStatusStopped: true,
	fistypes.ExperimentStatusFailed: true, fistypes.ExperimentStatusCancelled: true,
}

// Run checks the steady state, runs the experiment, watches it and judges.
// An error means the run could not be judged at all.
func Run(ctx context.Context, d Deps, t Target, o Options) (Verdict, error) {
	v := Verdict{Template: o.Template}
	lbs, err := d.LoadBalancers.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{t.LoadBalancerName}})
	if err != nil || len(lbs.LoadBalancers) == 0 || aws.ToString(lbs.LoadBalancers[0].DNSName) == "" {
		return v, fmt.Errorf("the app's load balancer %s was not found (deploy stage 1 of the app first): %v", t.LoadBalancerName, err)
	}
	v.AppURL = "http://" + aws.ToString(lbs.LoadBalancers[0].DNSName) + "/"

	states, err := alarmStates(ctx, d.Alarms, t)
	if err != nil {
		return v, err
	}
	var unsteady []string
	for _, role := range AlarmRoles {
		if s := states[t.Alarms[role]]; s != cwtypes.StateValueOk {
			unsteady = append(unsteady, fmt.Sprintf("alarm %s is %s", t.Alarms[role], orUnknown(s)))
		}
	}
	if err := d.Prober.Probe(ctx, v.AppURL+ProbePath); err != nil {
		unsteady = append(unsteady, fmt.Sprintf("the app does not answer %s: %v", v.AppURL+ProbePath, err))
	}
	if len(unsteady) > 0 {
		v.SteadyBefore = strings.Join(unsteady, "; ")
		return judge(v, o), nil
	}

	started, err := d.Experiments.StartExperiment(ctx, &fis.StartExperimentInput{
		ExperimentTemplateId: aws.String(t.TemplateID),
		ClientToken:          aws.String(fmt.Sprintf("%s-%d", o.Stack, d.Now().UnixNano())),
		Tags:                 map[string]string{"workshop-run": o.Stack},
	})
	if err != nil || started.Experiment == nil {
		v.StartError = fmt.Sprint(err)
		return judge(v, o), nil
	}
	v.Started = true
	id := started.Experiment.Id

	steadyAlarm := t.Alarms["steadyState"]
	inAlarm := map[string]bool{}
	outage := 0
	deadline := d.Now().Add(o.Timeout)
	for {
		exp, err := d.Experiments.GetExperiment(ctx, &fis.GetExperimentInput{Id: id})
		if err != nil {
			return v, fmt.Errorf("reading experiment %s: %w", aws.ToString(id), err)
		}
		if st := exp.Experiment.State; st != nil {
			v.FinalState, v.FinalReason = string(st.Status), aws.ToString(st.Reason)
		}
		if states, err := alarmStates(ctx, d.Alarms, t); err == nil {
			for _, role := range AlarmRoles {
				name := t.Alarms[role]
				if states[name] == cwtypes.StateValueAlarm && !inAlarm[name] {
					inAlarm[name] = true
					v.AlarmsInAlarm = append(v.AlarmsInAlarm, name)
					if name == steadyAlarm {
						v.SteadyAlarmHit = true
					}
				}
			}
		}
		v.Probes++
		if err := d.Prober.Probe(ctx, v.AppURL+ProbePath); err != nil {
			v.ProbeFailures++
			outage++
			v.LongestOutage = max(v.LongestOutage, outage)
		} else {
			outage = 0
		}
		if terminal[fistypes.ExperimentStatus(v.FinalState)] {
			break
		}
		if !d.Now().Before(deadline) {
			v.TimedOut = true
			if _, err := d.Experiments.StopExperiment(ctx, &fis.StopExperimentInput{Id: id}); err != nil {
				return v, fmt.Errorf("stopping experiment %s after the timeout: %w", aws.ToString(id), err)
			}
			break
		}
		if err := d.Sleep(ctx, o.Poll); err != nil {
			// Interrupted: do not leave the fault running unattended.
			_, _ = d.Experiments.StopExperiment(context.WithoutCancel(ctx), &fis.StopExperimentInput{Id: id})
			return v, fmt.Errorf("watching experiment %s: %w (the experiment was stopped)", aws.ToString(id), err)
		}
	}
	return judge(v, o), nil
}

func orUnknown(s cwtypes.StateValue) string {
	if s == "" {
		return "not found"
	}
	return string(s)
}

func alarmStates(ctx context.Context, a Alarms, t Target) (map[string]cwtypes.StateValue, error) {
	names := make([]string, 0, len(AlarmRoles))
	for _, role := range AlarmRoles {
		names = append(names, t.Alarms[role])
	}
	out, err := a.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{
		AlarmNames: names,
		AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm},
	})
	if err != nil {
		return nil, fmt.Errorf("reading alarms %v: %w", names, err)
	}
	states := map[string]cwtypes.StateValue{}
	for _, m := range out.MetricAlarms {
		states[aws.ToString(m.AlarmName)] = m.StateValue
	}
	for _, c := range out.CompositeAlarms {
		states[aws.ToString(c.AlarmName)] = c.StateValue
	}
	return states, nil
}

// judge compares observed with expected.
func judge(v Verdict, o Options) Verdict {
	fail := func(format string, args ...any) { v.Reasons = append(v.Reasons, fmt.Sprintf(format, args...)) }
	switch {
	case v.SteadyBefore != "":
		fail("not in the steady state before the experiment: %s", v.SteadyBefore)
	case !v.Started:
		v.Anomalies = append(v.Anomalies, "experiment failed to start")
		fail("experiment failed to start: %s", v.StartError)
	default:
		stopped := v.FinalState == string(fistypes.ExperimentStatusStopped) && strings.Contains(strings.ToLower(v.FinalReason), "stop condition")
		if stopped || len(v.AlarmsInAlarm) > 0 {
			v.Anomalies = append(v.Anomalies, "stop condition hit")
			fail("the steady state broke (alarms %s)", strings.Join(v.AlarmsInAlarm, ", "))
		}
		if v.FinalState == string(fistypes.ExperimentStatusFailed) {
			v.Anomalies = append(v.Anomalies, "experiment failed: "+v.FinalReason)
			fail("the experiment failed: %s", v.FinalReason)
		}
		if v.TimedOut {
			fail("the experiment did not finish within %s and was stopped", o.Timeout)
		}
		if v.ProbeFailures > 0 && !v.SteadyAlarmHit {
			v.Anomalies = append(v.Anomalies, "metrics healthy but app failing")
		}
		if v.Availability() < o.MinAvailability {
			fail("the app answered %.0f%% of probes, below %.0f%%", 100*v.Availability(), 100*o.MinAvailability)
		}
	}
	v.Pass = len(v.Reasons) == 0
	return v
}
