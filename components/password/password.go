// Package password generates passwords that stay the same across updates and
// are kept as Pulumi secrets and in AWS Secrets Manager.
package password

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Generated is a password and the secret that holds it.
type Generated struct {
	Secret *secretsmanager.Secret
	// Value is the stored password, a Pulumi secret.
	Value pulumi.StringOutput
}

// New asks Secrets Manager for a fresh password on every run but stores only
// the first: the version ignores later values, and Value reads the stored one.
// (pulumi-random would do the same; it is not available to this project.)
func New(ctx *pulumi.Context, name, description string, tags map[string]string, parent pulumi.Resource) (*Generated, error) {
	opts := []pulumi.ResourceOption{pulumi.Parent(parent)}
	fresh := secretsmanager.GetRandomPasswordOutput(ctx, secretsmanager.GetRandomPasswordOutputArgs{
		PasswordLength: pulumi.Int(32),
		// Kept out of URLs, YAML and shell: only letters and digits.
		ExcludePunctuation: pulumi.Bool(true),
	}, pulumi.Parent(parent))
	secret, err := secretsmanager.NewSecret(ctx, name, &secretsmanager.SecretArgs{
		Description: pulumi.String(description),
		// Deleted at once on destroy, so a re-created stack can reuse the name.
		RecoveryWindowInDays: pulumi.Int(0),
		Tags:                 pulumi.ToStringMap(tags),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating secret %s: %w", name, err)
	}
	version, err := secretsmanager.NewSecretVersion(ctx, name, &secretsmanager.SecretVersionArgs{
		SecretId:     secret.ID(),
		SecretString: pulumi.ToSecret(fresh.RandomPassword()).(pulumi.StringOutput),
	}, append(opts, pulumi.IgnoreChanges([]string{"secretString"}))...)
	if err != nil {
		return nil, fmt.Errorf("storing secret %s: %w", name, err)
	}
	return &Generated{
		Secret: secret,
		Value:  pulumi.ToSecret(version.SecretString.Elem()).(pulumi.StringOutput),
	}, nil
}
