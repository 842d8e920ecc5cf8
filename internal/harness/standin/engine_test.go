package standin

import (
	"context"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/internal/harness"
)

// The real engine attached to the aws stand-in: preview, up, a second up
// that changes nothing, a change that replaces, destroy in dependency
// order (the role's policy attachment first, or the stand-in refuses).
func TestTheRealEngineDrivesTheStandIn(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs the Pulumi CLI")
	}
	providers, err := Start("ap-northeast-2", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer providers.Stop()
	providers.AWS.retry = 0
	engine := harness.NewEngine(t, harness.EngineOptions{DebugProviders: providers.DebugProviders()})
	ctx := context.Background()
	program := func(policy string) pulumi.RunFunc {
		return func(ctx *pulumi.Context) error {
			p, err := aws.NewProvider(ctx, "aws", &aws.ProviderArgs{Region: pulumi.String("ap-northeast-2")})
			if err != nil {
				return err
			}
			role, err := iam.NewRole(ctx, "nodes", &iam.RoleArgs{
				AssumeRolePolicy: pulumi.String(`{"Version":"2012-10-17","Statement":[]}`),
			}, pulumi.Provider(p))
			if err != nil {
				return err
			}
			_, err = iam.NewRolePolicyAttachment(ctx, "nodes", &iam.RolePolicyAttachmentArgs{
				Role: role.Name, PolicyArn: pulumi.String("arn:aws:iam::aws:policy/" + policy),
			}, pulumi.Provider(p))
			ctx.Export("roleArn", role.Arn)
			return err
		}
	}
	stack, err := engine.Stack(ctx, "standin", "test", program("AmazonEKSWorkerNodePolicy"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stack.Preview(ctx); err != nil {
		t.Fatal(err)
	}
	up, err := stack.Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if arn, _ := up.Outputs["roleArn"].Value.(string); !strings.HasPrefix(arn, "arn:aws:iam::123456789012:role/nodes-") {
		t.Fatalf("role ARN %q", arn)
	}
	if _, err := stack.Preview(ctx, optpreview.ExpectNoChanges()); err != nil {
		t.Fatalf("a second preview changes something: %v", err)
	}
	// policy_arn is ForceNew in terraform-provider-aws
	// internal/service/iam/role_policy_attachment.go.
	if stack, err = engine.Stack(ctx, "standin", "test", program("AmazonEKS_CNI_Policy"), nil); err != nil {
		t.Fatal(err)
	}
	changed, err := stack.Up(ctx)
	if err != nil {
		t.Fatalf("replacing the attachment: %v", err)
	}
	if c := changed.Summary.ResourceChanges; c == nil || (*c)["replace"] != 1 {
		t.Fatalf("changes %v, want the attachment replaced", c)
	}
	if _, err := stack.Destroy(ctx); err != nil {
		t.Fatal(err)
	}
	if left := providers.AWS.Resources(); len(left) > 0 {
		t.Fatalf("left after destroy: %v", left)
	}
}
