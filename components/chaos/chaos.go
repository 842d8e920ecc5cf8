package chaos

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/fis"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ChaosArgs say what the experiments act on.
type ChaosArgs struct {
	Prefix string
	Region string
	// AccountID scopes the FIS role's trust and permissions.
	AccountID string
	// ClusterName is the app cluster's name, known up front; ClusterReady
	// resolves to it once the cluster exists.
	ClusterName  string
	ClusterReady pulumi.StringInput
	Namespace    string
	NodeGroupArn pulumi.StringInput
	// PrivateSubnetArns are the app's node subnets; the AZ experiment cuts
	// off those in AvailabilityZone.
	PrivateSubnetArns pulumi.StringArrayInput
	AvailabilityZone  string
	VpcArn            pulumi.StringInput
	// LoadBalancerName is the app's ALB, for the dashboard.
	LoadBalancerName      string
	TerminationPercentage int
	NotificationEmail     string
	LogRetentionDays      int

	Provider *kubernetes.Provider
	// AppObjects must exist before the experiment's RBAC goes into the
	// app's namespace.
	AppObjects pulumi.Resource
	Tags       map[string]string
}

// Chaos is the experiment setup of one stack.
type Chaos struct {
	pulumi.ResourceState

	ctx  *pulumi.Context
	args ChaosArgs

	// TemplateIDs are the experiment template ids by template name.
	TemplateIDs map[string]pulumi.IDOutput
	// AlarmNames: uiRunningPods, nodeCpu, steadyState.
	AlarmNames map[string]string
	Dashboard  pulumi.StringOutput
}

// Template names, as the experiment command knows them.
const (
	TerminateEKSNodes   = "TerminateEKSNodes"
	AppServerPodDelete  = "AppServerPodDelete"
	AZPowerInterruption = "AZPowerInterruption"
	// ExperimentUser is the Kubernetes user FIS acts as in the app cluster.
	ExperimentUser = "fis-experiment"
)

// Templates are the workshop's experiments as plain values.
func Templates(args ChaosArgs) []Template {
	return []Template{
		{
			Name:        TerminateEKSNodes,
			Description: fmt.Sprintf("Terminate %d%% of the app cluster's nodes; yelb-ui must keep running", args.TerminationPercentage),
			Action: Action{ID: "aws:eks:terminate-nodegroup-instances", Parameters: map[string]string{
				"instanceTerminationPercentage": strconv.Itoa(args.TerminationPercentage),
			}},
			Target: Target{ResourceType: "aws:eks:nodegroup", SelectionMode: "ALL", HasResourceArns: true},
		},
		{
			Name:        AppServerPodDelete,
			Description: "Delete half of the yelb-appserver pods; the ui must keep answering",
			Action: Action{ID: "aws:eks:pod-delete", Parameters: map[string]string{
				"kubernetesServiceAccount": ExperimentUser,
				"gracePeriodSeconds":       "0",
			}},
			Target: Target{ResourceType: "aws:eks:pod", SelectionMode: "PERCENT(50)", Parameters: map[string]string{
				"clusterIdentifier": args.ClusterName,
				"namespace":         args.Namespace,
				"selectorType":      "labelSelector",
				"selectorValue":     "app=yelb-appserver",
			}},
		},
		{
			Name:        AZPowerInterruption,
			Description: fmt.Sprintf("Cut every connection of the app's subnets in %s for 5 minutes, as if the zone lost power", args.AvailabilityZone),
			Action: Action{ID: "aws:network:disrupt-connectivity", Parameters: map[string]string{
				"duration": "PT5M",
				"scope":    "all",
			}},
			Target: Target{ResourceType: "aws:ec2:subnet", SelectionMode: "ALL", HasResourceArns: true,
				Filters: map[string][]string{"AvailabilityZone": {args.AvailabilityZone}}},
		},
	}
}

// NewChaos creates alarms, dashboard, the FIS role and log group, and the
// experiment templates.
func NewChaos(ctx *pulumi.Context, name string, args ChaosArgs, opts ...pulumi.ResourceOption) (*Chaos, error) {
	templates := Templates(args)
	for _, t := range templates {
		if errs := t.Validate(); len(errs) > 0 {
			return nil, fmt.Errorf("chaos %s: %v", name, errs)
		}
	}
	c := &Chaos{ctx: ctx, args: args, TemplateIDs: map[string]pulumi.IDOutput{}}
	if err := ctx.RegisterComponentResource("workshop:chaos:Chaos", name, c, opts...); err != nil {
		return nil, err
	}
	alarms, err := c.alarms(name)
	if err != nil {
		return nil, err
	}
	if err := c.experimentTemplates(name, templates, alarms); err != nil {
		return nil, err
	}
	dash, err := c.dashboard(alarms.ui, alarms.cpu, alarms.steady)
	if err != nil {
		return nil, err
	}
	c.Dashboard = dash
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"dashboard": dash})
}

// steadyStateAlarms are the alarms of one stack.
type steadyStateAlarms struct {
	ui, cpu *cloudwatch.MetricAlarm
	steady  *cloudwatch.CompositeAlarm
}

