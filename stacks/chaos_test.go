package stacks

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
	"github.com/workshop/spinnaker-modernization/components/chaos"
	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

func output(t *testing.T, r mockcloud.Resource, key string) string {
	t.Helper()
	s, _ := r.Output(key).(string)
	if s == "" {
		t.Fatalf("%s has no output %s", r.URN, key)
	}
	return s
}

// TestSteadyStateAlarmsAsTheWorkshop: both alarms field by field, and the
// composite of the two.
func TestSteadyStateAlarmsAsTheWorkshop(t *testing.T) {
	cloud, _ := devGraph(t)
	want := map[string]map[string]any{
		"hello-dev-yelb-ui-running-pods": {"metricName": "service_number_of_running_pods", "comparisonOperator": "LessThanThreshold", "threshold": 1.0,
			"statistic": "Minimum", "dimensions": map[string]any{"ClusterName": "hello-dev-app", "Namespace": "hello-dev", "Service": "yelb-ui"}},
		"hello-dev-node-cpu": {"metricName": "node_cpu_utilization", "comparisonOperator": "GreaterThanOrEqualToThreshold", "threshold": 60.0,
			"statistic": "Average", "dimensions": map[string]any{"ClusterName": "hello-dev-app"}},
	}
	for name, fields := range want {
		a := mustFind(t, cloud, "aws:cloudwatch/metricAlarm:MetricAlarm", name)
		common := map[string]any{"name": name, "namespace": "ContainerInsights", "period": 30.0, "evaluationPeriods": 1.0, "datapointsToAlarm": 1.0, "treatMissingData": "ignore"}
		for k, v := range fields {
			common[k] = v
		}
		for k, v := range common {
			if !sameJSON(t, a.Input(k), v) {
				t.Errorf("%s: %s = %v, want %v", name, k, a.Input(k), v)
			}
		}
	}
	composite := mustFind(t, cloud, "aws:cloudwatch/compositeAlarm:CompositeAlarm", "hello-dev-steady-state")
	if rule := composite.String("alarmRule"); rule != `ALARM("hello-dev-yelb-ui-running-pods") OR ALARM("hello-dev-node-cpu")` {
		t.Errorf("composite rule %s", rule)
	}
	if len(cloud.OfType("aws:sns/topic:Topic")) != 0 {
		t.Error("a topic without a notification e-mail")
	}
	withMail := graphWith(t, map[string]string{"workshop:chaos": `{"notificationEmail":"ops@example.com"}`})
	sub := mustFind(t, withMail, "aws:sns/topicSubscription:TopicSubscription", "hello-dev-steady-state")
	if sub.String("endpoint") != "ops@example.com" || sub.String("protocol") != "email" {
		t.Errorf("subscription %v", sub.Inputs)
	}
	if c := mustFind(t, withMail, "aws:cloudwatch/compositeAlarm:CompositeAlarm", "hello-dev-steady-state"); len(c.Input("alarmActions").([]any)) != 1 {
		t.Errorf("composite alarm actions %v", c.Input("alarmActions"))
	}
}

// recordedTemplate reads an experiment template back from its inputs.
func recordedTemplate(t *testing.T, r mockcloud.Resource) (chaos.Template, map[string]any) {
	t.Helper()
	action := r.Input("actions").([]any)[0].(map[string]any)
	target := r.Input("targets").([]any)[0].(map[string]any)
	tmpl := chaos.Template{Name: action["name"].(string), Action: chaos.Action{ID: action["actionId"].(string), Parameters: map[string]string{}}}
	for _, p := range action["parameters"].([]any) {
		tmpl.Action.Parameters[p.(map[string]any)["key"].(string)] = p.(map[string]any)["value"].(string)
	}
	tmpl.Target = chaos.Target{ResourceType: target["resourceType"].(string), SelectionMode: target["selectionMode"].(string), Parameters: map[string]string{}}
	if params, ok := target["parameters"].(map[string]any); ok {
		for k, v := range params {
			tmpl.Target.Parameters[k] = v.(string)
		}
	}
	arns, _ := target["resourceArns"].([]any)
	tmpl.Target.HasResourceArns = len(arns) > 0
	if tk := action["target"].(map[string]any); tk["key"] != chaos.TargetKey(tmpl.Action.ID) || tk["value"] != target["name"] {
		t.Errorf("%s: action target %v does not name target %v under key %s", tmpl.Name, tk, target["name"], chaos.TargetKey(tmpl.Action.ID))
	}
	return tmpl, target
}

