package chaos

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AlarmSpec is one steady-state alarm as plain values.
type AlarmSpec struct {
	Name       string
	Metric     string
	Dimensions map[string]string
	Statistic  string
	Comparison string
	Threshold  float64
}

// The steady state of the workshop's hypothesis: at least one yelb-ui pod
// runs, and node CPU stays below 60%. Both read Container Insights, every
// 30 s, and one bad datapoint is enough.
const (
	metricNamespace = "ContainerInsights"
	alarmPeriod     = 30
	// Container Insights publishes every 60 s, so half the 30 s periods have
	// no datapoint. "ignore" keeps the last state through those gaps, where
	// "missing" would flap to INSUFFICIENT_DATA and "breaching" to ALARM.
	// A dead agent is not hidden: the pod count it last sent stands until
	// another agent reports, and the app probe of the experiment command
	// watches what metrics cannot.
	treatMissingData = "ignore"
)

// SteadyStateAlarms are the two alarms of BRIEF part 8 for a cluster and
// the namespace yelb runs in.
func SteadyStateAlarms(prefix, clusterName, namespace string) (uiPods, nodeCPU AlarmSpec) {
	uiPods = AlarmSpec{
		Name:   prefix + "-yelb-ui-running-pods",
		Metric: "service_number_of_running_pods",
		// The dimension set Container Insights publishes per service.
		Dimensions: map[string]string{"ClusterName": clusterName, "Namespace": namespace, "Service": "yelb-ui"},
		Statistic:  "Minimum",
		Comparison: "LessThanThreshold",
		Threshold:  1,
	}
	nodeCPU = AlarmSpec{
		Name:       prefix + "-node-cpu",
		Metric:     "node_cpu_utilization",
		Dimensions: map[string]string{"ClusterName": clusterName},
		Statistic:  "Average",
		Comparison: "GreaterThanOrEqualToThreshold",
		Threshold:  60,
	}
	return uiPods, nodeCPU
}

// metricAlarm creates one part of the steady state; only the composite
// notifies, so a broken steady state sends one message.
func (c *Chaos) metricAlarm(s AlarmSpec, description string) (*cloudwatch.MetricAlarm, error) {
	a, err := cloudwatch.NewMetricAlarm(c.ctx, s.Name, &cloudwatch.MetricAlarmArgs{
		Name:               pulumi.String(s.Name),
		AlarmDescription:   pulumi.String(description),
		Namespace:          pulumi.String(metricNamespace),
		MetricName:         pulumi.String(s.Metric),
		Dimensions:         pulumi.ToStringMap(s.Dimensions),
		Statistic:          pulumi.String(s.Statistic),
		Period:             pulumi.Int(alarmPeriod),
		EvaluationPeriods:  pulumi.Int(1),
		DatapointsToAlarm:  pulumi.Int(1),
		ComparisonOperator: pulumi.String(s.Comparison),
		Threshold:          pulumi.Float64(s.Threshold),
		TreatMissingData:   pulumi.String(treatMissingData),
		Tags:               pulumi.ToStringMap(c.args.Tags),
	}, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("chaos: alarm %s: %w", s.Name, err)
	}
	return a, nil
}

// steadyState is the composite the experiment command reads: ALARM when
// either part of the steady state is broken.
func (c *Chaos) steadyState(ui, cpu *cloudwatch.MetricAlarm, actions pulumi.StringArrayInput) (*cloudwatch.CompositeAlarm, error) {
	name := c.args.Prefix + "-steady-state"
	a, err := cloudwatch.NewCompositeAlarm(c.ctx, name, &cloudwatch.CompositeAlarmArgs{
		AlarmName:        pulumi.String(name),
		AlarmDescription: pulumi.String("The yelb steady state: at least one yelb-ui pod running and node CPU below 60%"),
		AlarmRule:        pulumi.Sprintf("ALARM(%q) OR ALARM(%q)", ui.Name, cpu.Name),
		AlarmActions:     actions,
		OkActions:        actions,
		Tags:             pulumi.ToStringMap(c.args.Tags),
	}, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("chaos: composite alarm: %w", err)
	}
	return a, nil
}
