package delivery

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
)

// ManagedTrust lets exactly the given principals assume the managed role.
// They are Pod Identity sessions, whose session tags are transitive (EKS
// user guide, pod-id-abac), so the trust must allow sts:TagSession as well
// (aws/eks-pod-identity-agent#80).
func ManagedTrust(principals []string) awsiam.Document {
	return awsiam.Policy(awsiam.Statement{
		Effect:    "Allow",
		Principal: map[string]any{"AWS": principals},
		Action:    []string{"sts:AssumeRole", "sts:TagSession"},
	})
}

// newManagedRole is named, not auto-named: Spinnaker's roles name its ARN
// in their policies before it exists.
func newManagedRole(ctx *pulumi.Context, args DeliveryArgs, policy pulumi.StringOutput, parent pulumi.ResourceOption) (pulumi.StringOutput, error) {
	trust := args.SpinnakerPrincipals.ToStringArrayOutput().ApplyT(func(p []string) string {
		return ManagedTrust(p).JSON()
	}).(pulumi.StringOutput)
	role, err := iam.NewRole(ctx, args.ManagedRoleName, &iam.RoleArgs{
		Name:             pulumi.String(args.ManagedRoleName),
		Description:      pulumi.String("Assumed by Spinnaker for CodeBuild and its ec2 account"),
		AssumeRolePolicy: trust,
		Tags:             pulumi.ToStringMap(args.Tags),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	p, err := iam.NewRolePolicy(ctx, args.ManagedRoleName, &iam.RolePolicyArgs{Role: role.Name, Policy: policy}, parent)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("policy: %w", err)
	}
	return pulumi.All(role.Arn, p.ID()).ApplyT(func(xs []any) string { return xs[0].(string) }).(pulumi.StringOutput), nil
}
