package stacks

import (
	"errors"
	"net/netip"
	"strings"

	"github.com/workshop/spinnaker-modernization/components/addons"
	"github.com/workshop/spinnaker-modernization/components/cluster"
	"github.com/workshop/spinnaker-modernization/components/network"
	"github.com/workshop/spinnaker-modernization/components/spinnaker"
	"github.com/workshop/spinnaker-modernization/components/yelb"
)

// ConfigNamespace is the namespace of this project's config keys: the
// `name` in Pulumi.yaml, as in "workshop:nodeGroup".
const ConfigNamespace = "workshop"

// Config is the whole stack configuration as plain Go values, validated.
type Config struct {
	Stack string
	// Prefix is "<name>-<stack>": the physical name of everything that must be
	// known up front (cluster, namespace, alias), unique per stack in an account.
	Prefix            string
	Name              string
	Region            string
	Profile           string
	AvailabilityZones []string
	KubernetesVersion string
	AppVpcCidr        netip.Prefix
	PlatformVpcCidr   netip.Prefix
	NatStrategy       string
	FlowLogs          bool
	NodeGroup         cluster.NodeGroupArgs
	AddOns            addons.Flags
	Platform          bool
	PlatformNodeGroup cluster.NodeGroupArgs
	// SharedPlatform is the room's platform stack whose Spinnaker delivers
	// this stack's app; AttendeeStacks are the stacks a room's platform
	// delivers to. Both empty outside a room.
	SharedPlatform   string
	AttendeeStacks   []string
	SpinnakerVersion string
	BuildSource      BuildSource
	SpinnakerIngress spinnaker.IngressConfig
	Yelb             YelbConfig
	Chaos            ChaosConfig
	StateBackend     bool
	ClusterAdmins    []string
	APIAccessCidrs   []string
	LogRetentionDays int
	Tags             map[string]string

	// ChartMirror, when set, is the Helm repository every chart comes from.
	ChartMirror string
}

// BuildSource is the repository CodeBuild builds the v2 app server from.
type BuildSource struct {
	Location string `json:"location"`
	Branch   string `json:"branch"`
	// AppDir is the app server's Docker build context in the repository.
	AppDir string `json:"appDir"`
}

// YelbConfig is the demo app: its traffic backend and how it is delivered.
type YelbConfig struct {
	Enabled  bool   `json:"enabled"`
	Backend  string `json:"backend"`
	Delivery string `json:"delivery"`
	// Stage is how far Pulumi delivery goes: 1 v1, 2 v1 and v2, 3 v1:v2 = 1:1,
	// 4 plus high availability.
	Stage int `json:"stage"`
	// AppServerV2Image is the v2 app server for Pulumi delivery from stage 2.
	AppServerV2Image string `json:"appServerV2Image"`
	// DockerHubCredentialArn, if set, has the stack's ECR pull the Docker
	// Hub images through with this Secrets Manager credential.
	DockerHubCredentialArn string `json:"dockerHubCredentialArn"`
}

// ChaosConfig is the chaos experiment setup.
type ChaosConfig struct {
	Enabled bool `json:"enabled"`
	// TerminationPercentage is the share of nodes TerminateEKSNodes ends.
	TerminationPercentage int `json:"terminationPercentage"`
	// NotificationEmail, if set, is told when the steady state breaks.
	NotificationEmail string `json:"notificationEmail"`
	// AvailabilityZone is the zone AZPowerInterruption cuts off; default
	// the first of workshop:availabilityZones.
	AvailabilityZone string `json:"availabilityZone"`
}

// haReplicas is stage 4's replica count of yelb-ui and the app server, each
// replica on its own node.
const haReplicas = 6

// SupportedKubernetesVersions are the EKS versions in standard support.
var SupportedKubernetesVersions = []string{"1.34", "1.35", "1.36"}

// maxPrefixLen keeps "<prefix>-<suffix>" plus Pulumi's 8-character random
// suffix inside IAM's 64-character role names and S3's 63-character buckets
// for every suffix the components use (at most 27 characters).
const maxPrefixLen = 28

// validRetentionDays are the values CloudWatch Logs accepts.
var validRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// Key names a config key and documents it; Pulumi.yaml must agree (tested).
type Key struct {
	Name        string // full key, "workshop:name"
	Type        string // string, boolean, integer, array or object, as in Pulumi.yaml
	Description string
	Default     any
}

