package stacks

import (
	"errors"
	"reflect"
	"strings"
	"testing"
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

func TestZonesDefaultToTheConfiguredRegion(t *testing.T) {
	cfg, err := Parse("dev", map[string]string{"aws:region": "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.AvailabilityZones, ","); got != "eu-west-1a,eu-west-1b,eu-west-1c" {
		t.Errorf("zones = %s", got)
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
		{"VPC too small", "dev", map[string]string{"workshop:appVpcCidr": "10.0.0.0/24"}, "workshop:appVpcCidr", "expected a /16 to /22"},
		{"overlapping CIDRs", "dev", map[string]string{"workshop:platformVpcCidr": "10.0.128.0/17"}, "workshop:platformVpcCidr", "overlaps workshop:appVpcCidr 10.0.0.0/16"},
		{"one AZ", "dev", map[string]string{"workshop:availabilityZones": `["ap-northeast-2a"]`}, "workshop:availabilityZones", "at least 2"},
		{"AZ of another region", "dev", map[string]string{"workshop:availabilityZones": `["ap-northeast-2a","us-east-1b"]`}, "workshop:availabilityZones", `"us-east-1b" is not a zone of region ap-northeast-2`},
		{"AZ listed twice", "dev", map[string]string{"workshop:availabilityZones": `["ap-northeast-2a","ap-northeast-2a"]`}, "workshop:availabilityZones", "listed twice"},
		{"AZs not a list", "dev", map[string]string{"workshop:availabilityZones": `ap-northeast-2a`}, "workshop:availabilityZones", "expected array"},
		{"bad region", "dev", map[string]string{"aws:region": "Seoul"}, "aws:region", "not an AWS region name"},
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
		{"stack with capitals", "Dev", nil, "workshop:name", `stack name "Dev"`},
		{"unknown NAT strategy", "dev", map[string]string{"workshop:natStrategy": "perAZ"}, "workshop:natStrategy", `expected "single" or "perAz"`},
		{"flow logs not boolean", "dev", map[string]string{"workshop:flowLogs": "yes"}, "workshop:flowLogs", "expected true or false"},
		{"retention CloudWatch refuses", "dev", map[string]string{"workshop:logRetentionDays": "4"}, "workshop:logRetentionDays", "expected one of"},
		{"retention not a number", "dev", map[string]string{"workshop:logRetentionDays": "three"}, "workshop:logRetentionDays", "not an integer"},
		{"admin not an ARN", "dev", map[string]string{"workshop:clusterAdmins": `["alice"]`}, "workshop:clusterAdmins", "not an IAM role or user ARN"},
		{"API CIDR bad", "dev", map[string]string{"workshop:apiAccessCidrs": `["1.2.3.4"]`}, "workshop:apiAccessCidrs", "not an IPv4 CIDR"},
		{"API CIDRs empty", "dev", map[string]string{"workshop:apiAccessCidrs": `[]`}, "workshop:apiAccessCidrs", "at least one CIDR"},
		{"reserved tag", "dev", map[string]string{"workshop:tags": `{"aws:owner":"x"}`}, "workshop:tags", "not starting with aws:"},
		{"unknown add-on", "dev", map[string]string{"workshop:addons": `{"certManager":true}`}, "workshop:addons", `unknown field "certManager"`},
		{"ingress open to the world", "dev", map[string]string{"workshop:spinnakerIngress": `{"enabled":true,"scheme":"internet-facing","allowedCidrs":["0.0.0.0/0"]}`}, "workshop:spinnakerIngress", "whole internet"},
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
			if !strings.Contains(msg, "config "+tc.key+": ") {
				t.Errorf("error does not name key %s: %s", tc.key, msg)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error does not say %q: %s", tc.want, msg)
			}
		})
	}
}

func TestEveryProblemIsReportedAtOnce(t *testing.T) {
	_, err := Parse("dev", map[string]string{
		"workshop:appVpcCidr":        "nope",
		"workshop:kubernetesVersion": "1.20",
		"workshop:natStrategy":       "none",
	})
	// The CIDR fails while reading; validation of the rest waits for a
	// readable config, so the user sees the read error first.
	if err == nil || !strings.Contains(err.Error(), "workshop:appVpcCidr") {
		t.Fatalf("err = %v", err)
	}
	_, err = Parse("dev", map[string]string{
		"workshop:kubernetesVersion": "1.20",
		"workshop:natStrategy":       "none",
	})
	for _, key := range []string{"workshop:kubernetesVersion", "workshop:natStrategy"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("missing %s in %v", key, err)
		}
	}
}

func TestOtherNamespacesAreNotOurs(t *testing.T) {
	if _, err := Parse("dev", map[string]string{"kubernetes:context": "x", "pulumi:tags": "{}"}); err != nil {
		t.Fatalf("keys of other namespaces must pass through: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, k := range Keys() {
		f.Add(k.Name, "")
	}
	f.Add("workshop:nodeGroup", `{"minSize":1,"maxSize":2,"desiredSize":2}`)
	f.Add("workshop:appVpcCidr", "10.1.0.0/16")
	f.Add("workshop:availabilityZones", `["ap-northeast-2a","ap-northeast-2b"]`)
	f.Fuzz(func(t *testing.T, key, value string) {
		cfg, err := Parse("dev", map[string]string{key: value})
		if err != nil {
			// Every failure names a key, so the user knows what to fix.
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Key == "" {
				t.Fatalf("error without a key: %v", err)
			}
			return
		}
		// Whatever was accepted must satisfy the invariants the graph relies on.
		ng := cfg.NodeGroup
		if ng.MinSize > ng.DesiredSize || ng.DesiredSize > ng.MaxSize || len(cfg.AvailabilityZones) < 2 {
			t.Fatalf("accepted an invalid config: %+v", cfg)
		}
		if cfg.AppVpcCidr.Overlaps(cfg.PlatformVpcCidr) {
			t.Fatalf("accepted overlapping CIDRs %s %s", cfg.AppVpcCidr, cfg.PlatformVpcCidr)
		}
		again, err := Parse("dev", map[string]string{key: value})
		if err != nil || !reflect.DeepEqual(cfg, again) {
			t.Fatalf("parsing is not deterministic")
		}
	})
}
