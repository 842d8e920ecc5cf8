package githubci

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
	"github.com/workshop/spinnaker-modernization/internal/readmecheck"
)

func config(extra map[string]string) map[string]string {
	raw := map[string]string{
		"aws:region":                  "ap-northeast-2",
		"workshop-ci:repository":      "octo/workshop",
		"workshop-ci:stateBucket":     "hello-dev-state-1a2b3c4",
		"workshop-ci:secretsKeyArn":   "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"workshop-ci:repositoryIds":   "",
		"workshop-ci:oidcProviderArn": "",
	}
	for k, v := range extra {
		raw[k] = v
	}
	return raw
}

func run(t *testing.T, raw map[string]string) *mockcloud.Cloud {
	t.Helper()
	cloud := mockcloud.New("workshop-ci", "ci", "ap-northeast-2")
	if err := cloud.Run(raw, nil, Program(raw)); err != nil {
		t.Fatal(err)
	}
	return cloud
}

func roleTrust(t *testing.T, cloud *mockcloud.Cloud, name string) awsiam.Statement {
	t.Helper()
	r, ok := cloud.Find("aws:iam/role:Role", name)
	if !ok {
		t.Fatalf("no role %s", name)
	}
	d, err := awsiam.Parse(r.String("assumeRolePolicy"))
	if err != nil || len(d.Statement) != 1 {
		t.Fatalf("trust of %s: %v %+v", name, err, d)
	}
	return d.Statement[0]
}

const providerArn = "arn:aws:iam::" + mockcloud.AccountID + ":oidc-provider/token.actions.githubusercontent.com"

// Each role trusts GitHub's provider for one repository and one kind of job:
// the subjects are GitHub's (https://docs.github.com/en/actions/reference/security/oidc),
// the audience the default of aws-actions/configure-aws-credentials (action.yml).
func TestRolesTrustOneRepositoryAndOneKindOfJob(t *testing.T) {
	cases := []struct {
		name, ids, role, subject string
	}{
		{"preview on pull requests", "", "preview", "repo:octo/workshop:pull_request"},
		{"apply on main", "", "apply", "repo:octo/workshop:ref:refs/heads/main"},
		{"preview, immutable subject", "42/4242", "preview", "repo:octo@42/workshop@4242:pull_request"},
		{"apply, immutable subject", "42/4242", "apply", "repo:octo@42/workshop@4242:ref:refs/heads/main"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cloud := run(t, config(map[string]string{"workshop-ci:repositoryIds": c.ids}))
			s := roleTrust(t, cloud, c.role)
			if !reflect.DeepEqual(s.Principal, map[string]any{"Federated": providerArn}) || !reflect.DeepEqual(s.Action, []string{"sts:AssumeRoleWithWebIdentity"}) {
				t.Errorf("principal %v, action %v", s.Principal, s.Action)
			}
			want := map[string]map[string]any{"StringEquals": {
				"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
				"token.actions.githubusercontent.com:sub": c.subject,
			}}
			if !reflect.DeepEqual(s.Condition, want) {
				t.Errorf("condition %v, want %v", s.Condition, want)
			}
		})
	}
}

func TestProviderCreatedUnlessNamed(t *testing.T) {
	cloud := run(t, config(nil))
	providers := cloud.OfType("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
	if len(providers) != 1 || providers[0].String("url") != "https://token.actions.githubusercontent.com" ||
		!reflect.DeepEqual(providers[0].Input("clientIdLists"), []any{"sts.amazonaws.com"}) {
		t.Fatalf("providers %+v", providers)
	}
	for _, role := range cloud.OfType("aws:iam/role:Role") {
		if !slices.Contains(role.Dependencies, providers[0].URN) {
			t.Errorf("role %s may be created before the provider it trusts", role.Name)
		}
	}
	existing := strings.Replace(providerArn, mockcloud.AccountID, "210987654321", 1)
	cloud = run(t, config(map[string]string{"workshop-ci:oidcProviderArn": existing}))
	if n := len(cloud.OfType("aws:iam/openIdConnectProvider:OpenIdConnectProvider")); n != 0 {
		t.Errorf("%d providers created beside the named one", n)
	}
	if s := roleTrust(t, cloud, "preview"); s.Principal["Federated"] != existing {
		t.Errorf("preview trusts %v", s.Principal)
	}
}

// The preview role reads: every action it is granted is a read, and the one
// managed policy is ReadOnlyAccess. The apply role alone administers.
func TestPreviewRoleOnlyReads(t *testing.T) {
	cloud := run(t, config(nil))
	policy, ok := cloud.Find("aws:iam/rolePolicy:RolePolicy", "preview")
	if !ok {
		t.Fatal("no preview policy")
	}
	d, err := awsiam.Parse(policy.String("policy"))
	if err != nil {
		t.Fatal(err)
	}
	reads := []string{"s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject", "kms:Decrypt", "kms:DescribeKey", "secretsmanager:GetRandomPassword"}
	for _, s := range d.Statement {
		for _, a := range s.Action {
			if s.Effect != "Allow" || !slices.Contains(reads, a) {
				t.Errorf("preview may %s %s", s.Effect, a)
			}
		}
	}
	attached := map[string][]string{}
	for _, a := range cloud.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		role := strings.SplitN(a.Name, "-", 2)[0]
		attached[role] = append(attached[role], a.String("policyArn"))
	}
	want := map[string][]string{
		"preview": {"arn:aws:iam::aws:policy/ReadOnlyAccess"},
		"apply":   {"arn:aws:iam::aws:policy/AdministratorAccess"},
	}
	if !reflect.DeepEqual(attached, want) {
		t.Errorf("managed policies %v, want %v", attached, want)
	}
	if _, ok := cloud.Find("aws:iam/rolePolicy:RolePolicy", "apply"); ok {
		t.Error("the apply role has an inline policy it does not need")
	}
}

