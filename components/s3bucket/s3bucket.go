// Package s3bucket creates an S3 bucket with the settings every bucket of the
// workshop needs: owner-enforced, public access blocked, encrypted, versioned,
// old versions expiring, TLS only.
package s3bucket

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
)

// Args configures a bucket.
type Args struct {
	// KMSKeyArn selects SSE-KMS with that key; nil means SSE-S3.
	KMSKeyArn pulumi.StringInput
	// NoncurrentDays is how long replaced object versions are kept.
	NoncurrentDays int
	// ForceDestroy empties the bucket on destroy, for buckets of build output
	// that nobody needs once the stack is gone.
	ForceDestroy bool
	Tags         map[string]string
}

// Bucket is the bucket and the settings resources hanging off it.
type Bucket struct {
	Bucket *s3.BucketV2
	Name   pulumi.StringOutput
	Arn    pulumi.StringOutput
}

// New creates the bucket; opts (parent, protect) apply to every resource.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*Bucket, error) {
	bucket, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{
		ForceDestroy: pulumi.Bool(args.ForceDestroy),
		Tags:         pulumi.ToStringMap(args.Tags),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating bucket %s: %w", name, err)
	}
	b := settings{ctx: ctx, name: name, bucket: bucket, opts: opts}
	for _, step := range []func(Args) error{b.privateAccess, b.encryption, b.versioning} {
		if err := step(args); err != nil {
			return nil, fmt.Errorf("bucket %s: %w", name, err)
		}
	}
	return &Bucket{Bucket: bucket, Name: bucket.Bucket, Arn: bucket.Arn}, nil
}

// settings creates the resources that configure one bucket.
type settings struct {
	ctx    *pulumi.Context
	name   string
	bucket *s3.BucketV2
	opts   []pulumi.ResourceOption
}

func (b settings) after(deps ...pulumi.Resource) []pulumi.ResourceOption {
	return append(append([]pulumi.ResourceOption{}, b.opts...), pulumi.DependsOn(deps))
}

// privateAccess disables ACLs, blocks public access and denies plain HTTP.
func (b settings) privateAccess(Args) error {
	if _, err := s3.NewBucketOwnershipControls(b.ctx, b.name, &s3.BucketOwnershipControlsArgs{
		Bucket: b.bucket.ID(),
		Rule:   s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, b.opts...); err != nil {
		return fmt.Errorf("ownership controls: %w", err)
	}
	pab, err := s3.NewBucketPublicAccessBlock(b.ctx, b.name, &s3.BucketPublicAccessBlockArgs{
		Bucket:                b.bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, b.opts...)
	if err != nil {
		return fmt.Errorf("public access block: %w", err)
	}
	policy := b.bucket.Arn.ApplyT(func(arn string) string { return TLSOnlyPolicy(arn).JSON() }).(pulumi.StringOutput)
	// S3 refuses a bucket policy while the public access block is being set.
	if _, err := s3.NewBucketPolicy(b.ctx, b.name, &s3.BucketPolicyArgs{
		Bucket: b.bucket.ID(),
		Policy: policy,
	}, b.after(pab)...); err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	return nil
}

// encryption is SSE-KMS with the given key, or SSE-S3.
func (b settings) encryption(args Args) error {
	sse := s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
		SseAlgorithm: pulumi.String("AES256"),
	}
	if args.KMSKeyArn != nil {
		sse.SseAlgorithm = pulumi.String("aws:kms")
		sse.KmsMasterKeyId = args.KMSKeyArn
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(b.ctx, b.name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: b.bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: sse,
			BucketKeyEnabled:                   pulumi.Bool(args.KMSKeyArn != nil),
		}},
	}, b.opts...); err != nil {
		return fmt.Errorf("encryption: %w", err)
	}
	return nil
}

// versioning keeps replaced objects for NoncurrentDays.
func (b settings) versioning(args Args) error {
	versioning, err := s3.NewBucketVersioningV2(b.ctx, b.name, &s3.BucketVersioningV2Args{
		Bucket:                  b.bucket.ID(),
		VersioningConfiguration: s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, b.opts...)
	if err != nil {
		return fmt.Errorf("versioning: %w", err)
	}
	// Lifecycle rules on a versioned bucket must follow versioning.
	if _, err := s3.NewBucketLifecycleConfigurationV2(b.ctx, b.name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: b.bucket.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:     pulumi.String("expire-noncurrent-versions"),
			Status: pulumi.String("Enabled"),
			Filter: s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			NoncurrentVersionExpiration: s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{
				NoncurrentDays: pulumi.Int(args.NoncurrentDays),
			},
			AbortIncompleteMultipartUpload: s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
				DaysAfterInitiation: pulumi.Int(7),
			},
		}},
	}, b.after(versioning)...); err != nil {
		return fmt.Errorf("lifecycle: %w", err)
	}
	return nil
}

// TLSOnlyPolicy denies every request to the bucket that does not use TLS.
func TLSOnlyPolicy(bucketArn string) awsiam.Document {
	return awsiam.Policy(awsiam.Statement{
		Sid:       "DenyInsecureTransport",
		Effect:    "Deny",
		Principal: map[string]any{"AWS": "*"},
		Action:    []string{"s3:*"},
		Resource:  []string{bucketArn, bucketArn + "/*"},
		Condition: map[string]map[string]any{"Bool": {"aws:SecureTransport": "false"}},
	})
}
