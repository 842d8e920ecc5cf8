package stacks

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/workshop/spinnaker-modernization/components/cluster"
)

func TestDefaultsReproduceTheWorkshop(t *testing.T) {
	cfg, err := Parse("dev", nil)
	if err != nil {
		t.Fatalf("empty config must be valid: %v", err)
	}
	if cfg.Region != "ap-northeast-2" || cfg.Name != "hello" || cfg.KubernetesVersion != "1.35" {
		t.Errorf("region/name/version = %s/%s/%s", cfg.Region, cfg.Name, cfg.KubernetesVersion)
	}
	if got := strings.Join(cfg.AvailabilityZones, ","); got != "ap-northeast-2a,ap-northeast-2b,ap-northeast-2c" {
		t.Errorf("zones = %s", got)
	}
	if cfg.AppVpcCidr.String() != "10.0.0.0/16" || cfg.PlatformVpcCidr.String() != "172.16.0.0/16" {
		t.Errorf("cidrs = %s, %s", cfg.AppVpcCidr, cfg.PlatformVpcCidr)
	}
	ng := cfg.NodeGroup
	if ng.Name != "default" || ng.InstanceType != "t3.small" || ng.MinSize != 1 || ng.MaxSize != 9 || ng.DesiredSize != 3 {
		t.Errorf("node group = %+v", ng)
	}
	if cfg.NatStrategy != "single" || cfg.Prefix != "hello-dev" {
		t.Errorf("nat/prefix = %s/%s", cfg.NatStrategy, cfg.Prefix)
	}
}

