package chaos

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Tiers are the yelb services whose running pods the dashboard shows.
var Tiers = []string{"yelb-ui", "yelb-appserver", "yelb-db", "redis-server"}

// DashboardBody is the steady state at a glance: running pods per tier,
// node CPU against its threshold, the ALB's 5xx and latency, alarm states.
func DashboardBody(region, clusterName, namespace, loadBalancerName string, alarmArns []string) (string, error) {
	var pods [][]any
	for _, tier := range Tiers {
		pods = append(pods, []any{metricNamespace, "service_number_of_running_pods", "ClusterName", clusterName, "Namespace", namespace, "Service", tier})
	}
	// The ALB's dimension carries an id assigned at creation, so search by
	// the name the ingress fixes.
	alb := func(metric, stat string) map[string]any {
		return map[string]any{"expression": fmt.Sprintf(`SEARCH('{AWS/ApplicationELB,LoadBalancer} MetricName="%s" LoadBalancer="app/%s/"', '%s', 60)`, metric, loadBalancerName, stat), "id": "e" + metric[:4]}
	}
	widget := func(x, y int, title string, props map[string]any) map[string]any {
		props["title"], props["region"] = title, region
		return map[string]any{"type": "metric", "x": x, "y": y, "width": 12, "height": 6, "properties": props}
	}
	body := map[string]any{"widgets": []any{
		map[string]any{"type": "alarm", "x": 0, "y": 0, "width": 24, "height": 3, "properties": map[string]any{
			"title": "Steady state", "alarms": alarmArns,
		}},
		widget(0, 3, "Running pods per tier", map[string]any{"metrics": pods, "stat": "Minimum", "period": alarmPeriod, "view": "timeSeries"}),
		widget(12, 3, "Node CPU (%)", map[string]any{
			"metrics": [][]any{{metricNamespace, "node_cpu_utilization", "ClusterName", clusterName}},
			"stat":    "Average", "period": alarmPeriod,
			"annotations": map[string]any{"horizontal": []any{map[string]any{"label": "steady-state limit", "value": 60}}},
		}),
		widget(0, 9, "ALB 5xx", map[string]any{"metrics": []any{[]any{alb("HTTPCode_ELB_5XX_Count", "Sum")}, []any{alb("HTTPCode_Target_5XX_Count", "Sum")}}}),
		widget(12, 9, "ALB target response time (s)", map[string]any{"metrics": []any{[]any{alb("TargetResponseTime", "p99")}}}),
	}}
	b, err := json.Marshal(body)
	return string(b), err
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
