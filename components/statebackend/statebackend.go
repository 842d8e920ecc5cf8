// Package statebackend is where Pulumi keeps the workshop stacks' state and
// the key that encrypts their secrets.
package statebackend

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/s3bucket"
)

// StateBackendArgs configures the backend.
type StateBackendArgs struct {
	Region string
	// NoncurrentDays keeps replaced state files this long, enough to recover
	// from a bad `pulumi up` or a corrupted checkpoint.
	NoncurrentDays int
	Tags           map[string]string
}

// StateBackend is an S3 bucket for `pulumi login s3://...` and a KMS key for
// `--secrets-provider awskms://...`. Pulumi locks stacks with objects in the
// bucket itself, so no DynamoDB table is needed.
type StateBackend struct {
	pulumi.ResourceState

	BucketName      pulumi.StringOutput
	KeyArn          pulumi.StringOutput
	AliasName       pulumi.StringOutput
	BackendURL      pulumi.StringOutput
	SecretsProvider pulumi.StringOutput
}

// NewStateBackend creates the bucket and key, both protected: losing either
// loses every stack that uses them.
func NewStateBackend(ctx *pulumi.Context, name string, args StateBackendArgs, opts ...pulumi.ResourceOption) (*StateBackend, error) {
	b := &StateBackend{}
	if err := ctx.RegisterComponentResource("workshop:statebackend:StateBackend", name, b, opts...); err != nil {
		return nil, err
	}
	keep := []pulumi.ResourceOption{pulumi.Parent(b), pulumi.Protect(true)}

	key, err := kms.NewKey(ctx, name+"-state", &kms.KeyArgs{
		Description:          pulumi.Sprintf("Encrypts Pulumi state and stack secrets of %s", name),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Tags:                 pulumi.ToStringMap(args.Tags),
	}, keep...)
	if err != nil {
		return nil, fmt.Errorf("state backend %s: creating key: %w", name, err)
	}
	alias, err := kms.NewAlias(ctx, name+"-state", &kms.AliasArgs{
		Name:        pulumi.String("alias/pulumi-" + name),
		TargetKeyId: key.KeyId,
	}, keep...)
	if err != nil {
		return nil, fmt.Errorf("state backend %s: creating alias: %w", name, err)
	}
	bucket, err := s3bucket.New(ctx, name+"-state", s3bucket.Args{
		KMSKeyArn:      key.Arn,
		NoncurrentDays: args.NoncurrentDays,
		Tags:           args.Tags,
	}, keep...)
	if err != nil {
		return nil, fmt.Errorf("state backend %s: %w", name, err)
	}

	b.BucketName = bucket.Name
	b.KeyArn = key.Arn
	b.AliasName = alias.Name
	b.BackendURL = pulumi.Sprintf("s3://%s?region=%s", bucket.Name, args.Region)
	b.SecretsProvider = pulumi.Sprintf("awskms://%s?region=%s", alias.Name, args.Region)
	return b, ctx.RegisterResourceOutputs(b, pulumi.Map{
		"bucketName":      b.BucketName,
		"keyArn":          b.KeyArn,
		"backendUrl":      b.BackendURL,
		"secretsProvider": b.SecretsProvider,
	})
}