func TestYelbConfig(t *testing.T) {
	cfg, err := Parse("dev", nil)
	if err != nil {
		t.Fatal(err)
	}
	if y := cfg.Yelb; !y.Enabled || y.Backend != "lattice" || y.Delivery != "spinnaker" {
		t.Errorf("default yelb = %+v, want lattice through Spinnaker", y)
	}
	cfg, err = Parse("dev", map[string]string{
		"workshop:platform": "false",
		"workshop:yelb":     `{"backend":"appmesh","delivery":"pulumi","stage":4,"appServerV2Image":"123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/hello-dev/yelbv2@sha256:` + strings.Repeat("a", 64) + `"}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if y := cfg.Yelb; !y.Enabled || y.Backend != "appmesh" || y.Stage != 4 {
		t.Errorf("yelb = %+v", y)
	}
	// A stack without the app needs none of what the app needs.
	if _, err := Parse("dev", map[string]string{"workshop:yelb": `{"enabled":false}`, "workshop:chaos": `{"enabled":false}`, "workshop:nodeGroup": `{"maxSize":3}`, "workshop:platform": "false"}); err != nil {
		t.Errorf("yelb disabled: %v", err)
	}
}

// Pulumi.yaml's default is the empty list, which the CLI passes as "[]";
// it must mean the region's a, b and c, not replace them.
func TestZonesDefaultToTheConfiguredRegion(t *testing.T) {
	for name, raw := range map[string]map[string]string{
		"key absent":          {"aws:region": "eu-west-1"},
		"Pulumi.yaml default": {"aws:region": "eu-west-1", "workshop:availabilityZones": "[]"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg, err := Parse("dev", raw)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(cfg.AvailabilityZones, ","); got != "eu-west-1a,eu-west-1b,eu-west-1c" {
				t.Errorf("zones = %s", got)
			}
		})
	}
}

func TestStructuredValuesKeepUnsetFieldsAtDefault(t *testing.T) {
	cfg, err := Parse("dev", map[string]string{"workshop:nodeGroup": `{"instanceType":"m5.large","maxSize":12}`})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NodeGroup.InstanceType != "m5.large" || cfg.NodeGroup.MaxSize != 12 || cfg.NodeGroup.DesiredSize != 3 || cfg.NodeGroup.Name != "default" {
		t.Errorf("node group = %+v", cfg.NodeGroup)
	}
}

// Each bad input names its key and says what is expected.
func TestBadConfigNamesKeyAndExpectation(t *testing.T) {
	cases := []struct {
		name  string
		stack string
		raw   map[string]string
		key   string
		want  string
	}{
		{"unparseable CIDR", "dev", map[string]string{"workshop:appVpcCidr": "10.0.0/16"}, "workshop:appVpcCidr", "expected a block such as 10.0.0.0/16"},
		{"host bits set", "dev", map[string]string{"workshop:appVpcCidr": "10.0.0.1/16"}, "workshop:appVpcCidr", "expected the network address, 10.0.0.0/16"},
		{"IPv6 CIDR", "dev", map[string]string{"workshop:platformVpcCidr": "fd00::/16"}, "workshop:platformVpcCidr", "not an IPv4 CIDR"},
		{"VPC too small", "dev", map[string]string{"workshop:appVpcCidr": "10.0.0.0/24"}, "workshop:appVpcCidr", "expected a /16 to /21"},
		// A /22 gives /28 public subnets; an ALB needs a /27 with 8 free
		// addresses (ELB user guide, "Subnets for your load balancer").
		{"VPC whose public subnets cannot hold an ALB", "dev", map[string]string{"workshop:platformVpcCidr": "172.16.0.0/22"}, "workshop:platformVpcCidr", "the /27 with 8 free addresses an ALB needs"},
		{"overlapping CIDRs", "dev", map[string]string{"workshop:platformVpcCidr": "10.0.128.0/17"}, "workshop:platformVpcCidr", "overlaps workshop:appVpcCidr 10.0.0.0/16"},
		{"one AZ", "dev", map[string]string{"workshop:availabilityZones": `["ap-northeast-2a"]`}, "workshop:availabilityZones", "at least 2"},
		{"AZ of another region", "dev", map[string]string{"workshop:availabilityZones": `["ap-northeast-2a","us-east-1b"]`}, "workshop:availabilityZones", `"us-east-1b" is not a zone of region ap-northeast-2`},
		{"room attendee that builds a platform too", "alice", map[string]string{"workshop:sharedPlatform": "room"}, "workshop:platform", `sharedPlatform "room" delivers this stack's app; set platform false`},
		{"room attendee naming itself", "alice", map[string]string{"workshop:platform": "false", "workshop:sharedPlatform": "alice"}, "workshop:sharedPlatform", "names this stack itself"},
		{"room attendee without the app", "alice", map[string]string{"workshop:platform": "false", "workshop:sharedPlatform": "room", "workshop:yelb": `{"enabled":false}`, "workshop:chaos": `{"enabled":false}`}, "workshop:yelb", `must be enabled with delivery "spinnaker" in a room`},
		{"room attendee delivered by Pulumi", "alice", map[string]string{"workshop:platform": "false", "workshop:sharedPlatform": "room", "workshop:yelb": `{"delivery":"pulumi"}`}, "workshop:yelb", `must be enabled with delivery "spinnaker" in a room`},
		{"room platform name that is no stack", "alice", map[string]string{"workshop:platform": "false", "workshop:sharedPlatform": "Room 1"}, "workshop:sharedPlatform", "is not a stack name"},
		{"attendees without a platform", "room", map[string]string{"workshop:platform": "false", "workshop:yelb": `{"delivery":"pulumi"}`, "workshop:attendeeStacks": `["alice"]`}, "workshop:attendeeStacks", "workshop:platform is false"},
		{"attendee listed twice", "room", map[string]string{"workshop:attendeeStacks": `["alice","alice"]`}, "workshop:attendeeStacks", `lists "alice" twice`},
		{"platform listing itself", "room", map[string]string{"workshop:attendeeStacks": `["room"]`}, "workshop:attendeeStacks", "lists this stack itself"},
		{"AZ listed twice", "dev", map[string]string{"workshop:availabilityZones": `["ap-northeast-2a","ap-northeast-2a"]`}, "workshop:availabilityZones", "listed twice"},
		{"AZs not a list", "dev", map[string]string{"workshop:availabilityZones": `ap-northeast-2a`}, "workshop:availabilityZones", "expected array"},
		{"bad region", "dev", map[string]string{"aws:region": "Seoul"}, "aws:region", "not a region of the aws partition"},
		{"made-up region", "dev", map[string]string{"aws:region": "xx-fake-9"}, "aws:region", "not a region of the aws partition"},
		{"GovCloud region", "dev", map[string]string{"aws:region": "us-gov-west-1"}, "aws:region", "arn:aws:"},
		{"min above desired", "dev", map[string]string{"workshop:nodeGroup": `{"minSize":4}`}, "workshop:nodeGroup", "0 <= minSize <= desiredSize <= maxSize"},
		{"desired above max", "dev", map[string]string{"workshop:nodeGroup": `{"desiredSize":10}`}, "workshop:nodeGroup", "got minSize 1, desiredSize 10, maxSize 9"},
		{"negative min", "dev", map[string]string{"workshop:nodeGroup": `{"minSize":-1}`}, "workshop:nodeGroup", "0 <= minSize"},
		{"size as string", "dev", map[string]string{"workshop:nodeGroup": `{"minSize":"1"}`}, "workshop:nodeGroup", "expected object like"},
		{"unknown node group field", "dev", map[string]string{"workshop:nodeGroup": `{"minimum":1}`}, "workshop:nodeGroup", `unknown field "minimum"`},
		{"bad instance type", "dev", map[string]string{"workshop:nodeGroup": `{"instanceType":"large"}`}, "workshop:nodeGroup", "not an EC2 instance type"},
		{"small disk", "dev", map[string]string{"workshop:nodeGroup": `{"diskSizeGiB":8}`}, "workshop:nodeGroup", "expected 20 to 16384"},
		{"unsupported Kubernetes", "dev", map[string]string{"workshop:kubernetesVersion": "1.24"}, "workshop:kubernetesVersion", "expected one of 1.34, 1.35, 1.36"},
		{"name with capitals", "dev", map[string]string{"workshop:name": "Hello"}, "workshop:name", "lowercase"},
		{"name with underscore", "dev", map[string]string{"workshop:name": "hello_world"}, "workshop:name", "S3 bucket, IAM role and EKS cluster names"},
		{"name ending in hyphen", "dev", map[string]string{"workshop:name": "hello-"}, "workshop:name", "lowercase"},
		{"name too long", "dev", map[string]string{"workshop:name": "averyveryverylongworkshopname"}, "workshop:name", "at most 28 fit"},
		{"stack with capitals", "Dev", nil, StackNameKey, `rename the stack`},
		{"unknown NAT strategy", "dev", map[string]string{"workshop:natStrategy": "perAZ"}, "workshop:natStrategy", `expected "single" or "perAz"`},
		{"flow logs not boolean", "dev", map[string]string{"workshop:flowLogs": "yes"}, "workshop:flowLogs", "expected true or false"},
		// strconv.ParseBool takes "1", "t", "T"; the CLI's own check takes
		// only true and false (pulumi/pulumi sdk/go/common/workspace/project.go,
		// ValidateConfigValue).
		{"boolean as 1", "dev", map[string]string{"workshop:platform": "1"}, "workshop:platform", "expected true or false"},
		{"boolean as T", "dev", map[string]string{"workshop:stateBackend": "T"}, "workshop:stateBackend", "expected true or false"},
		{"retention CloudWatch refuses", "dev", map[string]string{"workshop:logRetentionDays": "4"}, "workshop:logRetentionDays", "expected one of"},
		{"retention not a number", "dev", map[string]string{"workshop:logRetentionDays": "three"}, "workshop:logRetentionDays", "not an integer"},
		{"admin not an ARN", "dev", map[string]string{"workshop:clusterAdmins": `["alice"]`}, "workshop:clusterAdmins", "not an IAM role or user ARN"},
		{"admin twice under two paths", "dev", map[string]string{"workshop:clusterAdmins": `["arn:aws:iam::111122223333:role/Admin","arn:aws:iam::111122223333:role/ops/admin"]`}, "workshop:clusterAdmins", "name the same IAM role"},
		{"API CIDR bad", "dev", map[string]string{"workshop:apiAccessCidrs": `["1.2.3.4"]`}, "workshop:apiAccessCidrs", "not an IPv4 CIDR"},
		{"API CIDR private", "dev", map[string]string{"workshop:apiAccessCidrs": `["10.0.0.0/8"]`}, "workshop:apiAccessCidrs", "non-public range 10.0.0.0/8"},
		{"API CIDRs empty", "dev", map[string]string{"workshop:apiAccessCidrs": `[]`}, "workshop:apiAccessCidrs", "at least one CIDR"},
		{"value not JSON", "dev", map[string]string{"workshop:chaos": ``}, "workshop:chaos", "the value is empty"},
		{"reserved tag", "dev", map[string]string{"workshop:tags": `{"aws:owner":"x"}`}, "workshop:tags", "not starting with aws:"},
		{"tag the program sets", "dev", map[string]string{"workshop:tags": `{"workshop":"x"}`}, "workshop:tags", "set by the program"},
		{"Name tag", "dev", map[string]string{"workshop:tags": `{"Name":"x"}`}, "workshop:tags", "set by the program"},
		{"controller tag", "dev", map[string]string{"workshop:tags": `{"kubernetes.io/role/elb":"1"}`}, "workshop:tags", "read by the Kubernetes controllers"},
		{"too many tags", "dev", map[string]string{"workshop:tags": manyTags(45)}, "workshop:tags", "at most 44 fit"},
		{"tag value of 257 characters", "dev", map[string]string{"workshop:tags": `{"team":"` + strings.Repeat("가", 257) + `"}`}, "workshop:tags", "at most 256"},
		{"tag value with a comma", "dev", map[string]string{"workshop:tags": `{"team":"a,b"}`}, "workshop:tags", "not a valid AWS tag value"},
		{"unknown add-on", "dev", map[string]string{"workshop:addons": `{"certManager":true}`}, "workshop:addons", `unknown field "certManager"`},
		// encoding/json matches names ignoring case and keeps the last of
		// two equal keys; both would hide a typo.
		{"key in the wrong case", "dev", map[string]string{"workshop:nodeGroup": `{"MinSize":1}`}, "workshop:nodeGroup", `must be spelled "minSize"`},
		{"key given twice", "dev", map[string]string{"workshop:nodeGroup": `{"maxSize":9,"maxSize":12}`}, "workshop:nodeGroup", `"maxSize" is given twice`},
		{"tag given twice", "dev", map[string]string{"workshop:tags": `{"team":"a","team":"b"}`}, "workshop:tags", `"team" is given twice`},
		{"trailing data", "dev", map[string]string{"workshop:addons": `{} {}`}, "workshop:addons", "trailing data"},
		{"provider key the program ignores", "dev", map[string]string{"aws:assumeRoles": `[{"roleArn":"arn:aws:iam::1:role/x"}]`}, "aws:assumeRoles", "takes only aws:region and aws:profile"},
		{"provider default tags", "dev", map[string]string{"aws:defaultTags": `{"tags":{"a":"b"}}`}, "aws:defaultTags", "extra tags go in workshop:tags"},
		{"ingress open to the world", "dev", map[string]string{"workshop:spinnakerIngress": `{"enabled":true,"scheme":"internet-facing","allowedCidrs":["0.0.0.0/0"]}`}, "workshop:spinnakerIngress", "whole internet"},
		{"ingress open to the world in halves", "dev", map[string]string{"workshop:spinnakerIngress": `{"enabled":true,"scheme":"internet-facing","allowedCidrs":["0.0.0.0/1","128.0.0.0/1"]}`}, "workshop:spinnakerIngress", "cover the whole internet"},
		{"ingress open to the world in pieces", "dev", map[string]string{"workshop:spinnakerIngress": `{"enabled":true,"scheme":"internet-facing","allowedCidrs":["128.0.0.0/2","0.0.0.0/1","192.0.0.0/2"]}`}, "workshop:spinnakerIngress", "cover the whole internet"},
		{"internet-facing without allow-list", "dev", map[string]string{"workshop:spinnakerIngress": `{"enabled":true,"scheme":"internet-facing"}`}, "workshop:spinnakerIngress", "needs allowedCidrs"},
		{"unknown ingress scheme", "dev", map[string]string{"workshop:spinnakerIngress": `{"scheme":"public"}`}, "workshop:spinnakerIngress", `neither "internal" nor "internet-facing"`},
		{"bad Spinnaker version", "dev", map[string]string{"workshop:spinnakerVersion": "latest"}, "workshop:spinnakerVersion", "calendar version such as 2026.2.3"},
		{"build source not https", "dev", map[string]string{"workshop:buildSource": `{"location":"git@github.com:a/b.git"}`}, "workshop:buildSource", "not an https repository URL"},
		{"chart mirror not http", "dev", map[string]string{"workshop:chartMirror": "oci://mirror.example.com/charts"}, "workshop:chartMirror", "not the http(s) URL of a Helm repository"},
		{"chart mirror without host", "dev", map[string]string{"workshop:chartMirror": "https:///charts"}, "workshop:chartMirror", "not the http(s) URL of a Helm repository"},
		{"build dir escapes", "dev", map[string]string{"workshop:buildSource": `{"appDir":"../x"}`}, "workshop:buildSource", "relative path inside the repository"},
		{"platform nodes", "dev", map[string]string{"workshop:platformNodeGroup": `{"maxSize":0}`}, "workshop:platformNodeGroup", "maxSize >= 1"},
		{"mistyped key", "dev", map[string]string{"workshop:nodegroup": `{}`}, "workshop:nodegroup", "did you mean workshop:nodeGroup?"},
		{"unknown traffic backend", "dev", map[string]string{"workshop:yelb": `{"backend":"istio"}`}, "workshop:yelb", `expected "lattice" (VPC Lattice) or "appmesh"`},
		{"unknown delivery", "dev", map[string]string{"workshop:yelb": `{"delivery":"argo"}`}, "workshop:yelb", `expected "spinnaker" or "pulumi"`},
		{"Spinnaker delivery without platform", "dev", map[string]string{"workshop:platform": "false"}, "workshop:yelb", "needs the platform"},
		{"stage out of range", "dev", map[string]string{"workshop:yelb": `{"delivery":"pulumi","stage":5}`}, "workshop:yelb", "stage 5 is not a workshop stage"},
		{"stage out of range under Spinnaker", "dev", map[string]string{"workshop:yelb": `{"stage":99}`}, "workshop:yelb", "stage 99 is not a workshop stage"},
		{"stage Spinnaker would ignore", "dev", map[string]string{"workshop:yelb": `{"stage":3}`}, "workshop:yelb", "stage 3 has no effect"},
		{"v2 image Spinnaker would ignore", "dev", map[string]string{"workshop:yelb": `{"appServerV2Image":"example.com/yelb:v2"}`}, "workshop:yelb", "appServerV2Image has no effect"},
		{"v2 stage without image", "dev", map[string]string{"workshop:yelb": `{"delivery":"pulumi","stage":2}`}, "workshop:yelb", "set appServerV2Image"},
		{"v2 image latest", "dev", map[string]string{"workshop:yelb": `{"delivery":"pulumi","stage":2,"appServerV2Image":"example.com/yelb:latest"}`}, "workshop:yelb", "pinned tag or digest"},
		{"v2 image untagged", "dev", map[string]string{"workshop:yelb": `{"delivery":"pulumi","stage":2,"appServerV2Image":"example.com/yelb"}`}, "workshop:yelb", "pinned tag or digest"},
		{"yelb field mistyped", "dev", map[string]string{"workshop:yelb": `{"backnd":"lattice"}`}, "workshop:yelb", `unknown field "backnd"`},
		{"no room for HA", "dev", map[string]string{"workshop:nodeGroup": `{"maxSize":4}`}, "workshop:nodeGroup", "expected at least 6"},
		{"yelb without ingress controller", "dev", map[string]string{"workshop:addons": `{"awsLoadBalancerController":false}`}, "workshop:addons", "ingress needs it"},
		{"yelb without EBS", "dev", map[string]string{"workshop:addons": `{"ebsCsiDriver":false}`}, "workshop:addons", "EBS volumes"},
		{"chaos without the app", "dev", map[string]string{"workshop:yelb": `{"enabled":false}`}, "workshop:chaos", "workshop:yelb turns off"},
		{"chaos without Container Insights", "dev", map[string]string{"workshop:addons": `{"cloudwatchObservability":false}`}, "workshop:chaos", "read Container Insights"},
		{"termination percentage", "dev", map[string]string{"workshop:chaos": `{"terminationPercentage":0}`}, "workshop:chaos", "expected 1 to 100"},
		{"bad notification e-mail", "dev", map[string]string{"workshop:chaos": `{"notificationEmail":"ops"}`}, "workshop:chaos", "not an e-mail address"},
		{"experiment AZ not ours", "dev", map[string]string{"workshop:chaos": `{"availabilityZone":"ap-northeast-2d"}`}, "workshop:chaos", "not one of workshop:availabilityZones"},
		{"yelb without autoscaler", "dev", map[string]string{"workshop:addons": `{"clusterAutoscaler":false}`}, "workshop:addons", "nodes added"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.stack, tc.raw)
			if err == nil {
				t.Fatal("expected an error")
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a ConfigError", err)
			}
			msg := err.Error()
			prefix := "config " + tc.key + ": "
			if tc.key == StackNameKey {
				prefix = "stack name: "
			}
			if !strings.Contains(msg, prefix) {
				t.Errorf("error does not name key %s: %s", tc.key, msg)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error does not say %q: %s", tc.want, msg)
			}
		})
	}
}

