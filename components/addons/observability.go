package addons

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Container Insights writes to these groups under /aws/containerinsights/<cluster>/.
var ContainerInsightsLogGroups = []string{"application", "dataplane", "host", "performance"}

// CloudWatchAgentPolicies: metrics and logs for Container Insights, and
// traces to X-Ray for the OpenTelemetry path of the tracing work.
var CloudWatchAgentPolicies = []string{"CloudWatchAgentServerPolicy", "AWSXrayWriteOnlyAccess"}

const (
	cloudWatchNamespace      = "amazon-cloudwatch"
	cloudWatchServiceAccount = "cloudwatch-agent"
)

// cloudWatchObservability installs the amazon-cloudwatch-observability EKS
// add-on (Container Insights metrics and logs) after creating its log groups,
// so they expire and are deleted with the stack instead of outliving it.
func (in *installer) cloudWatchObservability() error {
	var groups []pulumi.Resource
	for _, g := range ContainerInsightsLogGroups {
		lg, err := cloudwatch.NewLogGroup(in.ctx, in.child("insights-"+g), &cloudwatch.LogGroupArgs{
			Name:            pulumi.Sprintf("/aws/containerinsights/%s/%s", in.args.ClusterName, g),
			RetentionInDays: pulumi.Int(in.args.LogRetentionDays),
			Tags:            pulumi.ToStringMap(in.args.Tags),
		}, pulumi.Parent(in.parent))
		if err != nil {
			return fmt.Errorf("creating log group %s: %w", g, err)
		}
		groups = append(groups, lg)
	}
	assoc, err := in.podIdentity("cloudwatch", cloudWatchNamespace, cloudWatchServiceAccount, nil, CloudWatchAgentPolicies)
	if err != nil {
		return err
	}
	_, err = in.eksAddon("amazon-cloudwatch-observability", CloudWatchObservabilityVersion, func(a *eks.AddonArgs) {
		a.ConfigurationValues = pulumi.String(ObservabilityConfig)
	}, append(groups, assoc, in.agent)...)
	return err
}

// ObservabilityConfig is the agent's configuration: Container Insights with
// enhanced observability, and the OpenTelemetry path to X-Ray, since the
// X-Ray daemon and SDKs end support on 2027-02-25. The OTLP and X-Ray
// receivers default to 127.0.0.1 (amazon-cloudwatch-agent
// translator/translate/otel/receiver/{otlp,awsxray}/translator.go), which
// pods calling cloudwatch-agent.amazon-cloudwatch cannot reach; upstream's
// chart binds OTLP to 0.0.0.0 for that reason (helm-charts
// charts/amazon-cloudwatch-observability/templates/_helpers.tpl). Application
// Signals is left off: it instruments Java, Python, .NET and Node.js, none of
// which the workshop runs, and its X-Ray proxy (awsproxy, 0.0.0.0:2000 TCP)
// would take the port the X-Ray receiver's sampling proxy binds.
const ObservabilityConfig = `{"agent":{"config":{` +
	`"logs":{"metrics_collected":{"kubernetes":{"enhanced_container_insights":true}}},` +
	`"traces":{"traces_collected":{` +
	`"otlp":{"grpc_endpoint":"0.0.0.0:4317","http_endpoint":"0.0.0.0:4318"},` +
	`"xray":{"bind_address":"0.0.0.0:2000","tcp_proxy":{"bind_address":"0.0.0.0:2000"}}}}}}}`
