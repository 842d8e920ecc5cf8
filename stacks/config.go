package stacks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/workshop/spinnaker-modernization/components/addons"
	"github.com/workshop/spinnaker-modernization/components/cluster"
	"github.com/workshop/spinnaker-modernization/components/network"
	"github.com/workshop/spinnaker-modernization/components/spinnaker"
	"github.com/workshop/spinnaker-modernization/components/yelb"
)

// Namespace is the config namespace of this project: the `name` in Pulumi.yaml.
const Namespace = "workshop"

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
	SpinnakerVersion  string
	BuildSource       BuildSource
	SpinnakerIngress  spinnaker.IngressConfig
	Yelb              YelbConfig
	Chaos             ChaosConfig
	StateBackend      bool
	ClusterAdmins     []string
	APIAccessCidrs    []string
	LogRetentionDays  int
	Tags              map[string]string

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
		{"workshop:availabilityZones", "array", "AZs of the region to spread subnets and nodes over (at least 2). Default: the region's a, b and c.", nil},
		{"workshop:kubernetesVersion", "string", "EKS Kubernetes version; one of " + strings.Join(SupportedKubernetesVersions, ", ") + ".", d.KubernetesVersion},
		{"workshop:appVpcCidr", "string", "IPv4 CIDR (/16 to /22) of the application cluster's VPC.", d.AppVpcCidr.String()},
		{"workshop:platformVpcCidr", "string", "IPv4 CIDR (/16 to /22) of the Spinnaker platform VPC; must not overlap appVpcCidr.", d.PlatformVpcCidr.String()},
		{"workshop:natStrategy", "string", "NAT gateways: single (one per VPC, like the workshop) or perAz (one per AZ).", d.NatStrategy},
		{"workshop:flowLogs", "boolean", "Send VPC flow logs to CloudWatch Logs.", d.FlowLogs},
		{"workshop:nodeGroup", "object", "App cluster managed node group: name, instanceType, minSize, maxSize, desiredSize, diskSizeGiB.", d.NodeGroup},
		{"workshop:addons", "object", "Enable flags of the app cluster add-ons: awsLoadBalancerController, clusterAutoscaler, cloudwatchObservability, metricsServer, ebsCsiDriver.", d.AddOns},
		{"workshop:platform", "boolean", "Build the Spinnaker platform (its VPC, cluster, Spinnaker, CodeBuild and ECR) in this stack.", d.Platform},
		{"workshop:platformNodeGroup", "object", "Platform cluster managed node group: name, instanceType, minSize, maxSize, desiredSize, diskSizeGiB.", d.PlatformNodeGroup},
		{"workshop:spinnakerVersion", "string", "Spinnaker calendar version; one image tag for every service (ghcr.io/spinnaker/<service>:<version>).", d.SpinnakerVersion},
		{"workshop:chartMirror", "string", "HTTP(S) Helm repository that mirrors every chart the program installs (same names and versions), for accounts without internet egress; empty: each chart's upstream repository.", ""},
		{"workshop:spinnakerIngress", "object", "Optional ALB for Deck and gate: enabled, scheme (internal, or internet-facing with allowedCidrs), allowedCidrs.", d.SpinnakerIngress},
		{"workshop:yelb", "object", "The yelb app: enabled, backend (lattice, or appmesh: discontinued 2026-09-30), delivery (spinnaker pipelines, or pulumi), stage (pulumi delivery: 1-4), appServerV2Image (pulumi delivery from stage 2).", d.Yelb},
		{"workshop:chaos", "object", "Steady-state alarms, dashboard and FIS templates: enabled, terminationPercentage (TerminateEKSNodes, 1-100), notificationEmail (optional SNS e-mail), availabilityZone (AZPowerInterruption; default the first zone).", d.Chaos},
		{"workshop:buildSource", "object", "Repository CodeBuild builds the v2 app server from: location (https URL), branch, and appDir (its Docker build context).", d.BuildSource},
		{"workshop:stateBackend", "boolean", "Also create the S3 state bucket and KMS secrets key in this stack (the bootstrap stack).", d.StateBackend},
		{"workshop:clusterAdmins", "array", "IAM role or user ARNs given cluster-admin access entries on the clusters.", []string{}},
		{"workshop:apiAccessCidrs", "array", "CIDRs allowed to reach the public EKS API endpoint.", d.APIAccessCidrs},
		{"workshop:logRetentionDays", "integer", "Retention of every CloudWatch log group, in days (a value CloudWatch accepts).", d.LogRetentionDays},
		{"workshop:tags", "object", "Extra tags on every taggable AWS resource.", map[string]string{}},
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
		APIAccessCidrs:   []string{"0.0.0.0/0"},
		LogRetentionDays: 3,
		Tags:             map[string]string{},
	}
}

