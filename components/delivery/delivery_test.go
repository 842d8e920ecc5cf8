package delivery

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
	"github.com/workshop/spinnaker-modernization/manifests"
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
	if src["buildspec"] != manifests.Read("buildspec.yml") {
		t.Error("the buildspec sent is not manifests/buildspec.yml")
	}
	if env["privilegedMode"] != true || env["image"] != BuildImage {
		t.Errorf("environment = %v", env)
	}
	vars := map[string]any{}
	for _, v := range env["environmentVariables"].([]any) {
		vars[v.(map[string]any)["name"].(string)] = v.(map[string]any)["value"]
	}
	for _, k := range []string{"ARTIFACT_BUCKET", "REPOSITORY_URI", "APP_NAME", "APP_DIR", "AWS_DEFAULT_REGION"} {
		if vars[k] == nil || vars[k] == "" {
			t.Errorf("variable %s missing", k)
		}
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

func TestBuildspec(t *testing.T) {
	var spec struct {
		Version any `yaml:"version"`
		Phases  map[string]struct {
			Commands []string `yaml:"commands"`
		} `yaml:"phases"`
	}
	text := manifests.Read("buildspec.yml")
	if err := yaml.Unmarshal([]byte(text), &spec); err != nil {
		t.Fatal(err)
	}
	if spec.Version != 0.2 {
		t.Errorf("version %v", spec.Version)
	}
	joined := func(phase string) string { return strings.Join(spec.Phases[phase].Commands, "\n") }
	pre, build, post := joined("pre_build"), joined("build"), joined("post_build")
	if !strings.Contains(pre, "aws ecr get-login-password") || strings.Contains(text, "ecr get-login ") {
		t.Errorf("pre_build must log in with get-login-password:\n%s", pre)
	}
	if !strings.Contains(pre, "CODEBUILD_RESOLVED_SOURCE_VERSION") {
		t.Error("the image tag must be the resolved source version")
	}
	if !strings.Contains(build, `docker build -t "$REPOSITORY_URI:$IMAGE_TAG"`) {
		t.Errorf("build:\n%s", build)
	}
	for _, want := range []string{`docker push "$REPOSITORY_URI:$IMAGE_TAG"`, "__APP_V2_IMAGE__", `s3://$ARTIFACT_BUCKET/templates/`} {
		if !strings.Contains(post, want) {
			t.Errorf("post_build lacks %q", want)
		}
	}
}

func TestPoliciesAreLeastPrivilege(t *testing.T) {
	cloud := build(t)
	var managedTrust, managedPolicy string
	for _, r := range cloud.OfType("aws:iam/role:Role") {
		if r.String("name") == "hello-dev-spinnaker-managed" {
			managedTrust = r.String("assumeRolePolicy")
		}
	}
	for _, p := range cloud.OfType("aws:iam/rolePolicy:RolePolicy") {
		doc, err := awsiam.Parse(p.String("policy"))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range doc.Statement {
			for _, a := range s.Action {
				if (a == "*" || strings.HasSuffix(a, ":*")) && s.Resource[0] == "*" {
					t.Errorf("%s allows %s on *", p.Name, a)
				}
			}
		}
		if p.Name == "hello-dev-spinnaker-managed" {
			managedPolicy = p.String("policy")
		}
	}
	trust, err := awsiam.Parse(managedTrust)
	if err != nil {
		t.Fatal(err)
	}
	got := trust.Statement[0].Principal["AWS"].([]any)
	if len(got) != 2 || got[0] != principals[0] || got[1] != principals[1] {
		t.Errorf("managed role trusts %v", got)
	}
	doc, err := awsiam.Parse(managedPolicy)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, s := range doc.Statement {
		actions = append(actions, s.Action...)
	}
	sort.Strings(actions)
	want := []string{"codebuild:BatchGetBuilds", "codebuild:BatchGetProjects", "codebuild:ListProjects", "codebuild:StartBuild",
		"codebuild:StopBuild", "eks:DescribeCluster", "s3:GetObject", "s3:ListBucket"}
	if !reflect.DeepEqual(actions, want) {
		t.Errorf("managed role may %v", actions)
	}
	if strings.Contains(managedPolicy, "PowerUser") {
		t.Error("not PowerUser")
	}
}