func TestBadConfigIsRefusedByKey(t *testing.T) {
	cases := []struct {
		name string
		set  map[string]string
		want string
	}{
		{"repository without owner", map[string]string{"workshop-ci:repository": "workshop"}, `config workshop-ci:repository: "workshop" is not owner/name`},
		{"ids not numbers", map[string]string{"workshop-ci:repositoryIds": "octo/workshop"}, `config workshop-ci:repositoryIds: "octo/workshop" is not ownerID/repositoryID`},
		{"bucket missing", map[string]string{"workshop-ci:stateBucket": ""}, `config workshop-ci:stateBucket: "" is not an S3 bucket name`},
		{"key alias instead of key", map[string]string{"workshop-ci:secretsKeyArn": "alias/pulumi-hello-dev"}, `config workshop-ci:secretsKeyArn: "alias/pulumi-hello-dev" is not a KMS key ARN`},
		{"provider of another issuer", map[string]string{"workshop-ci:oidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/gitlab.com"}, "is not the ARN of an OIDC provider for token.actions.githubusercontent.com"},
		{"unknown key", map[string]string{"workshop-ci:repo": "octo/workshop"}, "config workshop-ci:repo: unknown key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := config(c.set)
			_, err := Parse(raw)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			cloud := mockcloud.New("workshop-ci", "ci", "ap-northeast-2")
			if err := cloud.Run(raw, nil, Program(raw)); err == nil || len(cloud.Resources()) != 0 {
				t.Errorf("program ran with bad config: %v, %d resources", err, len(cloud.Resources()))
			}
		})
	}
}

// ci/github/Pulumi.yaml declares exactly the keys Parse reads.
func TestCompanionProjectDeclaresEveryKey(t *testing.T) {
	proj, err := workspace.LoadProject("../../ci/github/Pulumi.yaml")
	if err != nil {
		t.Fatalf("the Pulumi CLI would reject ci/github/Pulumi.yaml: %v", err)
	}
	if proj.Name.String() != Namespace {
		t.Errorf("project %s, namespace %s", proj.Name, Namespace)
	}
	var declared []string
	for k := range proj.Config {
		declared = append(declared, Namespace+":"+k)
	}
	slices.Sort(declared)
	if !reflect.DeepEqual(declared, sortedKeys()) {
		t.Errorf("declared %v, read %v", declared, sortedKeys())
	}
}

// The README sets the workflows' variables from this project's outputs;
// a missing or secret output would set them empty or to "[secret]".
func TestOutputsTheREADMEReadsAreExportedInClear(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	reads := readmecheck.StackOutputReads(string(readme), "ci/github")
	if len(reads) < 2 {
		t.Fatalf("found %d reads of this project's outputs in the README, want the two role ARNs", len(reads))
	}
	exports := run(t, config(nil)).Exports()
	for _, r := range reads {
		t.Run(r.Name, func(t *testing.T) {
			e, ok := exports[r.Name]
			if !ok {
				t.Fatalf("the README reads %s, which the companion project does not export", r.Name)
			}
			if e.Secret != r.ShowSecrets {
				t.Errorf("secret %v, read with --show-secrets %v", e.Secret, r.ShowSecrets)
			}
		})
	}
}
