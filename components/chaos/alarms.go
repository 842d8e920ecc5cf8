package chaos

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AlarmSpec is one steady-state alarm as plain values.
type AlarmSpec struct {
	Name        string
	Description string
	Metric      string
	Dimensions  map[string]string
	Statistic   string
	Comparison  string
	Threshold   float64
	Period      int
	// DatapointsToAlarm breaching periods out of the last EvaluationPeriods
	// raise the alarm.
	EvaluationPeriods int
	DatapointsToAlarm int
	TreatMissingData  string
	// FillZero makes the alarm watch FILL(metric, 0): a period in which
	// nothing was published counts as a zero.
	FillZero bool
}

// The steady state of the workshop's hypothesis: at least one yelb-ui pod
// runs, and node CPU stays below 60%. Both read Container Insights.
const (
	metricNamespace = "ContainerInsights"
	// MetricResolution is how often Container Insights publishes: the agent's
	// default collection interval, which the add-on's configuration keeps.
	// A shorter alarm period would see empty periods half the time.
	MetricResolution = 60
)

// Container Insights publishes service_number_of_running_pods only for a
// Service with at least one ready endpoint: with none left, the metric
// stops instead of reporting 0. FILL turns those empty periods into the
// zero they mean, and "breaching" covers a range with no datapoint at all.
// Two of three periods, so one late datapoint, filled with 0 until it
// arrives, does not raise the alarm on its own.
func uiRunningPods(prefix, clusterName, namespace string) AlarmSpec {
	return AlarmSpec{
		Name:        prefix + "-yelb-ui-running-pods",
		Description: "No yelb-ui pod is ready behind its Service",
		Metric:      "service_number_of_running_pods",
		// The dimension set Container Insights publishes per Service.
		Dimensions:        map[string]string{"ClusterName": clusterName, "Namespace": namespace, "Service": "yelb-ui"},
		Statistic:         "Minimum",
		Comparison:        "LessThanThreshold",
		Threshold:         1,
		Period:            MetricResolution,
		EvaluationPeriods: 3,
		DatapointsToAlarm: 2,
		TreatMissingData:  "breaching",
		FillZero:          true,
	}
}

// nodeCPU reads the cluster-wide average; missing CPU data is no evidence
// of high CPU, and a silent agent already fails the pod alarm.
func nodeCPU(prefix, clusterName string) AlarmSpec {
	return AlarmSpec{
		Name:              prefix + "-node-cpu",
		Description:       "Average node CPU of the app cluster is at or above 60%",
		Metric:            "node_cpu_utilization",
		Dimensions:        map[string]string{"ClusterName": clusterName},
		Statistic:         "Average",
		Comparison:        "GreaterThanOrEqualToThreshold",
		Threshold:         60,
		Period:            MetricResolution,
		EvaluationPeriods: 1,
		DatapointsToAlarm: 1,
		TreatMissingData:  "notBreaching",
	}
}

// SteadyStateAlarms are the two alarms of BRIEF part 8 for a cluster and
// the namespace yelb runs in.
func SteadyStateAlarms(prefix, clusterName, namespace string) (uiPods, cpu AlarmSpec) {
	return uiRunningPods(prefix, clusterName, namespace), nodeCPU(prefix, clusterName)
}

// Metric query ids of a FillZero alarm.
const (
	publishedID = "published"
	filledID    = "filled"
)

// metricAlarm creates one part of the steady state; only the composite
// notifies, so a broken steady state sends one message.
func (c *Chaos) metricAlarm(s AlarmSpec) (*cloudwatch.MetricAlarm, error) {
	args := &cloudwatch.MetricAlarmArgs{
		Name:               pulumi.String(s.Name),
		AlarmDescription:   pulumi.String(s.Description),
		EvaluationPeriods:  pulumi.Int(s.EvaluationPeriods),
		DatapointsToAlarm:  pulumi.Int(s.DatapointsToAlarm),
		ComparisonOperator: pulumi.String(s.Comparison),
		Threshold:          pulumi.Float64(s.Threshold),
		TreatMissingData:   pulumi.String(s.TreatMissingData),
		Tags:               pulumi.ToStringMap(c.args.Tags),
	}
	if s.FillZero {
		args.MetricQueries = filledQueries(s)
	} else {
		args.Namespace = pulumi.String(metricNamespace)
		args.MetricName = pulumi.String(s.Metric)
		args.Dimensions = pulumi.ToStringMap(s.Dimensions)
		args.Statistic = pulumi.String(s.Statistic)
		args.Period = pulumi.Int(s.Period)
	}
	a, err := cloudwatch.NewMetricAlarm(c.ctx, s.Name, args, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("chaos: alarm %s: %w", s.Name, err)
	}
	return a, nil
}

// filledQueries read the metric and alarm on FILL(metric, 0).
func filledQueries(s AlarmSpec) cloudwatch.MetricAlarmMetricQueryArray {
	return cloudwatch.MetricAlarmMetricQueryArray{
		cloudwatch.MetricAlarmMetricQueryArgs{
			Id: pulumi.String(publishedID),
			Metric: cloudwatch.MetricAlarmMetricQueryMetricArgs{
				Namespace:  pulumi.String(metricNamespace),
				MetricName: pulumi.String(s.Metric),
				Dimensions: pulumi.ToStringMap(s.Dimensions),
				Stat:       pulumi.String(s.Statistic),
				Period:     pulumi.Int(s.Period),
			},
			ReturnData: pulumi.Bool(false),
		},
		cloudwatch.MetricAlarmMetricQueryArgs{
			Id:         pulumi.String(filledID),
			Expression: pulumi.String("FILL(" + publishedID + ", 0)"),
			Label:      pulumi.String(s.Metric + ", 0 when not published"),
			ReturnData: pulumi.Bool(true),
		},
	}
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