// Keys lists every key this program reads.
func Keys() []Key {
	d := Defaults("dev")
	return []Key{
		{"workshop:name", "string", "Short workshop name; with the stack name it prefixes cluster, namespace and other fixed names.", d.Name},
		{"workshop:availabilityZones", "array", "AZs of the region to spread subnets and nodes over (2 to 6). Empty: the region's a, b and c.", []string{}},
		{"workshop:kubernetesVersion", "string", "EKS Kubernetes version; one of " + strings.Join(SupportedKubernetesVersions, ", ") + ".", d.KubernetesVersion},
		{"workshop:appVpcCidr", "string", "IPv4 CIDR (/16 to /21) of the application cluster's VPC.", d.AppVpcCidr.String()},
		{"workshop:platformVpcCidr", "string", "IPv4 CIDR (/16 to /21) of the Spinnaker platform VPC; must not overlap appVpcCidr.", d.PlatformVpcCidr.String()},
		{"workshop:natStrategy", "string", "NAT gateways: single (one per VPC, like the workshop) or perAz (one per AZ).", d.NatStrategy},
		{"workshop:flowLogs", "boolean", "Send VPC flow logs to CloudWatch Logs.", d.FlowLogs},
		{"workshop:nodeGroup", "object", "App cluster managed node group: name, instanceType, minSize, maxSize, desiredSize, diskSizeGiB.", d.NodeGroup},
		{"workshop:addons", "object", "Enable flags of the app cluster add-ons: awsLoadBalancerController, clusterAutoscaler, cloudwatchObservability, metricsServer, ebsCsiDriver.", d.AddOns},
		{"workshop:platform", "boolean", "Build the Spinnaker platform (its VPC, cluster, Spinnaker, CodeBuild and ECR) in this stack.", d.Platform},
		{"workshop:sharedPlatform", "string", "In a room: the platform stack (same project, account and region) whose Spinnaker delivers this stack's app; this stack then has no platform of its own (workshop:platform false). Empty: none.", ""},
		{"workshop:attendeeStacks", "array", "In a room's platform stack: the attendee stacks (same project, account and region) whose app clusters its Spinnaker delivers to, one account, application and pipelines each; every one must exist. Empty: this stack's own app cluster.", []string{}},
		{"workshop:platformNodeGroup", "object", "Platform cluster managed node group: name, instanceType, minSize, maxSize, desiredSize, diskSizeGiB.", d.PlatformNodeGroup},
		{"workshop:spinnakerVersion", "string", "Spinnaker calendar version; one image tag for every service (ghcr.io/spinnaker/<service>:<version>).", d.SpinnakerVersion},
		{"workshop:chartMirror", "string", "HTTP(S) Helm repository that mirrors every chart the program installs (same names and versions), for accounts without internet egress; empty: each chart's upstream repository.", ""},
		{"workshop:spinnakerIngress", "object", "Optional ALB for Deck and gate: enabled, scheme (internal, or internet-facing with allowedCidrs), allowedCidrs.", d.SpinnakerIngress},
		{"workshop:yelb", "object", "The yelb app: enabled, backend (lattice, or appmesh: discontinued 2026-09-30), delivery (spinnaker pipelines, or pulumi), stage (pulumi delivery: 1-4), appServerV2Image (pulumi delivery from stage 2), dockerHubCredentialArn (optional Secrets Manager secret ecr-pullthroughcache/...: pull the Docker Hub images through the stack's ECR).", d.Yelb},
		{"workshop:chaos", "object", "Steady-state alarms, dashboard and FIS templates: enabled, terminationPercentage (TerminateEKSNodes, 1-100), notificationEmail (optional SNS e-mail), availabilityZone (AZPowerInterruption; default the first zone).", d.Chaos},
		{"workshop:buildSource", "object", "Repository CodeBuild builds the v2 app server from: location (https URL), branch, and appDir (its Docker build context).", d.BuildSource},
		{"workshop:stateBackend", "boolean", "Also create the S3 state bucket and KMS secrets key in this stack (the bootstrap stack).", d.StateBackend},
		{"workshop:clusterAdmins", "array", "IAM role or user ARNs given cluster-admin access entries on the clusters; not the principal that runs pulumi up, which EKS makes admin itself.", []string{}},
		{"workshop:apiAccessCidrs", "array", "Public CIDRs allowed to reach the EKS API endpoints; unless one is 0.0.0.0/0, the platform VPC's NAT addresses are added for the app cluster.", d.APIAccessCidrs},
		{"workshop:logRetentionDays", "integer", "Retention of every CloudWatch log group, in days (a value CloudWatch accepts).", d.LogRetentionDays},
		{"workshop:tags", "object", "Extra tags on every taggable AWS resource (at most 44; not workshop, managed-by, Name or kubernetes.io/ and k8s.io/ keys).", map[string]string{}},
		{"aws:region", "string", "AWS region.", d.Region},
		{"aws:profile", "string", "AWS shared-credentials profile for the explicit AWS provider (optional).", ""},
	}
}

