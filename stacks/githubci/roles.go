package githubci

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
)

// Trust lets jobs with exactly this subject assume a role, with the audience
// the credentials action asks for.
func Trust(providerArn, subject string) awsiam.Document {
	return awsiam.Policy(awsiam.Statement{
		Effect:    "Allow",
		Principal: map[string]any{"Federated": providerArn},
		Action:    []string{"sts:AssumeRoleWithWebIdentity"},
	}.When("StringEquals", issuerHost+":aud", audience).When("StringEquals", issuerHost+":sub", subject))
}

// previewRole serves `pulumi preview` on pull requests: AWS's ReadOnlyAccess
// for the providers' reads, the state objects and the secrets key. Preview
// takes no lock and writes no state on the S3 backend (pulumi/pulumi
// pkg/backend/diy/backend.go: Preview runs apply with DryRun, which skips
// the snapshot manager, the history and the backup).
func previewRole(ctx *pulumi.Context, cfg Config, providerArn string, opts ...pulumi.ResourceOption) (*awsiam.Role, error) {
	bucket := "arn:aws:s3:::" + cfg.StateBucket
	policy := awsiam.Policy(
		awsiam.Allow([]string{"s3:ListBucket", "s3:GetBucketLocation"}, bucket),
		awsiam.Allow([]string{"s3:GetObject"}, bucket+"/*"),
		awsiam.Allow([]string{"kms:Decrypt", "kms:DescribeKey"}, cfg.SecretsKeyArn),
		// The program asks Secrets Manager for its generated passwords at
		// preview; the call has no resource to scope to.
		awsiam.Allow([]string{"secretsmanager:GetRandomPassword"}, "*"),
	)
	r, err := awsiam.NewRole(ctx, "preview", awsiam.RoleArgs{
		Description:     "pulumi preview on pull requests of " + cfg.Repository + ": read only",
		Trust:           Trust(providerArn, cfg.Subject("pull_request")),
		Policy:          awsiam.Static(policy),
		ManagedPolicies: []string{"ReadOnlyAccess"},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("preview role: %w", err)
	}
	return r, nil
}

// applyRole serves `pulumi up` on pushes to main. The workshop creates IAM
// roles, clusters, networks and keys, so the role administers the account;
// only jobs on main of the one repository can assume it.
func applyRole(ctx *pulumi.Context, cfg Config, providerArn string, opts ...pulumi.ResourceOption) (*awsiam.Role, error) {
	r, err := awsiam.NewRole(ctx, "apply", awsiam.RoleArgs{
		Description:     "pulumi up on pushes to main of " + cfg.Repository,
		Trust:           Trust(providerArn, cfg.Subject("ref:refs/heads/main")),
		ManagedPolicies: []string{"AdministratorAccess"},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("apply role: %w", err)
	}
	return r, nil
}
