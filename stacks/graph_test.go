package stacks

import (
	"maps"
	"strings"
	"testing"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
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
	cloud, cfg := devGraph(t)
	want := CommonTags(cfg)
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
	for _, raw := range []map[string]string{
		{"workshop:appVpcCidr": "10.0.0.0/33"},
		{"workshop:nodeGroup": `{"minSize":5,"maxSize":2}`},
		{"workshop:kubernetesVersion": "1.24"},
	} {
		cloud := mockcloud.New("workshop", "dev", "ap-northeast-2")
		err := cloud.Run(raw, nil, Program(raw))
		if err == nil || !strings.Contains(err.Error(), "config workshop:") {
			t.Errorf("%v: err = %v", raw, err)
		}
		if n := len(cloud.Resources()); n != 0 {
			t.Errorf("%v: %d resources registered before the config error", raw, n)
		}
	}
}
