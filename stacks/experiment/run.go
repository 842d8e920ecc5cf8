// Package experiment runs a chaos experiment of a workshop stack and judges
// the hypothesis: from the steady state (a yelb-ui pod running, node CPU
// below 60%), the app keeps serving while FIS injects the fault, and no
// stop condition fires.
package experiment

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
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

// Prober asks the app one question; nil means it answered 2xx.
type Prober interface {
	Probe(ctx context.Context, url string) error
}

// Clients are the AWS clients of one region.
type Clients struct {
	Experiments   Experiments
	Alarms        Alarms
	LoadBalancers LoadBalancers
}

// Deps are a run's collaborators; tests give fakes.
type Deps struct {
	Outputs Outputs
	// Connect builds the clients lazily: only the stack outputs know the region.
	Connect func(ctx context.Context, region string) (Clients, error)
	Prober  Prober
	Sleep   func(ctx context.Context, d time.Duration) error
	Now     func() time.Time
}

// Options steer one run; ParseFlags fills them from the command line.
type Options struct {
	Stack           string
	Template        string
	Timeout         time.Duration
	Poll            time.Duration
	MinAvailability float64
	Cwd             string
}

// ProbePath crosses ui -> app server -> database: the UI page alone would
// answer while the backend is broken.
const ProbePath = "api/getvotes"

// maxReadFailures is how many GetExperiment errors in a row a run tolerates:
// one throttled call should not abandon a watch.
const maxReadFailures = 3

// SetupError is a stack output or --template the stack does not have:
// nothing was asked of AWS yet.
type SetupError struct{ Err error }

func (e *SetupError) Error() string { return e.Err.Error() }
func (e *SetupError) Unwrap() error { return e.Err }

// Verdict is the hypothesis chart's observed column, and the judgement.
type Verdict struct {
	Stack, Template, TemplateID string
	AppURL                      string
	Timeout                     time.Duration
	MinAvailability             float64

	Unsteady []string // why the steady state did not hold before; empty when it did

	Started      bool
	StartError   string
	ExperimentID string
	State        string // the last FIS status seen
	Reason       string // FIS's reason for State
	TimedOut     bool
	StopSent     bool   // StopExperiment was called
	StopError    string // and failed

	Probes         int
	ProbeFailures  int
	LongestFailure int // longest streak of failed probes
	AlarmsInAlarm  []string
	// UnreadAlarmPolls are polls that could not read every alarm;
	// LastAlarmError says why.
	UnreadAlarmPolls int
	LastAlarmError   string
	// SteadyAlwaysOK: the steady-state alarm was OK at every poll.
	SteadyAlwaysOK bool

	Anomalies []string
	Reasons   []string // why it failed; empty on a pass
	Pass      bool
}

// Availability is the share of probes the app answered.
func (v Verdict) Availability() float64 {
	if v.Probes == 0 {
		return 0
	}
	return float64(v.Probes-v.ProbeFailures) / float64(v.Probes)
}

// Anomaly names, as printed.
const (
	AnomalyMetricsGap    = "metrics healthy but app failing"
	AnomalyStopCondition = "stop condition hit"
	AnomalyFailed        = "experiment failed"
)

var terminal = map[fistypes.ExperimentStatus]bool{
	fistypes.ExperimentStatusCompleted: true,
	fistypes.ExperimentStatusStopped:   true,
	fistypes.ExperimentStatusFailed:    true,
	fistypes.ExperimentStatusCancelled: true,
}

// Run reads the stack, checks the steady state, runs the experiment, watches
// it and judges. An error means there is nothing to judge; a *SetupError
// means the outputs or the template were wrong.
func Run(ctx context.Context, d Deps, o Options) (Verdict, error) {
	v := Verdict{Stack: o.Stack, Template: o.Template, Timeout: o.Timeout, MinAvailability: o.MinAvailability}
	outputs, err := d.Outputs.Read(ctx, o.Stack)
	if err != nil {
		// The pulumi CLI failed: nothing is known about the outputs yet.
		return v, err
	}
	t, err := ParseTarget(outputs, o.Template)
	if err != nil {
		return v, &SetupError{err}
	}
	v.TemplateID = t.TemplateID
	c, err := d.Connect(ctx, t.Region)
	if err != nil {
		return v, fmt.Errorf("connecting to AWS in %s: %w", t.Region, err)
	}
	if v.AppURL, err = appURL(ctx, c.LoadBalancers, t.LoadBalancerName); err != nil {
		return v, err
	}
	probeURL := v.AppURL + ProbePath

	states, err := alarmStates(ctx, c.Alarms, t)
	if err != nil {
		return v, err
	}
	for _, role := range AlarmRoles {
		if s := states[t.Alarms[role]]; s != cwtypes.StateValueOk {
			v.Unsteady = append(v.Unsteady, fmt.Sprintf("alarm %s is %s", t.Alarms[role], orNotFound(s)))
		}
	}
	if err := d.Prober.Probe(ctx, probeURL); err != nil {
		v.Unsteady = append(v.Unsteady, fmt.Sprintf("%s: %v", probeURL, err))
	}
	if len(v.Unsteady) > 0 {
		return judge(v), nil
	}

	started, err := c.Experiments.StartExperiment(ctx, &fis.StartExperimentInput{
		ExperimentTemplateId: aws.String(t.TemplateID),
		ClientToken:          aws.String(clientToken(o.Stack, d.Now())),
		Tags:                 map[string]string{"workshop-run": o.Stack},
	})
	if err == nil && (started == nil || started.Experiment == nil || started.Experiment.Id == nil) {
		err = errors.New("FIS returned no experiment")
	}
	if err != nil {
		v.StartError = fmt.Errorf("starting experiment from template %s: %w", t.TemplateID, err).Error()
		return judge(v), nil
	}
	v.Started = true
	v.ExperimentID = aws.ToString(started.Experiment.Id)
	if st := started.Experiment.State; st != nil {
		v.State, v.Reason = string(st.Status), aws.ToString(st.Reason)
	}
	if err := watchUntilEnd(ctx, d, c, t, o, &v, probeURL); err != nil {
		return v, err
	}
	return judge(v), nil
}