// TestExperimentTemplates: each template as deployed passes the catalog, is
// wired to the node group, subnets or pods it names, stops on both alarms and
// logs to the FIS log group.
func TestExperimentTemplates(t *testing.T) {
	cloud, _ := devGraph(t)
	templates := cloud.OfType("aws:fis/experimentTemplate:ExperimentTemplate")
	if len(templates) != 3 {
		t.Fatalf("%d templates, want 3", len(templates))
	}
	alarmArns := []string{
		output(t, mustFind(t, cloud, "aws:cloudwatch/metricAlarm:MetricAlarm", "hello-dev-yelb-ui-running-pods"), "arn"),
		output(t, mustFind(t, cloud, "aws:cloudwatch/metricAlarm:MetricAlarm", "hello-dev-node-cpu"), "arn"),
	}
	logArn := output(t, mustFind(t, cloud, "aws:cloudwatch/logGroup:LogGroup", "hello-dev-chaos-fis"), "arn")
	nodeGroupArn := output(t, mustFind(t, cloud, "aws:eks/nodeGroup:NodeGroup", "hello-dev-app-default"), "arn")
	roleArn := output(t, mustFind(t, cloud, "aws:iam/role:Role", "hello-dev-chaos-fis"), "arn")
	seen := map[string]bool{}
	for _, r := range templates {
		tmpl, target := recordedTemplate(t, r)
		seen[tmpl.Name] = true
		for _, err := range tmpl.Validate() {
			t.Errorf("deployed %v", err)
		}
		var stops []string
		for _, s := range r.Input("stopConditions").([]any) {
			if s.(map[string]any)["source"] != "aws:cloudwatch:alarm" {
				t.Errorf("%s: stop condition %v", tmpl.Name, s)
			}
			stops = append(stops, s.(map[string]any)["value"].(string))
		}
		if !slices.Equal(stops, alarmArns) {
			t.Errorf("%s: stops on %v, want %v", tmpl.Name, stops, alarmArns)
		}
		logs := r.Input("logConfiguration").(map[string]any)
		if logs["cloudwatchLogsConfiguration"].(map[string]any)["logGroupArn"] != logArn+":*" || logs["logSchemaVersion"] != 2.0 {
			t.Errorf("%s: logs %v, want %s:*", tmpl.Name, logs, logArn)
		}
		if r.String("roleArn") != roleArn {
			t.Errorf("%s: role %s", tmpl.Name, r.String("roleArn"))
		}
		switch tmpl.Name {
		case chaos.TerminateEKSNodes:
			if tmpl.Action.Parameters["instanceTerminationPercentage"] != "40" || !sameJSON(t, target["resourceArns"], []string{nodeGroupArn}) {
				t.Errorf("TerminateEKSNodes: %v on %v", tmpl.Action.Parameters, target["resourceArns"])
			}
		case chaos.AppServerPodDelete:
			if tmpl.Target.Parameters["clusterIdentifier"] != "hello-dev-app" || tmpl.Target.Parameters["namespace"] != "hello-dev" ||
				tmpl.Target.Parameters["selectorValue"] != "app=yelb-appserver" || tmpl.Action.Parameters["kubernetesServiceAccount"] != chaos.ExperimentUser {
				t.Errorf("AppServerPodDelete: %v, %v", tmpl.Target.Parameters, tmpl.Action.Parameters)
			}
		case chaos.AZPowerInterruption:
			arns := target["resourceArns"].([]any)
			if len(arns) != 3 || !strings.HasPrefix(arns[0].(string), "arn:aws:ec2:ap-northeast-2:123456789012:subnet/") ||
				!sameJSON(t, target["filters"], []map[string]any{{"path": "AvailabilityZone", "values": []string{"ap-northeast-2a"}}}) {
				t.Errorf("AZPowerInterruption targets %v filtered %v", arns, target["filters"])
			}
		}
	}
	if len(seen) != 3 {
		t.Errorf("templates %v", seen)
	}
	withPercentage := graphWith(t, map[string]string{"workshop:chaos": `{"terminationPercentage":25}`})
	tmpl, _ := recordedTemplate(t, mustFind(t, withPercentage, "aws:fis/experimentTemplate:ExperimentTemplate", "hello-dev-TerminateEKSNodes"))
	if tmpl.Action.Parameters["instanceTerminationPercentage"] != "25" {
		t.Errorf("configured percentage not used: %v", tmpl.Action.Parameters)
	}
}

