package stacks

import (
	"encoding/json"
	"maps"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
	"github.com/workshop/spinnaker-modernization/internal/readmecheck"
)

// devGraph runs the program with the example stack's config.
func devGraph(t *testing.T) (*mockcloud.Cloud, Config) {
	t.Helper()
	return graphOf(t, nil)
}

// graphOf runs the program with the example stack's config, changed.
func graphOf(t *testing.T, overrides map[string]string) (*mockcloud.Cloud, Config) {
	t.Helper()
	project, raw, secrets, err := ReadStackConfig("..", "dev")
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(raw, overrides)
	cfg, err := Parse("dev", raw)
	if err != nil {
		t.Fatal(err)
	}
	cloud := mockcloud.New(project, "dev", cfg.Region)
	if err := cloud.Run(raw, secrets, Program(raw)); err != nil {
		t.Fatalf("program failed: %v", err)
	}
	return cloud, cfg
}

// untaggable are AWS types with no tags argument.
var untaggable = map[string]bool{
	"aws:ecr/lifecyclePolicy:LifecyclePolicy":                                                    true,
	"aws:cloudwatch/dashboard:Dashboard":                                                         true,
	"aws:sns/topicSubscription:TopicSubscription":                                                true,
	"aws:secretsmanager/secretVersion:SecretVersion":                                             true,
	"aws:eks/accessPolicyAssociation:AccessPolicyAssociation":                                    true,
	"aws:iam/rolePolicy:RolePolicy":                                                              true,
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment":                                          true,
	"aws:kms/alias:Alias":                                                                        true,
	"aws:ec2/routeTableAssociation:RouteTableAssociation":                                        true,
	"aws:s3/bucketPolicy:BucketPolicy":                                                           true,
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     true,
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     true,
	"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               true,
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       true,
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": true,
}

func TestEveryTaggableResourceCarriesCommonTags(t *testing.T) {
	cloud, _ := devGraph(t)
	// The dev stack's own tag, and the two a sweeper finds a stack's
	// leftovers by.
	want := map[string]string{"cost-center": "workshop", "workshop": "hello-dev", "managed-by": "pulumi"}
	checked := 0
	for _, r := range cloud.Resources() {
		if !strings.HasPrefix(r.Type, "aws:") && r.Type != "eks:index:Cluster" || untaggable[r.Type] {
			continue
		}
		tags, _ := r.Input("tags").(map[string]any)
		for k, v := range want {
			if tags[k] != v {
				t.Errorf("%s: tag %s = %v, want %s", r.URN, k, tags[k], v)
			}
		}
		checked++
	}
	if checked < 30 {
		t.Fatalf("only %d taggable resources checked; is the graph complete?", checked)
	}
}

func TestEveryBucketIsEncryptedAndBlocked(t *testing.T) {
	cloud, _ := devGraph(t)
	buckets := cloud.OfType("aws:s3/bucketV2:BucketV2")
	if len(buckets) == 0 {
		t.Fatal("the dev stack has a state bucket")
	}
	for _, b := range buckets {
		id := b.Outputs["bucket"].StringValue()
		attached := func(typ string) *mockcloud.Resource {
			for _, r := range cloud.OfType(typ) {
				if r.String("bucket") == id {
					return &r
				}
			}
			return nil
		}
		sse := attached("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
		if sse == nil {
			t.Errorf("bucket %s has no encryption", b.Name)
		} else {
			rule := sse.Input("rules").([]any)[0].(map[string]any)["applyServerSideEncryptionByDefault"].(map[string]any)
			if alg := rule["sseAlgorithm"]; alg != "aws:kms" && alg != "AES256" {
				t.Errorf("bucket %s: sse algorithm %v", b.Name, alg)
			}
		}
		pab := attached("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
		if pab == nil {
			t.Errorf("bucket %s has no public access block", b.Name)
			continue
		}
		for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
			if pab.Input(k) != true {
				t.Errorf("bucket %s: %s = %v", b.Name, k, pab.Input(k))
			}
		}
	}
}

func TestNoStatementAllowsEverythingOnEverything(t *testing.T) {
	cloud, _ := devGraph(t)
	policies := map[string]string{}
	for _, r := range cloud.Resources() {
		for _, key := range []string{"policy", "assumeRolePolicy"} {
			if s := r.String(key); strings.Contains(s, "Statement") {
				policies[r.URN+" "+key] = s
			}
		}
	}
	if len(policies) < 20 {
		t.Fatalf("found only %d policy documents", len(policies))
	}
	for where, text := range policies {
		doc, err := awsiam.Parse(text)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		for _, s := range doc.Statement {
			if s.Effect != "Allow" {
				continue
			}
			for _, a := range s.Action {
				for _, res := range s.Resource {
					if (a == "*" || strings.HasSuffix(a, ":*")) && res == "*" {
						t.Errorf("%s allows %s on *", where, a)
					}
				}
			}
		}
	}
	for _, r := range cloud.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		arn := r.String("policyArn")
		if strings.HasSuffix(arn, "/AdministratorAccess") || strings.HasSuffix(arn, "/PowerUserAccess") {
			t.Errorf("%s attaches %s", r.Name, arn)
		}
	}
}

