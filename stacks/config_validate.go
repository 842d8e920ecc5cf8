package stacks

import (
	"cmp"
	"maps"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/workshop/spinnaker-modernization/components/cluster"
	"github.com/workshop/spinnaker-modernization/components/network"
	"github.com/workshop/spinnaker-modernization/components/spinnaker"
	"github.com/workshop/spinnaker-modernization/components/yelb"
)

var (
	namePattern             = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)
	stackPattern            = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	instanceTypePattern     = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`)
	spinnakerVersionPattern = regexp.MustCompile(`^20[0-9]{2}\.[0-9]+\.[0-9]+$`)
	emailPattern            = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	// pinnedImagePattern is an image reference with an explicit tag or digest.
	pinnedImagePattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9._/-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9._-]+)*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$`)
)

func (c *Config) validate(p *parser) {
	c.validateNames(p)
	c.validateNetwork(p)
	if !slices.Contains(SupportedKubernetesVersions, c.KubernetesVersion) {
		p.fail("workshop:kubernetesVersion", "%q is not supported; expected one of %s (EKS standard support)", c.KubernetesVersion, strings.Join(SupportedKubernetesVersions, ", "))
	}
	validateNodeGroup(p, "workshop:nodeGroup", c.NodeGroup)
	validateNodeGroup(p, "workshop:platformNodeGroup", c.PlatformNodeGroup)
	c.validatePlatform(p)
	c.validateYelb(p)
	c.validateChaos(p)
	validateChartMirror(p, c.ChartMirror)
	if !slices.Contains(validRetentionDays, c.LogRetentionDays) {
		p.fail("workshop:logRetentionDays", "%d is not a retention CloudWatch Logs accepts; expected one of %v", c.LogRetentionDays, validRetentionDays)
	}
	validateAdmins(p, c.ClusterAdmins)
	validateTags(p, c.Tags)
}

func (c *Config) validateNames(p *parser) {
	stackOK := stackPattern.MatchString(c.Stack)
	if !stackOK {
		p.fail(StackNameKey, "%q must hold only lowercase letters, digits and hyphens, since \"<name>-<stack>\" names S3 buckets and EKS clusters; rename the stack (pulumi stack rename)", c.Stack)
	}
	prefix := c.Name + "-" + c.Stack
	switch {
	case !namePattern.MatchString(c.Name) || strings.Contains(c.Name, "--"):
		p.fail("workshop:name", "%q must start with a lowercase letter and hold only lowercase letters, digits and single hyphens (it becomes part of S3 bucket, IAM role and EKS cluster names)", c.Name)
	case stackOK && len(prefix) > maxPrefixLen:
		p.fail("workshop:name", "%q with stack %q gives the name prefix %q of %d characters; at most %d fit IAM role and S3 bucket names", c.Name, c.Stack, prefix, len(prefix), maxPrefixLen)
	}
}

func (c *Config) validateNetwork(p *parser) {
	if !slices.Contains(awsRegions, c.Region) {
		p.fail("aws:region", "%q is not a region of the aws partition, such as ap-northeast-2 (the program's ARNs are arn:aws:...)", c.Region)
	} else if p.readable("aws:region") {
		c.validateZones(p)
	}
	if c.NatStrategy != network.NatSingle && c.NatStrategy != network.NatPerAZ {
		p.fail("workshop:natStrategy", "%q is not a NAT strategy; expected %q or %q", c.NatStrategy, network.NatSingle, network.NatPerAZ)
	}
	if p.readable("workshop:appVpcCidr", "workshop:platformVpcCidr") && c.AppVpcCidr.Overlaps(c.PlatformVpcCidr) {
		p.fail("workshop:platformVpcCidr", "%s overlaps workshop:appVpcCidr %s; the two VPCs need disjoint CIDRs", c.PlatformVpcCidr, c.AppVpcCidr)
	}
	validateAPICidrs(p, c.APIAccessCidrs)
}

func (c *Config) validateZones(p *parser) {
	const key = "workshop:availabilityZones"
	if len(c.AvailabilityZones) < 2 {
		p.fail(key, "has %d zone(s); EKS needs subnets in at least 2 availability zones", len(c.AvailabilityZones))
		return
	}
	if len(c.AvailabilityZones) > 6 {
		p.fail(key, "has %d zones; the subnet plan holds at most 6", len(c.AvailabilityZones))
	}
	seen := map[string]bool{}
	for _, az := range c.AvailabilityZones {
		suffix, ok := strings.CutPrefix(az, c.Region)
		if !ok || len(suffix) != 1 || suffix[0] < 'a' || suffix[0] > 'z' {
			p.fail(key, "%q is not a zone of region %s (expected %sa, %sb, ...)", az, c.Region, c.Region, c.Region)
		}
		if seen[az] {
			p.fail(key, "%q is listed twice", az)
		}
		seen[az] = true
	}
}