// A value that cannot be read keeps its default for the other checks, so
// the user sees every problem in one run, and none twice.
func TestEveryProblemIsReportedAtOnce(t *testing.T) {
	_, err := Parse("dev", map[string]string{
		"workshop:appVpcCidr":        "nope",
		"workshop:kubernetesVersion": "1.20",
		"workshop:natStrategy":       "none",
		"workshop:nodeGroup":         `{"minSize":"one"}`,
		"workshop:chaos":             `{"terminationPercentage":0}`,
	})
	keys := map[string]int{}
	for _, e := range configErrors(err) {
		keys[e.Key]++
	}
	want := map[string]int{"workshop:appVpcCidr": 1, "workshop:kubernetesVersion": 1, "workshop:natStrategy": 1, "workshop:nodeGroup": 1, "workshop:chaos": 1}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("problems per key %v, want %v; err = %v", keys, want, err)
	}
}

// Inputs that look odd but are valid.
func TestValidInputsThatLookOdd(t *testing.T) {
	cases := map[string]map[string]string{
		// Two roles of one name in two accounts are two principals.
		"same role name in two accounts": {"workshop:clusterAdmins": `["arn:aws:iam::111122223333:role/Admin","arn:aws:iam::444455556666:role/Admin"]`},
		// AWS counts tag values in Unicode characters, not bytes.
		"tag value of 256 Korean characters": {"workshop:tags": `{"team":"` + strings.Repeat("가", 256) + `"}`},
		"44 tags":                            {"workshop:tags": manyTags(44)},
		"a /21 VPC":                          {"workshop:appVpcCidr": "10.0.0.0/21"},
		// The room's platform delivers the app with its pipelines.
		"room attendee delivered by Spinnaker": {"workshop:platform": "false", "workshop:sharedPlatform": "room"},
		"internet-facing ingress, one office":  {"workshop:spinnakerIngress": `{"enabled":true,"scheme":"internet-facing","allowedCidrs":["198.51.100.0/24"]}`},
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse("dev", raw); err != nil {
				t.Error(err)
			}
		})
	}
}