func TestEveryLogGroupExpires(t *testing.T) {
	cloud, cfg := devGraph(t)
	groups := cloud.OfType("aws:cloudwatch/logGroup:LogGroup")
	// Per cluster a control plane and a flow log group; four Container
	// Insights groups on the app cluster; CodeBuild; FIS.
	if len(groups) != 10 {
		t.Errorf("%d log groups, want 10", len(groups))
	}
	for _, g := range groups {
		if days, _ := g.Input("retentionInDays").(float64); int(days) != cfg.LogRetentionDays {
			t.Errorf("log group %s: retention %v, want %d", g.String("name"), g.Input("retentionInDays"), cfg.LogRetentionDays)
		}
	}
}

func TestEveryLaunchTemplateRequiresIMDSv2(t *testing.T) {
	cloud, _ := devGraph(t)
	templates := cloud.OfType("aws:ec2/launchTemplate:LaunchTemplate")
	if len(templates) == 0 {
		t.Fatal("no launch template")
	}
	for _, lt := range templates {
		md, _ := lt.Input("metadataOptions").(map[string]any)
		if md["httpTokens"] != "required" {
			t.Errorf("%s: httpTokens = %v", lt.Name, md["httpTokens"])
		}
	}
}

func TestEveryAWSResourceUsesTheExplicitProvider(t *testing.T) {
	cloud, _ := devGraph(t)
	for _, r := range cloud.Resources() {
		if strings.HasPrefix(r.Type, "aws:") && !strings.Contains(r.Provider, "pulumi:providers:aws::aws::") {
			t.Errorf("%s uses provider %q; the configured region would not apply", r.URN, r.Provider)
		}
	}
}

func TestBadConfigRegistersNothing(t *testing.T) {
	for name, raw := range map[string]map[string]string{
		"unreadable CIDR":    {"workshop:appVpcCidr": "10.0.0.0/33"},
		"impossible sizes":   {"workshop:nodeGroup": `{"minSize":5,"maxSize":2}`},
		"old Kubernetes":     {"workshop:kubernetesVersion": "1.24"},
		"ignored aws: key":   {"aws:assumeRoles": `[]`},
		"VPC too small":      {"workshop:platformVpcCidr": "172.16.0.0/22"},
		"admin listed twice": {"workshop:clusterAdmins": `["arn:aws:iam::111122223333:role/A","arn:aws:iam::111122223333:role/x/A"]`},
	} {
		t.Run(name, func(t *testing.T) {
			cloud := mockcloud.New("workshop", "dev", "ap-northeast-2")
			err := cloud.Run(raw, nil, Program(raw))
			if err == nil || !strings.Contains(err.Error(), "config ") {
				t.Errorf("err = %v", err)
			}
			if n := len(cloud.Resources()); n != 0 {
				t.Errorf("%d resources registered before the config error", n)
			}
		})
	}
}

// pulumi-eks creates the clusters with bootstrapClusterCreatorAdminPermissions
// true (github.com/pulumi/pulumi-eks nodejs/eks/cluster/cluster.ts, v3.9.1),
// so EKS already has an access entry for the deploying principal, and a
// second one for it fails the deploy (EKS user guide, creating access
// entries). Listing it stops the program before any AWS resource exists.
func TestCreatorAsAdminStopsBeforeAnythingIsCreated(t *testing.T) {
	_, raw, _, err := ReadStackConfig("..", "dev")
	if err != nil {
		t.Fatal(err)
	}
	// The simulated caller is arn:aws:iam::<account>:user/workshop.
	raw["workshop:clusterAdmins"] = `["arn:aws:iam::` + mockcloud.AccountID + `:user/team/workshop"]`
	cloud := mockcloud.New("workshop", "dev", "ap-northeast-2")
	err = cloud.Run(raw, nil, Program(raw))
	if err == nil || !strings.Contains(err.Error(), "config workshop:clusterAdmins:") || !strings.Contains(err.Error(), "remove it from the list") {
		t.Fatalf("err = %v", err)
	}
	for _, r := range cloud.Resources() {
		if r.Type != "pulumi:providers:aws" {
			t.Errorf("%s registered before the error", r.URN)
		}
	}
}