// nonPublicRanges are blocks no packet from the internet comes from:
// private (RFC 1918), shared (RFC 6598), loopback, link-local, multicast
// and reserved space.
var nonPublicRanges = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"), netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("240.0.0.0/4"),
}

// validateAPICidrs checks the public endpoints' allow-list. EKS refuses
// blocks of reserved addresses there (EKS user guide, "Configure network
// access to cluster API server endpoint"), and a private block could never
// match: the public endpoint only sees public source addresses.
func validateAPICidrs(p *parser, cidrs []string) {
	const key = "workshop:apiAccessCidrs"
	if len(cidrs) == 0 {
		p.fail(key, "is empty; expected at least one CIDR allowed to reach the cluster API")
	}
	for _, cidr := range cidrs {
		pr, err := netip.ParsePrefix(cidr)
		if err != nil || !pr.Addr().Is4() || pr.Masked() != pr {
			p.fail(key, "%q is not an IPv4 CIDR such as 198.51.100.0/24", cidr)
			continue
		}
		for _, r := range nonPublicRanges {
			if pr.Bits() > 0 && r.Contains(pr.Addr()) && pr.Bits() >= r.Bits() {
				p.fail(key, "%s lies in the non-public range %s; the public endpoint only sees public source addresses, and EKS refuses reserved blocks", cidr, r)
			}
		}
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

func (c *Config) validatePlatform(p *parser) {
	if !spinnakerVersionPattern.MatchString(c.SpinnakerVersion) {
		p.fail("workshop:spinnakerVersion", "%q is not a Spinnaker calendar version such as 2026.2.3", c.SpinnakerVersion)
	}
	if u, err := url.Parse(c.BuildSource.Location); err != nil || u.Scheme != "https" || u.Host == "" {
		p.fail("workshop:buildSource", "location %q is not an https repository URL", c.BuildSource.Location)
	}
	if c.BuildSource.AppDir == "" || strings.HasPrefix(c.BuildSource.AppDir, "/") || strings.Contains(c.BuildSource.AppDir, "..") {
		p.fail("workshop:buildSource", "appDir %q must be a relative path inside the repository", c.BuildSource.AppDir)
	}
	if strings.TrimSpace(c.BuildSource.Branch) == "" {
		p.fail("workshop:buildSource", "branch is empty; expected a branch, tag or commit to build")
	}
	c.validateIngress(p)
	c.validateRoom(p)
}

// validateRoom checks the wiring of a room: an attendee stack uses a
// platform it does not build, a platform serves stacks other than itself.
func (c *Config) validateRoom(p *parser) {
	if c.SharedPlatform != "" {
		switch {
		case !stackPattern.MatchString(c.SharedPlatform):
			p.fail("workshop:sharedPlatform", "%q is not a stack name of this project (lowercase letters, digits and hyphens)", c.SharedPlatform)
		case c.SharedPlatform == c.Stack:
			p.fail("workshop:sharedPlatform", "names this stack itself; name the room's platform stack")
		case c.Platform && p.readable("workshop:platform"):
			p.fail("workshop:platform", "is true, but workshop:sharedPlatform %q delivers this stack's app; set platform false", c.SharedPlatform)
		case (!c.Yelb.Enabled || c.Yelb.Delivery != yelb.DeliverySpinnaker) && p.readable("workshop:yelb"):
			// The platform makes the account and pipelines from the app's
			// namespace output and deploys the manifests it uploads.
			p.fail("workshop:yelb", "must be enabled with delivery %q in a room (workshop:sharedPlatform %q): the room's Spinnaker delivers the app", yelb.DeliverySpinnaker, c.SharedPlatform)
		}
	}
	if len(c.AttendeeStacks) == 0 {
		return
	}
	if !c.Platform && p.readable("workshop:platform") {
		p.fail("workshop:attendeeStacks", "lists stacks for this stack's Spinnaker, but workshop:platform is false")
	}
	seen := map[string]bool{}
	for _, s := range c.AttendeeStacks {
		switch {
		case !stackPattern.MatchString(s):
			p.fail("workshop:attendeeStacks", "%q is not a stack name of this project (lowercase letters, digits and hyphens)", s)
		case s == c.Stack:
			p.fail("workshop:attendeeStacks", "lists this stack itself; list the attendees' stacks")
		case seen[s]:
			p.fail("workshop:attendeeStacks", "lists %q twice", s)
		}
		seen[s] = true
	}
}

func (c *Config) validateIngress(p *parser) {
	const key = "workshop:spinnakerIngress"
	in := c.SpinnakerIngress
	if err := in.Validate(); err != nil {
		p.fail(key, "%s", err)
		return
	}
	if in.Enabled && in.Scheme == spinnaker.SchemeInternetFacing && coversInternet(in.AllowedCidrs) {
		p.fail(key, "allowedCidrs %v together cover the whole internet; list only the networks that may reach Spinnaker", in.AllowedCidrs)
	}
}

// coversInternet reports whether the union of the IPv4 blocks is all of
// 0.0.0.0/0, however it is split (0.0.0.0/1 plus 128.0.0.0/1 is).
func coversInternet(cidrs []string) bool {
	type span struct{ from, to uint64 }
	var spans []span
	for _, c := range cidrs {
		pr, err := netip.ParsePrefix(c)
		if err != nil || !pr.Addr().Is4() {
			continue
		}
		b := pr.Masked().Addr().As4()
		from := uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
		spans = append(spans, span{from, from + 1<<(32-pr.Bits())})
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.from, b.from) })
	next := uint64(0)
	for _, s := range spans {
		if s.from > next {
			return false
		}
		next = max(next, s.to)
	}
	return next >= 1<<32
}

