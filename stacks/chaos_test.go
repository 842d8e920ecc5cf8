package stacks

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
	"github.com/workshop/spinnaker-modernization/components/chaos"
	"github.com/workshop/spinnaker-modernization/components/yelb"
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

// TestSteadyStateAlarmsAsTheWorkshop: both alarms as the workshop sets
// them, and the composite of the two.
func TestSteadyStateAlarmsAsTheWorkshop(t *testing.T) {
	cloud, _ := devGraph(t)
	cases := []struct {
		name           string
		metric         string
		comparison     string
		threshold      float64
		statistic      string
		dimensionCount int
	}{
		{"hello-dev-yelb-ui-running-pods", "service_number_of_running_pods", "LessThanThreshold", 1, "Minimum", 3},
		{"hello-dev-node-cpu", "node_cpu_utilization", "GreaterThanOrEqualToThreshold", 60, "Average", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := mustFind(t, cloud, "aws:cloudwatch/metricAlarm:MetricAlarm", c.name)
			m := alarmMetric(t, a)
			if a.String("name") != c.name || m.Name != c.metric || a.String("comparisonOperator") != c.comparison ||
				a.Input("threshold") != c.threshold || m.Stat != c.statistic || len(m.Dimensions) != c.dimensionCount {
				t.Errorf("alarm %v reads %+v", a.Inputs, m)
			}
		})
	}
	composite := mustFind(t, cloud, "aws:cloudwatch/compositeAlarm:CompositeAlarm", "hello-dev-steady-state")
	if rule := composite.String("alarmRule"); rule != `ALARM("hello-dev-yelb-ui-running-pods") OR ALARM("hello-dev-node-cpu")` {
		t.Errorf("composite rule %s", rule)
	}
}

// alarmMetric is the Container Insights metric an alarm reads, whether
// directly or through metric math.
type alarmMetricRead struct {
	Namespace, Name, Stat string
	Dimensions            map[string]any
	Period                float64
	// Expression is what the alarm evaluates, with the metric's query id
	// as "m"; "" when it evaluates the metric itself.
	Expression string
}

func alarmMetric(t *testing.T, a mockcloud.Resource) alarmMetricRead {
	t.Helper()
	queries, _ := a.Input("metricQueries").([]any)
	if len(queries) == 0 {
		dims, _ := a.Input("dimensions").(map[string]any)
		period, _ := a.Input("period").(float64)
		return alarmMetricRead{Namespace: a.String("namespace"), Name: a.String("metricName"), Stat: a.String("statistic"),
			Dimensions: dims, Period: period}
	}
	var read alarmMetricRead
	metricID := ""
	for _, q := range queries {
		q := q.(map[string]any)
		if m, ok := q["metric"].(map[string]any); ok {
			metricID = q["id"].(string)
			dims, _ := m["dimensions"].(map[string]any)
			read.Namespace, read.Name, read.Stat, read.Dimensions, read.Period =
				m["namespace"].(string), m["metricName"].(string), m["stat"].(string), dims, m["period"].(float64)
		}
		if q["returnData"] == true {
			read.Expression, _ = q["expression"].(string)
		}
	}
	read.Expression = strings.ReplaceAll(read.Expression, metricID, "m")
	return read
}

// collectionInterval is how often the CloudWatch agent of the add-on
// publishes Container Insights, in seconds: metrics_collection_interval of
// the kubernetes section or the agent section, else one minute
// (aws/amazon-cloudwatch-agent translator/translate/otel/receiver/
// awscontainerinsight/translator.go and utils.go, DefaultMetricsCollectionInterval).
func collectionInterval(t *testing.T, cloud *mockcloud.Cloud) float64 {
	t.Helper()
	addon := mustFind(t, cloud, "aws:eks/addon:Addon", "hello-dev-app-amazon-cloudwatch-observability")
	var cfg struct {
		Agent struct {
			Config struct {
				Agent struct {
					Interval float64 `json:"metrics_collection_interval"`
				} `json:"agent"`
				Logs struct {
					Collected struct {
						Kubernetes struct {
							Interval float64 `json:"metrics_collection_interval"`
						} `json:"kubernetes"`
					} `json:"metrics_collected"`
				} `json:"logs"`
			} `json:"config"`
		} `json:"agent"`
	}
	if err := json.Unmarshal([]byte(addon.String("configurationValues")), &cfg); err != nil {
		t.Fatal(err)
	}
	for _, v := range []float64{cfg.Agent.Config.Logs.Collected.Kubernetes.Interval, cfg.Agent.Config.Agent.Interval} {
		if v > 0 {
			return v
		}
	}
	return 60
}