// TestExperimentRole: FIS alone assumes it, from this account, and it acts
// only on this stack's cluster and network ACLs FIS itself made.
func TestExperimentRole(t *testing.T) {
	cloud, _ := devGraph(t)
	role := mustFind(t, cloud, "aws:iam/role:Role", "hello-dev-chaos-fis")
	trust, err := awsiam.Parse(role.String("assumeRolePolicy"))
	if err != nil {
		t.Fatal(err)
	}
	if s := trust.Statement[0]; !strings.Contains(role.String("assumeRolePolicy"), `"fis.amazonaws.com"`) || !strings.Contains(role.String("assumeRolePolicy"), `"aws:SourceAccount":"123456789012"`) {
		t.Errorf("trust %+v", s)
	}
	policy := mustFind(t, cloud, "aws:iam/rolePolicy:RolePolicy", "hello-dev-chaos-fis").String("policy")
	doc, err := awsiam.Parse(policy)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range doc.Statement {
		for _, a := range s.Action {
			mutating := !strings.Contains(a, ":Describe") && !strings.Contains(a, ":Get") && !strings.HasPrefix(a, "logs:")
			if mutating && slices.Contains(s.Resource, "*") {
				t.Errorf("%s allowed on every resource", a)
			}
			if a == "ec2:TerminateInstances" && !strings.Contains(policy, `"aws:ResourceTag/eks:cluster-name":"hello-dev-app"`) {
				t.Error("instances of any cluster may be terminated")
			}
		}
	}
	entry := mustFind(t, cloud, "aws:eks/accessEntry:AccessEntry", "hello-dev-chaos-fis")
	if entry.String("userName") != chaos.ExperimentUser || entry.String("principalArn") != output(t, role, "arn") {
		t.Errorf("access entry %v", entry.Inputs)
	}
	binding := mustFind(t, cloud, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "hello-dev-chaos-fis")
	if !strings.Contains(mustJSON(t, binding.Input("subjects")), `"kind":"User","name":"fis-experiment"`) {
		t.Errorf("RoleBinding subjects %v", binding.Input("subjects"))
	}
	k8sRole := mustFind(t, cloud, "kubernetes:rbac.authorization.k8s.io/v1:Role", "hello-dev-chaos-fis")
	if md := k8sRole.Input("metadata").(map[string]any); md["namespace"] != "hello-dev" {
		t.Errorf("FIS may act in namespace %v", md["namespace"])
	}
}

// TestDashboardAndOutputs: the dashboard shows every tier and the alarms,
// and the stack exports what the experiment command reads.
func TestDashboardAndOutputs(t *testing.T) {
	cloud, _ := devGraph(t)
	dash := mustFind(t, cloud, "aws:cloudwatch/dashboard:Dashboard", "hello-dev-steady-state")
	var body struct {
		Widgets []struct {
			Type       string         `json:"type"`
			Properties map[string]any `json:"properties"`
		} `json:"widgets"`
	}
	if err := json.Unmarshal([]byte(dash.String("dashboardBody")), &body); err != nil {
		t.Fatalf("dashboard body: %v", err)
	}
	text := dash.String("dashboardBody")
	for _, want := range append(chaos.Tiers, "node_cpu_utilization", "HTTPCode_ELB_5XX_Count", "TargetResponseTime", "app/hello-dev-ui/") {
		if !strings.Contains(text, want) {
			t.Errorf("dashboard lacks %s", want)
		}
	}
	if body.Widgets[0].Type != "alarm" || len(body.Widgets[0].Properties["alarms"].([]any)) != 3 {
		t.Errorf("alarm widget %+v", body.Widgets[0])
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestTracingOnOpenTelemetry: the observability add-on receives OTLP and
// X-Ray traces and may write them to X-Ray.
func TestTracingOnOpenTelemetry(t *testing.T) {
	cloud, _ := devGraph(t)
	addon := mustFind(t, cloud, "aws:eks/addon:Addon", "hello-dev-app-amazon-cloudwatch-observability")
	var cfg struct {
		Agent struct {
			Config struct {
				Traces struct {
					Collected map[string]any `json:"traces_collected"`
				} `json:"traces"`
			} `json:"config"`
		} `json:"agent"`
	}
	if err := json.Unmarshal([]byte(addon.String("configurationValues")), &cfg); err != nil {
		t.Fatalf("configuration values: %v", err)
	}
	for _, receiver := range []string{"otlp", "xray"} {
		if _, ok := cfg.Agent.Config.Traces.Collected[receiver]; !ok {
			t.Errorf("traces from %s are not collected: %v", receiver, cfg.Agent.Config.Traces.Collected)
		}
	}
	found := false
	for _, r := range cloud.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		if strings.HasPrefix(r.Name, "hello-dev-app-cloudwatch") && strings.HasSuffix(r.String("policyArn"), "/AWSXrayWriteOnlyAccess") {
			found = true
		}
	}
	if !found {
		t.Error("the agent may not write to X-Ray")
	}
}