func (c *Config) validateYelb(p *parser) {
	y := c.Yelb
	if !y.Enabled {
		return
	}
	const key = "workshop:yelb"
	if y.Backend != yelb.BackendLattice && y.Backend != yelb.BackendAppMesh {
		p.fail(key, "backend %q is not a traffic backend; expected %q (VPC Lattice) or %q (App Mesh, discontinued 2026-09-30)", y.Backend, yelb.BackendLattice, yelb.BackendAppMesh)
	}
	c.validateDelivery(p)
	if y.AppServerV2Image != "" && (!pinnedImagePattern.MatchString(y.AppServerV2Image) || strings.HasSuffix(y.AppServerV2Image, ":latest")) {
		p.fail(key, "appServerV2Image %q must name a pinned tag or digest (repository:tag, not latest)", y.AppServerV2Image)
	}
	prefix := c.Name + "-" + c.Stack
	if y.Backend == yelb.BackendLattice {
		if err := yelb.ValidateLatticeServiceName(yelb.LatticeServiceName(prefix)); err != nil {
			p.fail("workshop:name", "%s: the app server's Lattice service is named after \"<name>-<stack>\"", err)
		}
	}
	if y.DockerHubCredentialArn != "" {
		if err := yelb.ValidateDockerHubMirror(y.DockerHubCredentialArn, c.Region, prefix); err != nil {
			p.fail(key, "%s", err)
		}
	}
	c.validateYelbNeeds(p)
}

func (c *Config) validateDelivery(p *parser) {
	const key = "workshop:yelb"
	y := c.Yelb
	if y.Stage < 1 || y.Stage > len(yelb.StageFiles) {
		p.fail(key, "stage %d is not a workshop stage; expected 1 (v1), 2 (v2 beside v1), 3 (v1:v2 = 1:1) or 4 (high availability)", y.Stage)
	}
	switch y.Delivery {
	case yelb.DeliverySpinnaker:
		if !c.Platform && c.SharedPlatform == "" && p.readable("workshop:platform") {
			p.fail(key, "delivery %q needs the platform (workshop:platform true); use %q for a stack without Spinnaker", y.Delivery, yelb.DeliveryPulumi)
		}
		// Both would be ignored: the pipelines walk the stages and build v2.
		if y.Stage > 1 && y.Stage <= len(yelb.StageFiles) {
			p.fail(key, "stage %d has no effect with delivery %q, whose pipelines deploy the stages; leave stage at 1 or use delivery %q", y.Stage, y.Delivery, yelb.DeliveryPulumi)
		}
		if y.AppServerV2Image != "" {
			p.fail(key, "appServerV2Image has no effect with delivery %q, whose pipeline builds v2 from buildSource; remove it or use delivery %q", y.Delivery, yelb.DeliveryPulumi)
		}
	case yelb.DeliveryPulumi:
		if y.Stage >= 2 && y.AppServerV2Image == "" {
			p.fail(key, "stage %d deploys the v2 app server; set appServerV2Image to the image built from buildSource (repository:tag)", y.Stage)
		}
	default:
		p.fail(key, "delivery %q is not a delivery mode; expected %q or %q", y.Delivery, yelb.DeliverySpinnaker, yelb.DeliveryPulumi)
	}
}