// The outputs the README tells a user to read with `pulumi stack output`
// must not be secret (they would print "[secret]"), and the ones that hold
// credentials must be.
func TestOutputsTheREADMEReadsAreNotSecret(t *testing.T) {
	cloud, _ := devGraph(t)
	exports := cloud.Exports()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	read := readmecheck.StackOutputReads(string(readme), "")
	if len(read) < 6 {
		t.Fatalf("found only %d stack output reads in the README", len(read))
	}
	for _, r := range read {
		name, showSecrets := r.Name, r.ShowSecrets
		t.Run(name, func(t *testing.T) {
			e, ok := exports[name]
			if !ok {
				t.Fatalf("the README reads %s, which the dev stack does not export (exports: %v)", name, cloud.ExportNames())
			}
			if e.Secret != showSecrets {
				t.Errorf("%s: secret %v, but the README reads it %s --show-secrets", name, e.Secret, map[bool]string{true: "with", false: "without"}[showSecrets])
			}
		})
	}
	for _, name := range []string{"appKubeconfig", "platformKubeconfig", "spinnakerAdminPassword"} {
		if !exports[name].Secret {
			t.Errorf("%s is not secret", name)
		}
	}
	if setup := exports["kubectlSetup"].Value; setup != "aws eks update-kubeconfig --region ap-northeast-2 --name hello-dev-app" {
		t.Errorf("kubectlSetup = %v", setup)
	}
}

// Spinnaker's clouddriver reaches the app cluster's public endpoint from
// the platform VPC's NAT gateways; a narrowed allow-list must keep them.
func TestNarrowedAPIAccessKeepsSpinnakerIn(t *testing.T) {
	cases := []struct {
		name, cidrs string
		nat         string
		wantNATs    bool
	}{
		{"whole internet", `["0.0.0.0/0"]`, "single", false},
		{"one office, single NAT", `["198.51.100.0/24"]`, "single", true},
		{"one office, NAT per zone", `["198.51.100.0/24"]`, "perAz", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cloud, _ := graphOf(t, map[string]string{"workshop:apiAccessCidrs": tc.cidrs, "workshop:natStrategy": tc.nat})
			var nats []any
			for _, eip := range cloud.OfType("aws:ec2/eip:Eip") {
				if strings.Contains(eip.URN, "hello-dev-platform") {
					nats = append(nats, eip.Output("publicIp").(string)+"/32")
				}
			}
			var want []any
			_ = json.Unmarshal([]byte(tc.cidrs), &want)
			if tc.wantNATs {
				want = append(want, nats...)
			}
			app := mustFind(t, cloud, "eks:index:Cluster", "hello-dev-app")
			if got := app.Input("publicAccessCidrs"); !reflect.DeepEqual(got, want) {
				t.Errorf("app cluster allows %v, want %v", got, want)
			}
			platform := mustFind(t, cloud, "eks:index:Cluster", "hello-dev-platform")
			if got, _ := json.Marshal(platform.Input("publicAccessCidrs")); string(got) != tc.cidrs {
				t.Errorf("platform cluster allows %s, want %s", got, tc.cidrs)
			}
		})
	}
}

// In a preview of a new stack nothing exists yet: every id and computed
// attribute is unknown, so none can leak into another resource's inputs.
func TestPreviewKnowsNoIDs(t *testing.T) {
	project, raw, secrets, err := ReadStackConfig("..", "dev")
	if err != nil {
		t.Fatal(err)
	}
	cloud := mockcloud.New(project, "dev", "ap-northeast-2")
	if err := cloud.Preview(raw, secrets, Program(raw)); err != nil {
		t.Fatal(err)
	}
	invented := regexp.MustCompile(`\b(vpc|subnet|igw|nat|eipalloc|rtb|sg|lt|fl|sn|snva|a)-[0-9a-f]{17}\b|key/[0-9a-f]{8}-[0-9a-f]{4}-|log-group:[^*"]|role/[a-z0-9-]+-[0-9a-f]{7}"`)
	for _, r := range cloud.Resources() {
		b, _ := json.Marshal(mockcloud.PlainMap(r.Inputs, true))
		if m := invented.FindString(string(b)); m != "" {
			t.Errorf("%s: input holds %q, which a preview cannot know", r.URN, m)
		}
	}
	subnet := mustFind(t, cloud, "aws:ec2/subnet:Subnet", "hello-dev-app-private-ap-northeast-2a")
	if got := mockcloud.Plain(subnet.Inputs["vpcId"], true); got != mockcloud.UnknownMarker {
		t.Errorf("subnet vpcId = %v, want unknown", got)
	}
}

// The harness gives each AWS type its real id and ARN shape; a type it does
// not know would get none, and a policy naming its ARN would go unchecked.
func TestEveryAWSTypeHasAShape(t *testing.T) {
	cloud, _ := devGraph(t)
	seen := map[string]bool{}
	for _, r := range cloud.Resources() {
		if strings.HasPrefix(r.Type, "aws:") && r.Custom && !seen[r.Type] {
			seen[r.Type] = true
			if !mockcloud.KnowsType(r.Type) {
				t.Errorf("internal/mockcloud has no shape for %s", r.Type)
			}
		}
	}
}