// alarms creates both parts of the steady state and the composite that
// notifies.
func (c *Chaos) alarms(name string) (steadyStateAlarms, error) {
	var out steadyStateAlarms
	actions, err := c.notifications(name)
	if err != nil {
		return out, err
	}
	uiSpec, cpuSpec := SteadyStateAlarms(c.args.Prefix, c.args.ClusterName, c.args.Namespace)
	if out.ui, err = c.metricAlarm(uiSpec); err != nil {
		return out, err
	}
	if out.cpu, err = c.metricAlarm(cpuSpec); err != nil {
		return out, err
	}
	if out.steady, err = c.steadyState(out.ui, out.cpu, actions); err != nil {
		return out, err
	}
	c.AlarmNames = map[string]string{"uiRunningPods": uiSpec.Name, "nodeCpu": cpuSpec.Name, "steadyState": c.args.Prefix + "-steady-state"}
	return out, nil
}

// experimentTemplates creates what every template shares (log group, role,
// pod access) and the templates, each stopped by both metric alarms.
func (c *Chaos) experimentTemplates(name string, templates []Template, alarms steadyStateAlarms) error {
	a := c.args
	logs, err := cloudwatch.NewLogGroup(c.ctx, name+"-fis", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/fis/" + a.Prefix),
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
		Tags:            pulumi.ToStringMap(a.Tags),
	}, pulumi.Parent(c))
	if err != nil {
		return fmt.Errorf("chaos %s: log group: %w", name, err)
	}
	role, err := c.experimentRole(name)
	if err != nil {
		return err
	}
	podAccess, err := c.podAccess(name, role.Arn)
	if err != nil {
		return err
	}
	shared := fis.ExperimentTemplateArgs{
		RoleArn: role.Arn,
		StopConditions: fis.ExperimentTemplateStopConditionArray{
			fis.ExperimentTemplateStopConditionArgs{Source: pulumi.String("aws:cloudwatch:alarm"), Value: alarms.ui.Arn},
			fis.ExperimentTemplateStopConditionArgs{Source: pulumi.String("aws:cloudwatch:alarm"), Value: alarms.cpu.Arn},
		},
		LogConfiguration: fis.ExperimentTemplateLogConfigurationArgs{
			// FIS wants the log group's ARN with the ":*" of its streams.
			CloudwatchLogsConfiguration: fis.ExperimentTemplateLogConfigurationCloudwatchLogsConfigurationArgs{
				LogGroupArn: pulumi.Sprintf("%s:*", logs.Arn),
			},
			LogSchemaVersion: pulumi.Int(2),
		},
	}
	arns := map[string]pulumi.StringArrayInput{
		TerminateEKSNodes:   pulumi.StringArray{a.NodeGroupArn},
		AZPowerInterruption: a.PrivateSubnetArns,
	}
	for _, t := range templates {
		var deps []pulumi.Resource
		if t.Name == AppServerPodDelete {
			deps = podAccess
		}
		if err := c.experimentTemplate(t, shared, arns[t.Name], deps); err != nil {
			return fmt.Errorf("chaos %s: %w", name, err)
		}
	}
	return nil
}

// experimentTemplate creates one template from its plain values and what
// all templates share.
func (c *Chaos) experimentTemplate(t Template, args fis.ExperimentTemplateArgs, arns pulumi.StringArrayInput, deps []pulumi.Resource) error {
	args.Description = pulumi.String(t.Description)
	args.Actions = fis.ExperimentTemplateActionArray{fis.ExperimentTemplateActionArgs{
		Name:       pulumi.String(t.Name),
		ActionId:   pulumi.String(t.Action.ID),
		Parameters: actionParameters(t.Action.Parameters),
		Target:     fis.ExperimentTemplateActionTargetArgs{Key: pulumi.String(TargetKey(t.Action.ID)), Value: pulumi.String(t.Name)},
	}}
	args.Targets = fis.ExperimentTemplateTargetArray{target(t, arns)}
	args.Tags = pulumi.ToStringMap(withName(c.args.Tags, t.Name))
	tmpl, err := fis.NewExperimentTemplate(c.ctx, c.args.Prefix+"-"+t.Name, &args, pulumi.Parent(c), pulumi.DependsOn(deps))
	if err != nil {
		return fmt.Errorf("template %s: %w", t.Name, err)
	}
	c.TemplateIDs[t.Name] = tmpl.ID()
	return nil
}

func actionParameters(p map[string]string) fis.ExperimentTemplateActionParameterArray {
	var out fis.ExperimentTemplateActionParameterArray
	for _, k := range slices.Sorted(maps.Keys(p)) {
		out = append(out, fis.ExperimentTemplateActionParameterArgs{Key: pulumi.String(k), Value: pulumi.String(p[k])})
	}
	return out
}

func target(t Template, arns pulumi.StringArrayInput) fis.ExperimentTemplateTargetArgs {
	out := fis.ExperimentTemplateTargetArgs{
		Name:          pulumi.String(t.Name),
		ResourceType:  pulumi.String(t.Target.ResourceType),
		SelectionMode: pulumi.String(t.Target.SelectionMode),
	}
	if t.Target.HasResourceArns {
		out.ResourceArns = arns
	}
	if len(t.Target.Parameters) > 0 {
		out.Parameters = pulumi.ToStringMap(t.Target.Parameters)
	}
	var filters fis.ExperimentTemplateTargetFilterArray
	for _, path := range slices.Sorted(maps.Keys(t.Target.Filters)) {
		filters = append(filters, fis.ExperimentTemplateTargetFilterArgs{
			Path: pulumi.String(path), Values: pulumi.ToStringArray(t.Target.Filters[path]),
		})
	}
	if len(filters) > 0 {
		out.Filters = filters
	}
	return out
}

func withName(tags map[string]string, name string) map[string]string {
	out := map[string]string{"Name": name}
	for k, v := range tags {
		out[k] = v
	}
	return out
}