// validateYelbNeeds checks the add-ons and capacity the app relies on.
func (c *Config) validateYelbNeeds(p *parser) {
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

func (c *Config) validateChaos(p *parser) {
	ch := c.Chaos
	if !ch.Enabled {
		return
	}
	const key = "workshop:chaos"
	if !c.Yelb.Enabled && p.readable("workshop:yelb") {
		p.fail(key, "the experiments test the yelb app, which workshop:yelb turns off; set chaos enabled false or turn the app on")
	}
	if !c.AddOns.CloudWatchObservability && p.readable("workshop:addons") {
		p.fail(key, "the steady-state alarms read Container Insights; turn on workshop:addons cloudwatchObservability or set chaos enabled false")
	}
	if ch.TerminationPercentage < 1 || ch.TerminationPercentage > 100 {
		p.fail(key, "terminationPercentage %d is out of range; expected 1 to 100 (the workshop uses 40)", ch.TerminationPercentage)
	}
	if ch.NotificationEmail != "" && !emailPattern.MatchString(ch.NotificationEmail) {
		p.fail(key, "notificationEmail %q is not an e-mail address", ch.NotificationEmail)
	}
	if ch.AvailabilityZone != "" && p.readable("workshop:availabilityZones", "aws:region") && !slices.Contains(c.AvailabilityZones, ch.AvailabilityZone) {
		p.fail(key, "availabilityZone %q is not one of workshop:availabilityZones %v", ch.AvailabilityZone, c.AvailabilityZones)
	}
}

// validateAdmins checks the ARNs and that no principal is listed twice: an
// IAM principal can have only one access entry per cluster (EKS user guide,
// "Create access entries"), and IAM names are unique in an account whatever
// the path and case.
func validateChartMirror(p *parser, mirror string) {
	if mirror == "" {
		return
	}
	if u, err := url.Parse(mirror); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		p.fail("workshop:chartMirror", "%q is not the http(s) URL of a Helm repository (the directory holding index.yaml)", mirror)
	}
}

func validateAdmins(p *parser, arns []string) {
	const key = "workshop:clusterAdmins"
	var seen []cluster.Principal
	for _, arn := range arns {
		pr, ok := cluster.ParsePrincipal(arn)
		if !ok {
			p.fail(key, "%q is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>)", arn)
			continue
		}
		for _, s := range seen {
			if s.Same(pr) {
				p.fail(key, "%q and %q name the same IAM %s (names are unique in an account whatever the path and case); list it once", s.ARN, arn, pr.Kind)
			}
		}
		seen = append(seen, pr)
	}
}

// AWS tag limits (EKS API reference, e.g. PodIdentityAssociation "tags"):
// 50 tags per resource, keys of 1 to 128 and values of up to 256 Unicode
// characters, letters, digits, spaces and _ . : / = + - @.
const (
	maxAWSTags = 50
	// ownTags is the most tags the program and its controllers add to one
	// resource: workshop, managed-by, and Name or two role or discovery tags,
	// or the load balancer controller's three.
	ownTags     = 6
	maxUserTags = maxAWSTags - ownTags
)

var tagTextPattern = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// reservedTagKeys are tags the program sets itself (a user's value would be
// overwritten) or that controllers read as instructions.
var reservedTagKeys = []string{"workshop", "managed-by", "Name"}

func validateTags(p *parser, tags map[string]string) {
	const key = "workshop:tags"
	if len(tags) > maxUserTags {
		p.fail(key, "has %d tags; at most %d fit, since AWS allows %d per resource and the program adds up to %d of its own", len(tags), maxUserTags, maxAWSTags, ownTags)
	}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		v := tags[k]
		n := utf8.RuneCountInString(k)
		switch {
		case slices.Contains(reservedTagKeys, k) || strings.HasPrefix(k, "kubernetes.io/") || strings.HasPrefix(k, "k8s.io/"):
			p.fail(key, "tag %q is set by the program or read by the Kubernetes controllers; choose another key", k)
		case n < 1 || n > 128 || !tagTextPattern.MatchString(k) || strings.HasPrefix(strings.ToLower(k), "aws:"):
			p.fail(key, "tag key %q is not a valid AWS tag key (1-128 letters, digits, spaces and _ . : / = + - @, not starting with aws:)", k)
		case utf8.RuneCountInString(v) > 256 || !tagTextPattern.MatchString(v):
			p.fail(key, "tag %q value %q is not a valid AWS tag value (at most 256 letters, digits, spaces and _ . : / = + - @)", k, v)
		}
	}
}