// Defaults reproduces the workshop for one stack.
func Defaults(stack string) Config {
	return Config{
		Stack:             stack,
		Name:              "hello",
		Region:            "ap-northeast-2",
		KubernetesVersion: "1.35",
		AppVpcCidr:        netip.MustParsePrefix("10.0.0.0/16"),
		PlatformVpcCidr:   netip.MustParsePrefix("172.16.0.0/16"),
		NatStrategy:       network.NatSingle,
		NodeGroup: cluster.NodeGroupArgs{
			Name: "default", InstanceType: "t3.small",
			MinSize: 1, MaxSize: 9, DesiredSize: 3, DiskSizeGiB: 20,
		},
		AddOns:   addons.Flags{LoadBalancerController: true, ClusterAutoscaler: true, CloudWatchObservability: true, MetricsServer: true, EBSCSIDriver: true},
		Platform: true,
		PlatformNodeGroup: cluster.NodeGroupArgs{
			Name: "default", InstanceType: "m5.xlarge",
			MinSize: 1, MaxSize: 2, DesiredSize: 1, DiskSizeGiB: 500,
		},
		SpinnakerVersion: "2026.2.3",
		Yelb:             YelbConfig{Enabled: true, Backend: yelb.BackendLattice, Delivery: yelb.DeliverySpinnaker, Stage: 1},
		Chaos:            ChaosConfig{Enabled: true, TerminationPercentage: 40},
		BuildSource: BuildSource{
			Location: "https://github.com/Young-ook/terraform-aws-spinnaker",
			Branch:   "main",
			AppDir:   "yelb-appserver",
		},
		SpinnakerIngress: spinnaker.IngressConfig{Scheme: spinnaker.SchemeInternal, AllowedCidrs: []string{}},
		ClusterAdmins:    []string{},
		AttendeeStacks:   []string{},
		APIAccessCidrs:   []string{"0.0.0.0/0"},
		LogRetentionDays: 3,
		Tags:             map[string]string{},
	}
}

// StackNameKey is the ConfigError key of a problem with the stack's name,
// which is not a config key but prefixes names like one.
const StackNameKey = "stack"

// ConfigError is one bad config input: the key and what was expected.
type ConfigError struct {
	Key     string
	Problem string
}

func (e *ConfigError) Error() string {
	if e.Key == StackNameKey {
		return "stack name: " + e.Problem
	}
	return "config " + e.Key + ": " + e.Problem
}

// Parse reads and validates raw stack config (what Pulumi passes the program:
// full keys, structured values as JSON). It returns every problem at once: a
// key that cannot be read keeps its default for the checks of the others,
// and checks that involve it are skipped.
func Parse(stack string, raw map[string]string) (Config, error) {
	c := Defaults(stack)
	p := parser{raw: raw, unreadable: map[string]bool{}}
	p.unknownKeys()
	c.read(&p)
	c.validate(&p)
	c.Prefix = c.Name + "-" + stack
	return c, errors.Join(p.errs...)
}

func (c *Config) read(p *parser) {
	p.str("workshop:name", &c.Name)
	p.str("aws:region", &c.Region)
	p.str("aws:profile", &c.Profile)
	p.str("workshop:kubernetesVersion", &c.KubernetesVersion)
	p.str("workshop:natStrategy", &c.NatStrategy)
	p.cidr("workshop:appVpcCidr", &c.AppVpcCidr)
	p.cidr("workshop:platformVpcCidr", &c.PlatformVpcCidr)
	p.boolean("workshop:flowLogs", &c.FlowLogs)
	p.boolean("workshop:stateBackend", &c.StateBackend)
	p.integer("workshop:logRetentionDays", &c.LogRetentionDays)
	p.object("workshop:nodeGroup", &c.NodeGroup)
	p.object("workshop:addons", &c.AddOns)
	p.boolean("workshop:platform", &c.Platform)
	p.object("workshop:platformNodeGroup", &c.PlatformNodeGroup)
	p.str("workshop:sharedPlatform", &c.SharedPlatform)
	p.object("workshop:attendeeStacks", &c.AttendeeStacks)
	p.str("workshop:spinnakerVersion", &c.SpinnakerVersion)
	p.object("workshop:buildSource", &c.BuildSource)
	p.object("workshop:spinnakerIngress", &c.SpinnakerIngress)
	p.str("workshop:chartMirror", &c.ChartMirror)
	p.object("workshop:yelb", &c.Yelb)
	p.object("workshop:chaos", &c.Chaos)
	p.object("workshop:tags", &c.Tags)
	p.object("workshop:clusterAdmins", &c.ClusterAdmins)
	p.object("workshop:apiAccessCidrs", &c.APIAccessCidrs)
	p.object("workshop:availabilityZones", &c.AvailabilityZones)
	// Pulumi.yaml's default is the empty list: the CLI requires a key
	// without a default in every stack, and the zones depend on the region.
	if len(c.AvailabilityZones) == 0 {
		c.AvailabilityZones = []string{c.Region + "a", c.Region + "b", c.Region + "c"}
	}
}