// TestNoPodAlarmFiresWithZeroPods: Container Insights publishes a
// Service's running pods from its Endpoints, and skips a Service with no
// ready address ("ignore the service which has 0 pods",
// amazon-contributing/opentelemetry-collector-contrib internal/aws/k8s/
// k8sclient/endpoint.go, used by receiver/awscontainerinsightreceiver/
// internal/k8sapiserver/k8sapiserver.go getServiceMetrics). So zero pods
// is no datapoint, and the alarm must count a missing period as zero:
// FILL(m, 0) (CloudWatch User Guide, "Using metric math", FILL), with
// missing data breaching for a range with nothing to fill. Its period is a
// whole number of collection intervals: shorter, half its periods are
// empty. And it needs more than one breaching period: FILL turns a
// datapoint not yet delivered into 0 (same page, FILL: "use a M out of N
// alarm").
func TestNoPodAlarmFiresWithZeroPods(t *testing.T) {
	cloud, _ := devGraph(t)
	a := mustFind(t, cloud, "aws:cloudwatch/metricAlarm:MetricAlarm", "hello-dev-yelb-ui-running-pods")
	m := alarmMetric(t, a)
	if m.Expression != "FILL(m, 0)" {
		t.Errorf("the alarm evaluates %q, not FILL(m, 0): with no pod it sees no datapoint", m.Expression)
	}
	if a.String("treatMissingData") != "breaching" {
		t.Errorf("missing data is %q, not breaching", a.String("treatMissingData"))
	}
	interval := collectionInterval(t, cloud)
	if m.Period < interval || int(m.Period)%int(interval) != 0 {
		t.Errorf("period %vs on data published every %vs", m.Period, interval)
	}
	if n, _ := a.Input("datapointsToAlarm").(float64); n < 2 {
		t.Errorf("%v breaching period raises the alarm: one late datapoint would", n)
	}
}

// TestAlarmsReadWhatIsPublished: each alarm and graph names a dimension set
// the agent publishes its metric with (aws/amazon-cloudwatch-agent
// translator/translate/otel/exporter/awsemf/kubernetes.go:
// getServiceMetricDeclarations, getNodeMetricDeclarations), with the values
// the agent and the app give them: the EKS cluster's name, yelb's
// namespace, and the name of a Service yelb deploys.
func TestAlarmsReadWhatIsPublished(t *testing.T) {
	cloud, _ := devGraph(t)
	published := map[string][][]string{
		"service_number_of_running_pods": {{"ClusterName", "Namespace", "Service"}, {"ClusterName"}},
		"node_cpu_utilization":           {{"ClusterName", "InstanceId", "NodeName"}, {"ClusterName"}},
	}
	cluster := mustFind(t, cloud, "eks:index:Cluster", "hello-dev-app").String("name")
	services := yelbServices(t, cloud)
	for _, name := range []string{"hello-dev-yelb-ui-running-pods", "hello-dev-node-cpu"} {
		t.Run(name, func(t *testing.T) {
			m := alarmMetric(t, mustFind(t, cloud, "aws:cloudwatch/metricAlarm:MetricAlarm", name))
			keys := slices.Sorted(maps.Keys(m.Dimensions))
			if m.Namespace != "ContainerInsights" || !slices.ContainsFunc(published[m.Name], func(set []string) bool { return slices.Equal(set, keys) }) {
				t.Errorf("%s %s by %v: published by %v only", m.Namespace, m.Name, keys, published[m.Name])
			}
			if m.Dimensions["ClusterName"] != cluster {
				t.Errorf("ClusterName %v, the cluster is %s", m.Dimensions["ClusterName"], cluster)
			}
			if ns, ok := m.Dimensions["Namespace"]; ok && !slices.Contains(services[ns.(string)], m.Dimensions["Service"].(string)) {
				t.Errorf("Service %v in %v: yelb's Services are %v", m.Dimensions["Service"], ns, services)
			}
		})
	}
	for _, tier := range chaos.Tiers {
		if !slices.Contains(services["hello-dev"], tier) {
			t.Errorf("the dashboard graphs Service %s, yelb has %v", tier, services)
		}
	}
}

