package statebackend

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

func TestBackendIsProtectedAndUsable(t *testing.T) {
	cloud := mockcloud.New("workshop", "test", "ap-northeast-2")
	var backendURL, secretsProvider string
	err := cloud.Run(nil, nil, func(ctx *pulumi.Context) error {
		b, err := NewStateBackend(ctx, "hello-dev", StateBackendArgs{Region: "ap-northeast-2", NoncurrentDays: 30})
		if err != nil {
			return err
		}
		b.BackendURL.ApplyT(func(s string) string { backendURL = s; return s })
		b.SecretsProvider.ApplyT(func(s string) string { secretsProvider = s; return s })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range cloud.Resources() {
		if r.Custom && !r.Protect {
			t.Errorf("%s is not protected", r.URN)
		}
	}
	key := cloud.OfType("aws:kms/key:Key")
	if len(key) != 1 || key[0].Input("enableKeyRotation") != true {
		t.Fatalf("key = %+v", key)
	}
	sse := cloud.OfType("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")[0]
	rule := sse.Input("rules").([]any)[0].(map[string]any)["applyServerSideEncryptionByDefault"].(map[string]any)
	if rule["kmsMasterKeyId"] != key[0].Outputs["arn"].StringValue() {
		t.Errorf("state is not encrypted with the state key: %v", rule)
	}
	if !strings.HasPrefix(backendURL, "s3://hello-dev-state-") || !strings.HasSuffix(backendURL, "?region=ap-northeast-2") {
		t.Errorf("backend URL = %q", backendURL)
	}
	if secretsProvider != "awskms://alias/pulumi-hello-dev?region=ap-northeast-2" {
		t.Errorf("secrets provider = %q", secretsProvider)
	}
}
