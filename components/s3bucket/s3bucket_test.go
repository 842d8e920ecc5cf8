package s3bucket

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

func build(t *testing.T, args Args) *mockcloud.Cloud {
	t.Helper()
	cloud := mockcloud.New("workshop", "test", "ap-northeast-2")
	if err := cloud.Run(nil, nil, func(ctx *pulumi.Context) error {
		_, err := New(ctx, "b", args)
		return err
	}); err != nil {
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

func TestBucketDefaults(t *testing.T) {
	cloud := build(t, Args{NoncurrentDays: 30})
	bucket := one(t, cloud, "aws:s3/bucketV2:BucketV2")
	if bucket.Input("forceDestroy") != false {
		t.Error("buckets keep their objects on destroy unless asked")
	}
	sse := one(t, cloud, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
	rule := sse.Input("rules").([]any)[0].(map[string]any)
	if rule["applyServerSideEncryptionByDefault"].(map[string]any)["sseAlgorithm"] != "AES256" {
		t.Errorf("rule = %v", rule)
	}
	if one(t, cloud, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").Input("rule").(map[string]any)["objectOwnership"] != "BucketOwnerEnforced" {
		t.Error("ACLs must be disabled")
	}
	if one(t, cloud, "aws:s3/bucketVersioningV2:BucketVersioningV2").Input("versioningConfiguration").(map[string]any)["status"] != "Enabled" {
		t.Error("versioning off")
	}
	lc := one(t, cloud, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2")
	exp := lc.Input("rules").([]any)[0].(map[string]any)["noncurrentVersionExpiration"].(map[string]any)
	if exp["noncurrentDays"] != 30.0 {
		t.Errorf("noncurrent expiration = %v", exp)
	}
	versioning := one(t, cloud, "aws:s3/bucketVersioningV2:BucketVersioningV2")
	if !contains(lc.Dependencies, versioning.URN) {
		t.Error("lifecycle must wait for versioning")
	}
}

func TestKMSAndForceDestroy(t *testing.T) {
	cloud := build(t, Args{KMSKeyArn: pulumi.String("arn:aws:kms:ap-northeast-2:1:key/k"), ForceDestroy: true, NoncurrentDays: 1})
	sse := one(t, cloud, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
	rule := sse.Input("rules").([]any)[0].(map[string]any)
	byDefault := rule["applyServerSideEncryptionByDefault"].(map[string]any)
	if byDefault["sseAlgorithm"] != "aws:kms" || byDefault["kmsMasterKeyId"] != "arn:aws:kms:ap-northeast-2:1:key/k" || rule["bucketKeyEnabled"] != true {
		t.Errorf("rule = %v", rule)
	}
	if one(t, cloud, "aws:s3/bucketV2:BucketV2").Input("forceDestroy") != true {
		t.Error("forceDestroy not set")
	}
}

func TestPolicyDeniesPlainHTTP(t *testing.T) {
	cloud := build(t, Args{NoncurrentDays: 1})
	policy := one(t, cloud, "aws:s3/bucketPolicy:BucketPolicy")
	doc, err := awsiam.Parse(policy.String("policy"))
	if err != nil {
		t.Fatal(err)
	}
	s := doc.Statement[0]
	if s.Effect != "Deny" || s.Condition["Bool"]["aws:SecureTransport"] != "false" || !strings.HasSuffix(s.Resource[1], "/*") {
		t.Errorf("statement = %+v", s)
	}
	pab := one(t, cloud, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
	if !contains(policy.Dependencies, pab.URN) {
		t.Error("the policy must wait for the public access block")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