// yelbServices are the Services of yelb's first stage, by the namespace the
// stack deploys it to.
func yelbServices(t *testing.T, cloud *mockcloud.Cloud) map[string][]string {
	t.Helper()
	group := mustFind(t, cloud, "kubernetes:yaml/v2:ConfigGroup", "hello-dev-yelb")
	namespaces, err := yelb.Objects(group.String("yaml"))
	if err != nil {
		t.Fatal(err)
	}
	stage1, err := yelb.Objects(uploaded(t, cloud, "1.app-v1.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, ns := range namespaces {
		if ns.Kind() != "Namespace" {
			continue
		}
		for _, o := range stage1 {
			if o.Kind() == "Service" {
				out[ns.Name()] = append(out[ns.Name()], o.Name())
			}
		}
	}
	return out
}

// uploaded is a stage file as uploaded for Spinnaker.
func uploaded(t *testing.T, cloud *mockcloud.Cloud, key string) string {
	t.Helper()
	for _, r := range cloud.OfType("aws:s3/bucketObjectv2:BucketObjectv2") {
		if r.String("key") == key {
			return r.String("content")
		}
	}
	t.Fatalf("%s is not uploaded", key)
	return ""
}

// TestNotificationsCloudWatchCanEncrypt: CloudWatch alarms publish to an
// encrypted topic only with a customer-managed key whose policy allows
// cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*; the
// AWS-managed alias/aws/sns key's policy cannot (Amazon SNS Developer Guide,
// "Enable compatibility between event sources from AWS services and
// encrypted topics", docs.aws.amazon.com/sns/latest/dg/sns-key-management.html;
// repost.aws/knowledge-center/cloudwatch-configure-alarm-sns).
func TestNotificationsCloudWatchCanEncrypt(t *testing.T) {
	cloud, _ := devGraph(t)
	if len(cloud.OfType("aws:sns/topic:Topic")) != 0 {
		t.Error("a topic without a notification e-mail")
	}
	withMail := graphWith(t, map[string]string{"workshop:chaos": `{"notificationEmail":"ops@example.com"}`})
	sub := mustFind(t, withMail, "aws:sns/topicSubscription:TopicSubscription", "hello-dev-steady-state")
	if sub.String("endpoint") != "ops@example.com" || sub.String("protocol") != "email" {
		t.Errorf("subscription %v", sub.Inputs)
	}
	topic := mustFind(t, withMail, "aws:sns/topic:Topic", "hello-dev-steady-state")
	composite := mustFind(t, withMail, "aws:cloudwatch/compositeAlarm:CompositeAlarm", "hello-dev-steady-state")
	if !sameJSON(t, composite.Input("alarmActions"), []string{output(t, topic, "arn")}) {
		t.Errorf("composite alarm actions %v", composite.Input("alarmActions"))
	}
	var key *mockcloud.Resource
	for _, k := range withMail.OfType("aws:kms/key:Key") {
		if output(t, k, "arn") == topic.String("kmsMasterKeyId") {
			key = &k
		}
	}
	if key == nil {
		t.Fatalf("the topic is encrypted with %q, not a key of the stack", topic.String("kmsMasterKeyId"))
	}
	doc, err := awsiam.Parse(key.String("policy"))
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{}
	for _, s := range doc.Statement {
		if s.Effect == "Allow" && s.Principal["Service"] == "cloudwatch.amazonaws.com" && len(s.Condition) == 0 {
			for _, a := range s.Action {
				allowed[a] = true
			}
		}
	}
	if !allowed["kms:Decrypt"] || !allowed["kms:GenerateDataKey*"] {
		t.Errorf("key policy lets cloudwatch.amazonaws.com %v, it needs kms:Decrypt and kms:GenerateDataKey*", allowed)
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
		t.Run(r.Name, func(t *testing.T) {
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
		})
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
	// FIS logs to CloudWatch Logs through log delivery, which needs
	// logs:CreateLogDelivery (no resource type, so "*") and, on log groups
	// ("arn:aws:logs:<region>:<account>:log-group:*"), PutResourcePolicy,
	// DescribeResourcePolicies and DescribeLogGroups: FIS User Guide,
	// "Experiment logging", Permissions, docs.aws.amazon.com/fis/latest/
	// userguide/monitoring-logging.html, pointing to the CloudWatch Logs User
	// Guide, "Logs sent to CloudWatch Logs", docs.aws.amazon.com/
	// AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html, whose
	// note asks for exactly this: "set the ARN of its Resource line to use a
	// * wildcard ... \"arn:aws:logs:us-east-1:111122223333:log-group:*\"".
	logGroups := "arn:aws:logs:ap-northeast-2:123456789012:log-group:*"
	logsOn := map[string][]string{}
	for _, s := range doc.Statement {
		for _, a := range s.Action {
			readOnly := strings.Contains(a, ":Describe") || strings.Contains(a, ":Get")
			if strings.HasPrefix(a, "logs:") {
				logsOn[a] = append(logsOn[a], s.Resource...)
			} else if !readOnly && slices.Contains(s.Resource, "*") {
				t.Errorf("%s allowed on every resource", a)
			}
			if a == "ec2:TerminateInstances" && !strings.Contains(policy, `"aws:ResourceTag/eks:cluster-name":"hello-dev-app"`) {
				t.Error("instances of any cluster may be terminated")
			}
		}
	}
	want := map[string][]string{
		"logs:CreateLogDelivery":        {"*"},
		"logs:PutResourcePolicy":        {logGroups},
		"logs:DescribeResourcePolicies": {logGroups},
		"logs:DescribeLogGroups":        {logGroups},
	}
	if !maps.EqualFunc(logsOn, want, slices.Equal) {
		t.Errorf("logs actions on %v, want %v", logsOn, want)
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
	lbName := ingressLoadBalancerName(t, cloud)
	for _, want := range append(chaos.Tiers, "node_cpu_utilization", "HTTPCode_ELB_5XX_Count", "TargetResponseTime", "LoadBalancer=app/"+lbName+"'") {
		if !strings.Contains(text, want) {
			t.Errorf("dashboard lacks %s", want)
		}
	}
	if body.Widgets[0].Type != "alarm" || len(body.Widgets[0].Properties["alarms"].([]any)) != 3 {
		t.Errorf("alarm widget %+v", body.Widgets[0])
	}
}

// ingressLoadBalancerName is the name yelb's ingress gives its ALB.
func ingressLoadBalancerName(t *testing.T, cloud *mockcloud.Cloud) string {
	t.Helper()
	objs, err := yelb.Objects(uploaded(t, cloud, "1.app-v1.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.Kind() == "Ingress" {
			annotations, _ := o["metadata"].(map[string]any)["annotations"].(map[string]any)
			if name, ok := annotations["alb.ingress.kubernetes.io/load-balancer-name"].(string); ok {
				return name
			}
		}
	}
	t.Fatal("no ingress names its load balancer")
	return ""
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