// ConfigError is one bad config input: the key and what was expected.
type ConfigError struct {
	Key     string
	Problem string
}

func (e *ConfigError) Error() string { return "config " + e.Key + ": " + e.Problem }

// Parse reads and validates raw stack config (what Pulumi passes the program:
// full keys, structured values as JSON). It returns every problem at once.
func Parse(stack string, raw map[string]string) (Config, error) {
	c := Defaults(stack)
	p := parser{raw: raw}

	p.unknownKeys()
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
	p.str("workshop:spinnakerVersion", &c.SpinnakerVersion)
	p.object("workshop:buildSource", &c.BuildSource)
	p.object("workshop:spinnakerIngress", &c.SpinnakerIngress)
	p.str("workshop:chartMirror", &c.ChartMirror)
	p.object("workshop:yelb", &c.Yelb)
	p.object("workshop:chaos", &c.Chaos)
	p.object("workshop:tags", &c.Tags)
	p.object("workshop:clusterAdmins", &c.ClusterAdmins)
	p.object("workshop:apiAccessCidrs", &c.APIAccessCidrs)
	c.AvailabilityZones = []string{c.Region + "a", c.Region + "b", c.Region + "c"}
	p.object("workshop:availabilityZones", &c.AvailabilityZones)

	if len(p.errs) == 0 {
		c.validate(&p)
	}
	c.Prefix = c.Name + "-" + stack
	return c, errors.Join(p.errs...)
}

var (
	namePattern             = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)
	stackPattern            = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	regionPattern           = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)
	instanceTypePattern     = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)
	principalPattern        = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[\w+=,.@/-]+$`)
	spinnakerVersionPattern = regexp.MustCompile(`^20[0-9]{2}\.[0-9]+\.[0-9]+$`)
	tagKeyPattern           = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$`)
)