// The region list is the aws partition of the AWS SDK for Go v2 this module
// requires (github.com/aws/aws-sdk-go-v2 internal/endpoints/awsrulesfn/partitions.json).
func TestRegionsAreTheSDKsAWSPartition(t *testing.T) {
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-sdk-go-v2").Output()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(dir)), "internal/endpoints/awsrulesfn/partitions.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Partitions []struct {
			ID      string         `json:"id"`
			Regions map[string]any `json:"regions"`
		} `json:"partitions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, p := range doc.Partitions {
		for r := range p.Regions {
			if p.ID == "aws" && !strings.HasSuffix(r, "-global") {
				want = append(want, r)
			}
		}
	}
	slices.Sort(want)
	if !slices.Equal(awsRegions, want) {
		t.Errorf("awsRegions = %v\nthe SDK's aws partition = %v", awsRegions, want)
	}
}

func manyTags(n int) string {
	tags := map[string]string{}
	for i := range n {
		tags[fmt.Sprintf("team-%02d", i)] = "x"
	}
	b, _ := json.Marshal(tags)
	return string(b)
}

// configErrors unwraps the joined errors Parse returns.
func configErrors(err error) []*ConfigError {
	var out []*ConfigError
	var walk func(error)
	walk = func(err error) {
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range joined.Unwrap() {
				walk(e)
			}
			return
		}
		var ce *ConfigError
		if errors.As(err, &ce) {
			out = append(out, ce)
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

func TestOtherNamespacesAreNotOurs(t *testing.T) {
	if _, err := Parse("dev", map[string]string{"kubernetes:context": "x", "pulumi:tags": "{}"}); err != nil {
		t.Fatalf("keys of other namespaces must pass through: %v", err)
	}
}

// FuzzParse changes up to three keys of the example stack at once, with
// any value (structured values included), and checks that whatever Parse
// accepts satisfies every rule the graph relies on, and that every refusal
// names a key. CI runs it: go test ./stacks -run '^$' -fuzz FuzzParse -fuzztime 10s
func FuzzParse(f *testing.F) {
	_, base, _, err := ReadStackConfig("..", "dev")
	if err != nil {
		f.Fatal(err)
	}
	keys := fuzzKeys(base)
	for i, k := range keys {
		f.Add(uint8(i), base[k], uint8(0), base[keys[0]], uint8(0), base[keys[0]])
	}
	index := func(k string) uint8 { return uint8(slices.Index(keys, k)) }
	f.Add(index("workshop:nodeGroup"), `{"minSize":1,"maxSize":6,"desiredSize":2}`, index("workshop:appVpcCidr"), "10.1.0.0/21", index("aws:region"), "eu-west-1")
	f.Add(index("workshop:availabilityZones"), `["ap-northeast-2a","ap-northeast-2b"]`, index("workshop:chaos"), `{"availabilityZone":"ap-northeast-2b"}`, index("workshop:tags"), `{"team":"a"}`)
	f.Add(index("workshop:platform"), "false", index("workshop:yelb"), `{"delivery":"pulumi","stage":4,"appServerV2Image":"example.com/y:v2"}`, index("workshop:spinnakerIngress"), `{"enabled":false}`)
	f.Add(index("workshop:spinnakerIngress"), `{"enabled":true,"scheme":"internet-facing","allowedCidrs":["0.0.0.0/1","128.0.0.0/2"]}`, index("workshop:apiAccessCidrs"), `["198.51.100.0/24"]`, index("workshop:clusterAdmins"), `["arn:aws:iam::111122223333:role/a/Admin"]`)
	f.Fuzz(func(t *testing.T, k1 uint8, v1 string, k2 uint8, v2 string, k3 uint8, v3 string) {
		raw := maps.Clone(base)
		for _, kv := range []struct {
			k uint8
			v string
		}{{k1, v1}, {k2, v2}, {k3, v3}} {
			raw[keys[int(kv.k)%len(keys)]] = kv.v
		}
		cfg, err := Parse("dev", raw)
		if err != nil {
			for _, e := range configErrors(err) {
				if _, ok := raw[e.Key]; !ok && e.Key != StackNameKey && !slices.ContainsFunc(Keys(), func(k Key) bool { return k.Name == e.Key }) {
					t.Fatalf("problem under a key the user did not give: %v", e)
				}
			}
			if len(configErrors(err)) == 0 {
				t.Fatalf("error without a key: %v", err)
			}
			return
		}
		checkInvariants(t, cfg)
		again, err := Parse("dev", raw)
		if err != nil || !reflect.DeepEqual(cfg, again) {
			t.Fatalf("parsing is not deterministic")
		}
	})
}

// fuzzKeys are every key of the program, every key of the example stack,
// and keys the program must refuse.
func fuzzKeys(base map[string]string) []string {
	set := map[string]bool{"aws:assumeRoles": true, "workshop:nodegroup": true, "kubernetes:context": true}
	for _, k := range Keys() {
		set[k.Name] = true
	}
	for k := range base {
		set[k] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// checkInvariants is what the graph assumes of an accepted config.
func checkInvariants(t *testing.T, c Config) {
	t.Helper()
	fail := func(format string, args ...any) { t.Helper(); t.Fatalf("accepted: "+format, args...) }
	for _, ng := range []cluster.NodeGroupArgs{c.NodeGroup, c.PlatformNodeGroup} {
		if ng.MinSize < 0 || ng.MinSize > ng.DesiredSize || ng.DesiredSize > ng.MaxSize || ng.MaxSize < 1 {
			fail("node group sizes %+v", ng)
		}
	}
	if n := len(c.AvailabilityZones); n < 2 || n > 6 || !slices.Contains(awsRegions, c.Region) {
		fail("zones %v in %q", c.AvailabilityZones, c.Region)
	}
	for _, v := range []netip.Prefix{c.AppVpcCidr, c.PlatformVpcCidr} {
		if v.Bits() < 16 || v.Bits() > 21 {
			fail("VPC %s", v)
		}
	}
	if c.AppVpcCidr.Overlaps(c.PlatformVpcCidr) {
		fail("overlapping CIDRs %s %s", c.AppVpcCidr, c.PlatformVpcCidr)
	}
	if len(c.APIAccessCidrs) == 0 || len(c.Tags) > maxUserTags {
		fail("API CIDRs %v, %d tags", c.APIAccessCidrs, len(c.Tags))
	}
	if in := c.SpinnakerIngress; in.Enabled && in.Scheme == "internet-facing" && coversInternet(in.AllowedCidrs) {
		fail("ingress %+v", in)
	}
	if y := c.Yelb; y.Enabled && (y.Stage < 1 || y.Stage > 4 || y.Delivery == "spinnaker" && (!c.Platform || y.Stage != 1)) {
		fail("yelb %+v with platform %v", y, c.Platform)
	}
	var admins []cluster.Principal
	for _, a := range c.ClusterAdmins {
		p, ok := cluster.ParsePrincipal(a)
		if !ok || slices.ContainsFunc(admins, p.Same) {
			fail("admins %v", c.ClusterAdmins)
		}
		admins = append(admins, p)
	}
	if len(c.Prefix) > maxPrefixLen || !slices.Contains(validRetentionDays, c.LogRetentionDays) {
		fail("prefix %q, retention %d", c.Prefix, c.LogRetentionDays)
	}
}
