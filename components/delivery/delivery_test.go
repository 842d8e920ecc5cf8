package delivery

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
	"github.com/workshop/spinnaker-modernization/internal/buildspecrun"
	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

var principals = []string{"arn:aws:iam::123456789012:role/clouddriver", "arn:aws:iam::123456789012:role/igor"}

func build(t *testing.T) *mockcloud.Cloud {
	t.Helper()
	cloud := mockcloud.New("workshop", "test", "ap-northeast-2")
	err := cloud.Run(nil, nil, func(ctx *pulumi.Context) error {
		_, err := NewDelivery(ctx, "hello-dev", DeliveryArgs{
			Region: "ap-northeast-2", SourceLocation: "https://github.com/example/yelb", SourceBranch: "main",
			AppDir: "yelb-appserver", LogRetentionDays: 3, ManagedRoleName: "hello-dev-spinnaker-managed",
			SpinnakerPrincipals: pulumi.ToStringArray(principals),
			AppClusterArns:      pulumi.ToStringArray([]string{"arn:aws:eks:ap-northeast-2:123456789012:cluster/hello-dev-app"}),
			Tags:                map[string]string{"workshop": "hello-dev"},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return cloud
}

func one(t *testing.T, cloud *mockcloud.Cloud, typ string) mockcloud.Resource {
	t.Helper()
	rs := cloud.OfType(typ)
	if len(rs) != 1 {
		t.Fatalf("%d of %s", len(rs), typ)
	}
	return rs[0]
}

func TestRepository(t *testing.T) {
	cloud := build(t)
	repo := one(t, cloud, "aws:ecr/repository:Repository")
	if repo.String("name") != "hello-dev/yelbv2" || repo.String("imageTagMutability") != "IMMUTABLE" ||
		repo.Input("imageScanningConfiguration").(map[string]any)["scanOnPush"] != true || repo.Input("forceDelete") != true {
		t.Errorf("repository = %v", repo.Inputs)
	}
	lc := one(t, cloud, "aws:ecr/lifecyclePolicy:LifecyclePolicy")
	var policy struct {
		Rules []struct {
			RulePriority int
			Selection    map[string]any
			Action       map[string]string
		}
	}
	if err := yaml.Unmarshal([]byte(lc.String("policy")), &policy); err != nil {
		t.Fatal(err)
	}
	if len(policy.Rules) != 2 || policy.Rules[0].Selection["tagStatus"] != "untagged" || policy.Rules[1].Selection["countNumber"] != 20 || policy.Rules[1].Action["type"] != "expire" {
		t.Errorf("lifecycle = %+v", policy)
	}
}

func TestProject(t *testing.T) {
	cloud := build(t)
	p := one(t, cloud, "aws:codebuild/project:Project")
	src := p.Input("source").(map[string]any)
	env := p.Input("environment").(map[string]any)
	if src["type"] != "GITHUB" || src["location"] != "https://github.com/example/yelb" || p.String("sourceVersion") != "main" {
		t.Errorf("source = %v", src)
	}
	// docker build needs privileged mode; the image is one of CodeBuild's
	// curated Amazon Linux images (CodeBuild user guide, build-env-ref-available).
	if img, _ := env["image"].(string); env["privilegedMode"] != true || !regexp.MustCompile(`^aws/codebuild/amazonlinux-x86_64-standard:[0-9.]+$`).MatchString(img) {
		t.Errorf("environment = %v", env)
	}
	vars := map[string]any{}
	for _, v := range env["environmentVariables"].([]any) {
		vars[v.(map[string]any)["name"].(string)] = v.(map[string]any)["value"]
	}
	for _, k := range []string{"ARTIFACT_BUCKET", "REPOSITORY_URI", "APP_NAME", "APP_DIR", "AWS_DEFAULT_REGION"} {
		t.Run(k, func(t *testing.T) {
			if vars[k] == nil || vars[k] == "" {
				t.Errorf("variable %s missing", k)
			}
		})
	}
	if !strings.HasSuffix(vars["REPOSITORY_URI"].(string), "/hello-dev/yelbv2") {
		t.Errorf("REPOSITORY_URI = %v", vars["REPOSITORY_URI"])
	}
	group := one(t, cloud, "aws:cloudwatch/logGroup:LogGroup")
	logs := p.Input("logsConfig").(map[string]any)["cloudwatchLogs"].(map[string]any)
	if group.String("name") != "/aws/codebuild/hello-dev-yelbv2" || logs["groupName"] != group.String("name") || group.Input("retentionInDays") != 3.0 {
		t.Errorf("logs = %v, group = %v", logs, group.Inputs)
	}
	bucket := one(t, cloud, "aws:s3/bucketV2:BucketV2")
	if bucket.Input("forceDestroy") != true {
		t.Error("the artifact bucket must be emptied on destroy")
	}
}

// buildspecOf is the buildspec the CodeBuild project is given.
func buildspecOf(t *testing.T) string {
	t.Helper()
	p := one(t, build(t), "aws:codebuild/project:Project")
	spec, _ := p.Input("source").(map[string]any)["buildspec"].(string)
	if spec == "" {
		t.Fatal("the project has no buildspec")
	}
	return spec
}

func TestBuildspec(t *testing.T) {
	var spec struct {
		Version any `yaml:"version"`
		Phases  map[string]struct {
			Commands []string `yaml:"commands"`
		} `yaml:"phases"`
	}
	text := buildspecOf(t)
	if err := yaml.Unmarshal([]byte(text), &spec); err != nil {
		t.Fatal(err)
	}
	if spec.Version != 0.2 {
		t.Errorf("version %v", spec.Version)
	}
	joined := func(phase string) string { return strings.Join(spec.Phases[phase].Commands, "\n") }
	pre, post := joined("pre_build"), joined("post_build")
	if !strings.Contains(pre, "aws ecr get-login-password") || strings.Contains(text, "ecr get-login ") {
		t.Errorf("pre_build must log in with get-login-password:\n%s", pre)
	}
	for _, want := range []string{"__APP_V2_IMAGE__", `s3://$ARTIFACT_BUCKET/${ARTIFACT_PREFIX:-}templates/`} {
		t.Run(want, func(t *testing.T) {
			if !strings.Contains(post, want) {
				t.Errorf("post_build lacks %q", want)
			}
		})
	}
}

// TestEveryBuildPushesATagOfItsOwn runs the buildspec twice on the same
// commit: an immutable repository rejects a tag pushed twice (ECR user
// guide, image-tag-mutability), and a pipeline run again builds the same
// commit with a new CODEBUILD_BUILD_NUMBER (CodeBuild user guide,
// build-env-ref-env-vars).
func TestEveryBuildPushesATagOfItsOwn(t *testing.T) {
	b, err := buildspecrun.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Put("artifacts", "templates/2.app-v2.yaml", "image: __APP_V2_IMAGE__\n"); err != nil {
		t.Fatal(err)
	}
	for build := 1; build <= 2; build++ {
		t.Run(fmt.Sprint("build ", build), func(t *testing.T) {
			out, err := b.Run(buildspecOf(t), []string{
				"CODEBUILD_RESOLVED_SOURCE_VERSION=0123456789abcdef0123456789abcdef01234567",
				fmt.Sprint("CODEBUILD_BUILD_NUMBER=", build), "CODEBUILD_BUILD_SUCCEEDING=1",
				"REPOSITORY_URI=123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/hello-dev/yelbv2",
				"ARTIFACT_BUCKET=artifacts", "APP_DIR=yelb-appserver", "AWS_DEFAULT_REGION=ap-northeast-2"})
			if err != nil {
				t.Fatalf("build %d failed: %v\n%s", build, err, out)
			}
			rendered, err := os.ReadFile(b.Object("artifacts", "2.app-v2.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprint("hello-dev/yelbv2:0123456789ab-", build); !strings.Contains(string(rendered), want) {
				t.Errorf("the v2 manifest does not name %s:\n%s", want, rendered)
			}
		})
	}
}

// TestBuildReadsAndWritesUnderTheAppsPrefix: in a room the apps share the
// platform's bucket, each under its own prefix, which the pipeline's
// CodeBuild stage passes as ARTIFACT_PREFIX; another app's templates are
// left alone and nothing is written outside the prefix.
func TestBuildReadsAndWritesUnderTheAppsPrefix(t *testing.T) {
	b, err := buildspecrun.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, app := range []string{"alice/", "bob/"} {
		if err := b.Put("artifacts", app+"templates/2.app-v2.yaml", "image: __APP_V2_IMAGE__\n"); err != nil {
			t.Fatal(err)
		}
	}
	out, err := b.Run(buildspecOf(t), []string{
		"CODEBUILD_RESOLVED_SOURCE_VERSION=0123456789abcdef0123456789abcdef01234567",
		"CODEBUILD_BUILD_NUMBER=7", "CODEBUILD_BUILD_SUCCEEDING=1",
		"REPOSITORY_URI=123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/room/yelbv2",
		"ARTIFACT_BUCKET=artifacts", "ARTIFACT_PREFIX=alice/", "APP_DIR=yelb-appserver", "AWS_DEFAULT_REGION=ap-northeast-2"})
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, out)
	}
	rendered, err := os.ReadFile(b.Object("artifacts", "alice/2.app-v2.yaml"))
	if err != nil {
		t.Fatalf("alice's v2 manifest was not written under her prefix: %v\n%s", err, out)
	}
	if !strings.Contains(string(rendered), "room/yelbv2:0123456789ab-7") {
		t.Errorf("alice's v2 manifest does not name the build's image:\n%s", rendered)
	}
	for _, key := range []string{"2.app-v2.yaml", "bob/2.app-v2.yaml"} {
		if _, err := os.Stat(b.Object("artifacts", key)); err == nil {
			t.Errorf("the build for alice wrote %s", key)
		}
	}
}

// TestManagedRole: the managed role is assumed by clouddriver's and igor's
// Pod Identity sessions, whose session tags are transitive (EKS user guide,
// pod-id-abac), so its trust allows sts:TagSession (aws/eks-pod-identity-agent#80);
// it may run its project's builds (igor's CodeBuild account) and read what
// the ec2 account caches (clouddriver-aws/.../health/AmazonHealthIndicator.java,
// provider/config/ProviderHelpers.java); the artifact bucket is read by
// clouddriver's own role, never through this one
// (clouddriver-artifacts-s3/.../S3ArtifactAccount.java has no assume-role).
func TestManagedRole(t *testing.T) {
	cloud := build(t)
	var trustText string
	for _, r := range cloud.OfType("aws:iam/role:Role") {
		if r.String("name") == "hello-dev-spinnaker-managed" {
			trustText = r.String("assumeRolePolicy")
		}
	}
	trust, err := awsiam.Parse(trustText)
	if err != nil {
		t.Fatal(err)
	}
	st := trust.Statement[0]
	got := st.Principal["AWS"].([]any)
	if len(got) != 2 || got[0] != principals[0] || got[1] != principals[1] {
		t.Errorf("managed role trusts %v", got)
	}
	if !slices.Equal(st.Action, []string{"sts:AssumeRole", "sts:TagSession"}) {
		t.Errorf("trust allows %v", st.Action)
	}
	doc := policyOf(t, cloud, "hello-dev-spinnaker-managed")
	var actions []string
	for _, s := range doc.Statement {
		actions = append(actions, s.Action...)
	}
	for _, c := range []struct {
		action string
		want   bool
	}{
		{"codebuild:StartBuild", true}, {"codebuild:BatchGetBuilds", true},
		{"ec2:Describe*", true}, {"autoscaling:Describe*", true}, {"elasticloadbalancing:Describe*", true},
		{"iam:ListServerCertificates", true},
		{"s3:GetObject", false}, {"s3:ListBucket", false},
	} {
		t.Run(c.action, func(t *testing.T) {
			if slices.Contains(actions, c.action) != c.want {
				t.Errorf("managed role may %s: %v, want %v", c.action, !c.want, c.want)
			}
		})
	}
}

func policyOf(t *testing.T, cloud *mockcloud.Cloud, name string) awsiam.Document {
	t.Helper()
	p, ok := cloud.Find("aws:iam/rolePolicy:RolePolicy", name)
	if !ok {
		t.Fatalf("no policy %s", name)
	}
	doc, err := awsiam.Parse(p.String("policy"))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestNoBroadGrants: no inline policy allows a whole service on every
// resource, and no AWS managed policy (PowerUserAccess, as the original
// gave the managed role, or any other) is attached to a role here.
func TestNoBroadGrants(t *testing.T) {
	cloud := build(t)
	for _, p := range cloud.OfType("aws:iam/rolePolicy:RolePolicy") {
		t.Run(p.Name, func(t *testing.T) {
			doc, err := awsiam.Parse(p.String("policy"))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range doc.Statement {
				for _, a := range s.Action {
					if (a == "*" || strings.HasSuffix(a, ":*")) && slices.Contains(s.Resource, "*") {
						t.Errorf("allows %s on *", a)
					}
				}
			}
		})
	}
	for _, a := range cloud.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		t.Errorf("%s attaches %s", a.Name, a.String("policyArn"))
	}
}