func (c *Config) validate(p *parser) {
	prefix := c.Name + "-" + c.Stack
	switch {
	case !namePattern.MatchString(c.Name) || strings.Contains(c.Name, "--"):
		p.fail("workshop:name", "%q must start with a lowercase letter and hold only lowercase letters, digits and single hyphens (it becomes part of S3 bucket, IAM role and EKS cluster names)", c.Name)
	case !stackPattern.MatchString(c.Stack):
		p.fail("workshop:name", "the stack name %q must hold only lowercase letters, digits and hyphens, since \"<name>-<stack>\" names S3 buckets and EKS clusters; rename the stack", c.Stack)
	case len(prefix) > maxPrefixLen:
		p.fail("workshop:name", "%q with stack %q gives the name prefix %q of %d characters; at most %d fit IAM role and S3 bucket names", c.Name, c.Stack, prefix, len(prefix), maxPrefixLen)
	}

	if !regionPattern.MatchString(c.Region) {
		p.fail("aws:region", "%q is not an AWS region name such as ap-northeast-2", c.Region)
	} else {
		c.validateZones(p)
	}

	if !slices.Contains(SupportedKubernetesVersions, c.KubernetesVersion) {
		p.fail("workshop:kubernetesVersion", "%q is not supported; expected one of %s (EKS standard support)", c.KubernetesVersion, strings.Join(SupportedKubernetesVersions, ", "))
	}
	if c.NatStrategy != network.NatSingle && c.NatStrategy != network.NatPerAZ {
		p.fail("workshop:natStrategy", "%q is not a NAT strategy; expected %q or %q", c.NatStrategy, network.NatSingle, network.NatPerAZ)
	}
	if c.AppVpcCidr.IsValid() && c.PlatformVpcCidr.IsValid() && c.AppVpcCidr.Overlaps(c.PlatformVpcCidr) {
		p.fail("workshop:platformVpcCidr", "%s overlaps workshop:appVpcCidr %s; the two VPCs need disjoint CIDRs", c.PlatformVpcCidr, c.AppVpcCidr)
	}
	validateNodeGroup(p, "workshop:nodeGroup", c.NodeGroup)
	validateNodeGroup(p, "workshop:platformNodeGroup", c.PlatformNodeGroup)
	if !spinnakerVersionPattern.MatchString(c.SpinnakerVersion) {
		p.fail("workshop:spinnakerVersion", "%q is not a Spinnaker calendar version such as 2026.2.3", c.SpinnakerVersion)
	}
	if u, err := url.Parse(c.BuildSource.Location); err != nil || u.Scheme != "https" || u.Host == "" {
		p.fail("workshop:buildSource", "location %q is not an https repository URL", c.BuildSource.Location)
	}
	if err := c.SpinnakerIngress.Validate(); err != nil {
		p.fail("workshop:spinnakerIngress", "%s", err)
	}
	if c.BuildSource.AppDir == "" || strings.HasPrefix(c.BuildSource.AppDir, "/") || strings.Contains(c.BuildSource.AppDir, "..") {
		p.fail("workshop:buildSource", "appDir %q must be a relative path inside the repository", c.BuildSource.AppDir)
	}
	if strings.TrimSpace(c.BuildSource.Branch) == "" {
		p.fail("workshop:buildSource", "branch is empty; expected a branch, tag or commit to build")
	}
	c.validateYelb(p)
	c.validateChaos(p)
	if c.ChartMirror != "" {
		if u, err := url.Parse(c.ChartMirror); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			p.fail("workshop:chartMirror", "%q is not the http(s) URL of a Helm repository (the directory holding index.yaml)", c.ChartMirror)
		}
	}
	if !slices.Contains(validRetentionDays, c.LogRetentionDays) {
		p.fail("workshop:logRetentionDays", "%d is not a retention CloudWatch Logs accepts; expected one of %v", c.LogRetentionDays, validRetentionDays)
	}
	for _, arn := range c.ClusterAdmins {
		if !principalPattern.MatchString(arn) {
			p.fail("workshop:clusterAdmins", "%q is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>)", arn)
		}
	}
	for _, cidr := range c.APIAccessCidrs {
		if pr, err := netip.ParsePrefix(cidr); err != nil || !pr.Addr().Is4() || pr.Masked() != pr {
			p.fail("workshop:apiAccessCidrs", "%q is not an IPv4 CIDR such as 203.0.113.0/24", cidr)
		}
	}
	if len(c.APIAccessCidrs) == 0 {
		p.fail("workshop:apiAccessCidrs", "is empty; expected at least one CIDR allowed to reach the cluster API")
	}
	for _, k := range sortedKeys(c.Tags) {
		if !tagKeyPattern.MatchString(k) || strings.HasPrefix(strings.ToLower(k), "aws:") || len(c.Tags[k]) > 256 {
			p.fail("workshop:tags", "tag %q=%q is not a valid AWS tag (key 1-128 characters, not starting with aws:, value at most 256)", k, c.Tags[k])
		}
	}
}