// watchUntilEnd watches the experiment and then, however the watch ended
// (timeout, Ctrl-C, an unreadable experiment), stops it unless it ended by
// itself: a fault is never left running unattended.
func watchUntilEnd(ctx context.Context, d Deps, c Clients, t Target, o Options, v *Verdict, probeURL string) (err error) {
	defer func() {
		if terminal[fistypes.ExperimentStatus(v.State)] {
			return
		}
		// Not ctx: Ctrl-C has cancelled it, and the stop must still go out.
		_, stopErr := c.Experiments.StopExperiment(context.WithoutCancel(ctx), &fis.StopExperimentInput{Id: aws.String(v.ExperimentID)})
		v.StopSent = true
		if stopErr != nil {
			v.StopError = fmt.Errorf("stopping experiment %s: %w", v.ExperimentID, stopErr).Error()
		}
		if err != nil {
			err = fmt.Errorf("%w (%s)", err, stopped(stopErr))
		}
	}()
	return watch(ctx, d, c, t, o, v, probeURL)
}

// watch polls until the experiment ends or the timeout passes; an error
// means the watch was cut short.
func watch(ctx context.Context, d Deps, c Clients, t Target, o Options, v *Verdict, probeURL string) error {
	id := aws.String(v.ExperimentID)
	w := alarmWatch{target: t, seen: map[string]bool{}}
	v.SteadyAlwaysOK = true
	streak, readFailures := 0, 0
	deadline := d.Now().Add(o.Timeout)
	for {
		exp, err := c.Experiments.GetExperiment(ctx, &fis.GetExperimentInput{Id: id})
		switch {
		case err != nil && ctx.Err() != nil:
			return fmt.Errorf("watching experiment %s: %w", v.ExperimentID, ctx.Err())
		case err != nil:
			readFailures++
			if readFailures >= maxReadFailures {
				return fmt.Errorf("reading experiment %s: %w", v.ExperimentID, err)
			}
		case exp.Experiment != nil && exp.Experiment.State != nil:
			readFailures = 0
			v.State, v.Reason = string(exp.Experiment.State.Status), aws.ToString(exp.Experiment.State.Reason)
		}
		w.poll(ctx, c.Alarms, v)

		v.Probes++
		if err := d.Prober.Probe(ctx, probeURL); err != nil {
			v.ProbeFailures++
			streak++
			v.LongestFailure = max(v.LongestFailure, streak)
		} else {
			streak = 0
		}

		if terminal[fistypes.ExperimentStatus(v.State)] {
			return nil
		}
		if !d.Now().Before(deadline) {
			v.TimedOut = true
			return nil
		}
		if err := d.Sleep(ctx, o.Poll); err != nil {
			return fmt.Errorf("watching experiment %s: %w", v.ExperimentID, err)
		}
	}
}

// alarmWatch records the alarms poll by poll.
type alarmWatch struct {
	target Target
	seen   map[string]bool
}

// poll reads the alarms once. A poll that cannot read every alarm counts
// as unread: the steady state was not observed then.
func (w alarmWatch) poll(ctx context.Context, a Alarms, v *Verdict) {
	states, err := alarmStates(ctx, a, w.target)
	for _, role := range AlarmRoles {
		if err == nil && states[w.target.Alarms[role]] == "" {
			err = fmt.Errorf("alarm %s not found", w.target.Alarms[role])
		}
	}
	if err != nil {
		v.UnreadAlarmPolls++
		v.LastAlarmError = err.Error()
		return
	}
	if states[w.target.Alarms[SteadyStateRole]] != cwtypes.StateValueOk {
		v.SteadyAlwaysOK = false
	}
	for _, role := range AlarmRoles {
		name := w.target.Alarms[role]
		if states[name] == cwtypes.StateValueAlarm && !w.seen[name] {
			w.seen[name] = true
			v.AlarmsInAlarm = append(v.AlarmsInAlarm, name)
		}
	}
}

