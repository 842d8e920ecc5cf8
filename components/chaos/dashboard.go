package chaos

import (
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Tiers are the yelb Services whose running pods the dashboard shows.
var Tiers = []string{"yelb-ui", "yelb-appserver", "yelb-db", "redis-server"}

var notIDCharacter = regexp.MustCompile(`[^a-z0-9_]`)

// metricID makes a graph id from a name: lowercase letters, digits and
// underscores, starting with a letter, as CloudWatch requires.
func metricID(name string) string {
	return "m_" + notIDCharacter.ReplaceAllString(name, "_")
}

// ALBSearch finds an ALB metric by the name the ingress gives the load
// balancer. Its LoadBalancer dimension is app/<name>/<id>, the id assigned
// at creation, so the name is a partial (unquoted) term: a quoted one must
// equal the whole value.
func ALBSearch(metric, loadBalancerName, stat string) string {
	return fmt.Sprintf(`SEARCH('{AWS/ApplicationELB,LoadBalancer} MetricName="%s" LoadBalancer=app/%s', '%s', %d)`,
		metric, loadBalancerName, stat, MetricResolution)
}

// DashboardBody is the steady state at a glance: running pods per tier,
// node CPU against its threshold, the ALB's 5xx and latency, alarm states.
func DashboardBody(region, clusterName, namespace, loadBalancerName string, alarmArns []string) (string, error) {
	widget := func(x, y int, title string, props map[string]any) map[string]any {
		props["title"], props["region"], props["period"] = title, region, MetricResolution
		return map[string]any{"type": "metric", "x": x, "y": y, "width": 12, "height": 6, "properties": props}
	}
	alb := func(id, metric, stat string) []any {
		return []any{map[string]any{"id": id, "expression": ALBSearch(metric, loadBalancerName, stat)}}
	}
	body := map[string]any{"widgets": []any{
		map[string]any{"type": "alarm", "x": 0, "y": 0, "width": 24, "height": 3, "properties": map[string]any{
			"title": "Steady state", "alarms": alarmArns,
		}},
		widget(0, 3, "Running pods per tier", map[string]any{"metrics": podsPerTier(clusterName, namespace), "stat": "Minimum", "view": "timeSeries"}),
		widget(12, 3, "Node CPU (%)", map[string]any{
			"metrics":     [][]any{{metricNamespace, "node_cpu_utilization", "ClusterName", clusterName, map[string]any{"id": "cpu"}}},
			"stat":        "Average",
			"annotations": map[string]any{"horizontal": []any{map[string]any{"label": "steady-state limit", "value": 60}}},
		}),
		widget(0, 9, "ALB 5xx", map[string]any{"metrics": []any{
			alb("elb5xx", "HTTPCode_ELB_5XX_Count", "Sum"), alb("target5xx", "HTTPCode_Target_5XX_Count", "Sum"),
		}}),
		widget(12, 9, "ALB target response time (s)", map[string]any{"metrics": []any{alb("p99", "TargetResponseTime", "p99")}}),
	}}
	b, err := json.Marshal(body)
	return string(b), err
}

// podsPerTier graphs each tier's running pods, 0 where none was published
// (a Service without ready pods publishes nothing).
func podsPerTier(clusterName, namespace string) []any {
	var metrics []any
	for _, tier := range Tiers {
		metrics = append(metrics, []any{metricNamespace, "service_number_of_running_pods", "ClusterName", clusterName,
			"Namespace", namespace, "Service", tier, map[string]any{"id": metricID(tier), "visible": false}})
	}
	return append(metrics, []any{map[string]any{"id": "pods", "expression": "FILL(METRICS(), 0)", "label": ""}})
}

func (c *Chaos) dashboard(ui, cpu *cloudwatch.MetricAlarm, steady *cloudwatch.CompositeAlarm) (pulumi.StringOutput, error) {
	a := c.args
	body := pulumi.All(ui.Arn, cpu.Arn, steady.Arn).ApplyT(func(arns []any) (string, error) {
		list := make([]string, len(arns))
		for i, v := range arns {
			list[i] = v.(string)
		}
		return DashboardBody(a.Region, a.ClusterName, a.Namespace, a.LoadBalancerName, list)
	}).(pulumi.StringOutput)
	name := a.Prefix + "-steady-state"
	if _, err := cloudwatch.NewDashboard(c.ctx, name, &cloudwatch.DashboardArgs{
		DashboardName: pulumi.String(name),
		DashboardBody: body,
	}, pulumi.Parent(c)); err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("chaos: dashboard: %w", err)
	}
	return pulumi.Sprintf("https://%s.console.aws.amazon.com/cloudwatch/home?region=%s#dashboards/dashboard/%s", a.Region, a.Region, name), nil
}