// pinnedImagePattern is an image reference with an explicit tag or digest.
var pinnedImagePattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9._/-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9._-]+)*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$`)

func (c *Config) validateYelb(p *parser) {
	y := c.Yelb
	if !y.Enabled {
		return
	}
	const key = "workshop:yelb"
	if y.Backend != yelb.BackendLattice && y.Backend != yelb.BackendAppMesh {
		p.fail(key, "backend %q is not a traffic backend; expected %q (VPC Lattice) or %q (App Mesh, discontinued 2026-09-30)", y.Backend, yelb.BackendLattice, yelb.BackendAppMesh)
	}
	switch y.Delivery {
	case yelb.DeliverySpinnaker:
		if !c.Platform {
			p.fail(key, "delivery %q needs the platform (workshop:platform true); use %q for a stack without Spinnaker", y.Delivery, yelb.DeliveryPulumi)
		}
	case yelb.DeliveryPulumi:
		if y.Stage < 1 || y.Stage > len(yelb.StageFiles) {
			p.fail(key, "stage %d is not a workshop stage; expected 1 (v1), 2 (v2 beside v1), 3 (v1:v2 = 1:1) or 4 (high availability)", y.Stage)
		}
		if y.Stage >= 2 && y.AppServerV2Image == "" {
			p.fail(key, "stage %d deploys the v2 app server; set appServerV2Image to the image built from buildSource (repository:tag)", y.Stage)
		}
	default:
		p.fail(key, "delivery %q is not a delivery mode; expected %q or %q", y.Delivery, yelb.DeliverySpinnaker, yelb.DeliveryPulumi)
	}
	if y.AppServerV2Image != "" && (!pinnedImagePattern.MatchString(y.AppServerV2Image) || strings.HasSuffix(y.AppServerV2Image, ":latest")) {
		p.fail(key, "appServerV2Image %q must name a pinned tag or digest (repository:tag, not latest)", y.AppServerV2Image)
	}
	if !c.AddOns.LoadBalancerController {
		p.fail("workshop:addons", "awsLoadBalancerController is off, but the yelb app's ingress needs it; turn it on or set workshop:yelb enabled false")
	}
	if !c.AddOns.EBSCSIDriver {
		p.fail("workshop:addons", "ebsCsiDriver is off, but yelb's database and redis keep their data on EBS volumes; turn it on or set workshop:yelb enabled false")
	}
	if !c.AddOns.ClusterAutoscaler {
		p.fail("workshop:addons", "clusterAutoscaler is off, but yelb's high-availability stage needs nodes added for %d replicas on distinct nodes; turn it on", haReplicas)
	}
	if c.NodeGroup.MaxSize < haReplicas {
		p.fail("workshop:nodeGroup", "maxSize %d leaves no room for yelb's high-availability stage, %d replicas each on its own node; expected at least %d", c.NodeGroup.MaxSize, haReplicas, haReplicas)
	}
}

var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

func (c *Config) validateChaos(p *parser) {
	ch := c.Chaos
	if !ch.Enabled {
		return
	}
	const key = "workshop:chaos"
	if !c.Yelb.Enabled {
		p.fail(key, "the experiments test the yelb app, which workshop:yelb turns off; set chaos enabled false or turn the app on")
	}
	if !c.AddOns.CloudWatchObservability {
		p.fail(key, "the steady-state alarms read Container Insights; turn on workshop:addons cloudwatchObservability or set chaos enabled false")
	}
	if ch.TerminationPercentage < 1 || ch.TerminationPercentage > 100 {
		p.fail(key, "terminationPercentage %d is out of range; expected 1 to 100 (the workshop uses 40)", ch.TerminationPercentage)
	}
	if ch.NotificationEmail != "" && !emailPattern.MatchString(ch.NotificationEmail) {
		p.fail(key, "notificationEmail %q is not an e-mail address", ch.NotificationEmail)
	}
	if ch.AvailabilityZone != "" && !slices.Contains(c.AvailabilityZones, ch.AvailabilityZone) {
		p.fail(key, "availabilityZone %q is not one of workshop:availabilityZones %v", ch.AvailabilityZone, c.AvailabilityZones)
	}
}

func (c *Config) validateZones(p *parser) {
	if len(c.AvailabilityZones) < 2 {
		p.fail("workshop:availabilityZones", "has %d zone(s); EKS needs subnets in at least 2 availability zones", len(c.AvailabilityZones))
		return
	}
	if len(c.AvailabilityZones) > 6 {
		p.fail("workshop:availabilityZones", "has %d zones; the subnet plan holds at most 6", len(c.AvailabilityZones))
	}
	seen := map[string]bool{}
	for _, az := range c.AvailabilityZones {
		suffix, ok := strings.CutPrefix(az, c.Region)
		if !ok || len(suffix) != 1 || suffix[0] < 'a' || suffix[0] > 'z' {
			p.fail("workshop:availabilityZones", "%q is not a zone of region %s (expected %sa, %sb, ...)", az, c.Region, c.Region, c.Region)
		}
		if seen[az] {
			p.fail("workshop:availabilityZones", "%q is listed twice", az)
		}
		seen[az] = true
	}
}

func validateNodeGroup(p *parser, key string, ng cluster.NodeGroupArgs) {
	if !namePattern.MatchString(ng.Name) || len(ng.Name) > 63 {
		p.fail(key, "name %q must be 2-63 lowercase letters, digits and hyphens", ng.Name)
	}
	if !instanceTypePattern.MatchString(ng.InstanceType) {
		p.fail(key, "instanceType %q is not an EC2 instance type such as t3.small", ng.InstanceType)
	}
	if ng.MinSize < 0 || ng.MaxSize < 1 || ng.MinSize > ng.DesiredSize || ng.DesiredSize > ng.MaxSize {
		p.fail(key, "sizes must satisfy 0 <= minSize <= desiredSize <= maxSize and maxSize >= 1; got minSize %d, desiredSize %d, maxSize %d", ng.MinSize, ng.DesiredSize, ng.MaxSize)
	}
	if ng.DiskSizeGiB < 20 || ng.DiskSizeGiB > 16384 {
		p.fail(key, "diskSizeGiB %d is out of range; expected 20 to 16384", ng.DiskSizeGiB)
	}
}

// parser reads typed values out of raw config and collects every problem.
type parser struct {
	raw  map[string]string
	errs []error
}

func (p *parser) fail(key, format string, args ...any) {
	p.errs = append(p.errs, &ConfigError{Key: key, Problem: fmt.Sprintf(format, args...)})
}

func (p *parser) unknownKeys() {
	known := map[string]bool{}
	for _, k := range Keys() {
		known[k.Name] = true
	}
	for _, k := range sortedKeys(p.raw) {
		if strings.HasPrefix(k, Namespace+":") && !known[k] {
			p.fail(k, "is not a key of this program; known keys are listed in Pulumi.yaml%s", suggest(k, known))
		}
	}
}

func (p *parser) str(key string, dst *string) {
	if v, ok := p.raw[key]; ok {
		*dst = v
	}
}

func (p *parser) boolean(key string, dst *bool) {
	if v, ok := p.raw[key]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			p.fail(key, "%q is not a boolean; expected true or false", v)
			return
		}
		*dst = b
	}
}

func (p *parser) integer(key string, dst *int) {
	if v, ok := p.raw[key]; ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			p.fail(key, "%q is not an integer", v)
			return
		}
		*dst = n
	}
}

func (p *parser) cidr(key string, dst *netip.Prefix) {
	v, ok := p.raw[key]
	if !ok {
		return
	}
	pr, err := netip.ParsePrefix(v)
	switch {
	case err != nil || !pr.Addr().Is4():
		p.fail(key, "%q is not an IPv4 CIDR; expected a block such as 10.0.0.0/16", v)
	case pr.Masked() != pr:
		p.fail(key, "%q has host bits set; expected the network address, %s", v, pr.Masked())
	case pr.Bits() < 16 || pr.Bits() > 22:
		p.fail(key, "%q is a /%d; expected a /16 to /22 so every AZ gets a private and a public subnet", v, pr.Bits())
	default:
		*dst = pr
	}
}

// object decodes a structured value strictly: unknown fields are errors, and
// fields left out keep their defaults.
func (p *parser) object(key string, dst any) {
	v, ok := p.raw[key]
	if !ok {
		return
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(v)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		p.fail(key, "cannot be read: %s; expected %s", strings.TrimPrefix(err.Error(), "json: "), shapeOf(key))
		return
	}
	if dec.More() {
		p.fail(key, "has trailing data after the value; expected %s", shapeOf(key))
	}
}

func shapeOf(key string) string {
	for _, k := range Keys() {
		if k.Name == key {
			b, _ := json.Marshal(k.Default)
			return fmt.Sprintf("%s like %s", k.Type, b)
		}
	}
	return "a valid value"
}

// suggest names the known key closest to a mistyped one.
func suggest(key string, known map[string]bool) string {
	lower := strings.ToLower(key)
	for _, k := range sortedKeys(known) {
		if strings.ToLower(k) == lower {
			return fmt.Sprintf(" (did you mean %s?)", k)
		}
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