func stopped(err error) string {
	if err != nil {
		return fmt.Sprintf("stopping it failed too: %v; stop it in the FIS console", err)
	}
	return "the experiment was stopped"
}

func appURL(ctx context.Context, lbs LoadBalancers, name string) (string, error) {
	out, err := lbs.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{name}})
	var notFound *elbtypes.LoadBalancerNotFoundException
	if errors.As(err, &notFound) || err == nil && (len(out.LoadBalancers) == 0 || aws.ToString(out.LoadBalancers[0].DNSName) == "") {
		return "", fmt.Errorf("the app's load balancer %s does not exist yet: deploy stage 1 first", name)
	}
	if err != nil {
		return "", fmt.Errorf("describing load balancer %s: %w", name, err)
	}
	return "http://" + aws.ToString(out.LoadBalancers[0].DNSName) + "/", nil
}

func alarmStates(ctx context.Context, a Alarms, t Target) (map[string]cwtypes.StateValue, error) {
	names := make([]string, 0, len(AlarmRoles))
	for _, role := range AlarmRoles {
		names = append(names, t.Alarms[role])
	}
	out, err := a.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{
		AlarmNames: names,
		// Without CompositeAlarm the steady-state alarm would look missing.
		AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm},
	})
	if err != nil {
		return nil, fmt.Errorf("describing alarms %s: %w", strings.Join(names, ", "), err)
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

func orNotFound(s cwtypes.StateValue) string {
	if s == "" {
		return "not found"
	}
	return string(s)
}

var tokenUnsafe = regexp.MustCompile(`[^A-Za-z0-9-]+`)

// clientToken is unique per run, so a retried StartExperiment call does not
// start a second experiment; FIS caps it at 64 characters.
func clientToken(stack string, now time.Time) string {
	suffix := fmt.Sprintf("-%d", now.UnixNano())
	prefix := tokenUnsafe.ReplaceAllString(stack, "-")
	if len(prefix)+len(suffix) > 64 {
		prefix = prefix[:64-len(suffix)]
	}
	return prefix + suffix
}

// judge compares observed with expected.
func judge(v Verdict) Verdict {
	v.Anomalies, v.Reasons = nil, nil
	fail := func(format string, args ...any) { v.Reasons = append(v.Reasons, fmt.Sprintf(format, args...)) }
	switch {
	case len(v.Unsteady) > 0:
		fail("steady state did not hold before the experiment (%s); nothing was started", strings.Join(v.Unsteady, "; "))
	case !v.Started:
		fail("experiment failed to start: %s", v.StartError)
	default:
		state := fistypes.ExperimentStatus(v.State)
		byStopCondition := state == fistypes.ExperimentStatusStopped && strings.Contains(strings.ToLower(v.Reason), "stop condition")
		if byStopCondition || len(v.AlarmsInAlarm) > 0 {
			v.Anomalies = append(v.Anomalies, AnomalyStopCondition)
			fail("stop condition hit (%s)", stopDetail(v))
		}
		if state == fistypes.ExperimentStatusFailed {
			v.Anomalies = append(v.Anomalies, AnomalyFailed+": "+orNone(v.Reason))
			fail("experiment failed: %s", orNone(v.Reason))
		}
		if (state == fistypes.ExperimentStatusStopped && !byStopCondition) || state == fistypes.ExperimentStatusCancelled {
			fail("experiment ended %s (%s) before completing", state, orNone(v.Reason))
		}
		if v.TimedOut {
			if v.StopError != "" {
				fail("experiment still %s after --timeout %s and %s: stop it in the FIS console", v.State, v.Timeout, v.StopError)
			} else {
				fail("experiment still %s after --timeout %s; it was stopped", v.State, v.Timeout)
			}
		}
		if v.UnreadAlarmPolls > 0 {
			fail("the alarms could not be read on %d of %d polls (%s): the steady state was not watched throughout",
				v.UnreadAlarmPolls, v.Probes, v.LastAlarmError)
		}
		if v.Availability() < v.MinAvailability {
			// The workshop's monitoring gap: users saw errors, the steady state did not.
			gap := ""
			if v.SteadyAlwaysOK && v.UnreadAlarmPolls == 0 {
				v.Anomalies = append(v.Anomalies, AnomalyMetricsGap)
				gap = " while the steady-state alarm stayed OK: " + AnomalyMetricsGap
			}
			fail("app answered %s of probes, below --min-availability %s%s", percent(v.Availability()), percent(v.MinAvailability), gap)
		}
	}
	v.Pass = len(v.Reasons) == 0
	return v
}

func stopDetail(v Verdict) string {
	var parts []string
	if len(v.AlarmsInAlarm) > 0 {
		parts = append(parts, "in ALARM: "+strings.Join(v.AlarmsInAlarm, ", "))
	}
	if fistypes.ExperimentStatus(v.State) == fistypes.ExperimentStatusStopped && v.Reason != "" {
		parts = append(parts, "FIS: "+v.Reason)
	}
	return strings.Join(parts, "; ")
}

func orNone(s string) string {
	if s == "" {
		return "no reason given"
	}
	return s
}

func percent(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", 100*f), "0"), ".") + "%"
}
