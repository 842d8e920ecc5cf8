package awsiam

import (
	"fmt"
	"path"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// RoleArgs describes a role: who may assume it and what it may do.
type RoleArgs struct {
	Description string
	Trust       Document
	// Policy is the inline policy JSON, or nil for none. It is an input so a
	// policy can name resources that do not exist yet.
	Policy pulumi.StringInput
	// ManagedPolicies are names of AWS managed policies to attach.
	ManagedPolicies []string
	Tags            map[string]string
}

// Role is an IAM role with its policies attached.
type Role struct {
	Role *iam.Role
	// Arn resolves only once every policy is attached, so a consumer never
	// starts with a role that cannot yet do its job.
	Arn  pulumi.StringOutput
	Name pulumi.StringOutput
}

// NewRole creates the role, its inline policy and its managed policy
// attachments as siblings under the caller's parent.
func NewRole(ctx *pulumi.Context, name string, args RoleArgs, opts ...pulumi.ResourceOption) (*Role, error) {
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Description:      pulumi.String(args.Description),
		AssumeRolePolicy: pulumi.String(args.Trust.JSON()),
		Tags:             pulumi.ToStringMap(args.Tags),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating role %s: %w", name, err)
	}
	ready := []any{role.Arn}
	if args.Policy != nil {
		p, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{
			Role:   role.Name,
			Policy: args.Policy,
		}, opts...)
		if err != nil {
			return nil, fmt.Errorf("creating policy of role %s: %w", name, err)
		}
		ready = append(ready, p.ID())
	}
	for _, managed := range args.ManagedPolicies {
		a, err := iam.NewRolePolicyAttachment(ctx, name+"-"+path.Base(managed), &iam.RolePolicyAttachmentArgs{
			Role:      role.Name,
			PolicyArn: pulumi.String(ManagedPolicyARN(managed)),
		}, opts...)
		if err != nil {
			return nil, fmt.Errorf("attaching %s to role %s: %w", managed, name, err)
		}
		ready = append(ready, a.ID())
	}
	arn := pulumi.All(ready...).ApplyT(func(xs []any) string { return xs[0].(string) }).(pulumi.StringOutput)
	return &Role{Role: role, Arn: arn, Name: role.Name}, nil
}

// Static wraps a document known at program time as a policy input.
func Static(d Document) pulumi.StringInput {
	return pulumi.String(d.JSON())
}
