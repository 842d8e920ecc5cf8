package spinnaker

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
)

// ServiceRolesArgs says where Spinnaker runs and what its services reach.
type ServiceRolesArgs struct {
	Namespace string
	// PlatformCluster resolves to the platform cluster's name once it exists.
	PlatformCluster pulumi.StringInput
	// ManagedRoleArn is the spinnaker-managed role the services assume for
	// CodeBuild and the artifact bucket; it is named up front, so its ARN is
	// known before the role exists and the two sides do not wait on each other.
	ManagedRoleArn pulumi.StringInput
	// AppClusterArn is the cluster clouddriver deploys to.
	AppClusterArn pulumi.StringInput
	Tags          map[string]string
}

// ServiceRoles are the IAM roles of the Spinnaker services that call AWS.
type ServiceRoles struct {
	pulumi.ResourceState

	// Clouddriver, Igor and Front50 are the bare role ARNs: what another
	// role's trust policy names.
	Clouddriver pulumi.StringOutput
	Igor        pulumi.StringOutput
	Front50     pulumi.StringOutput
}

// RoledServices are the services with an AWS identity of their own.
var RoledServices = []string{"clouddriver", "igor", "front50"}

// NewServiceRoles gives clouddriver, igor and front50 a role each through Pod
// Identity: clouddriver and igor may only assume the managed role (and
// clouddriver read the app cluster's endpoint); front50 keeps its data in SQL
// and is given no permissions at all.
func NewServiceRoles(ctx *pulumi.Context, name string, args ServiceRolesArgs, opts ...pulumi.ResourceOption) (*ServiceRoles, error) {
	s := &ServiceRoles{}
	if err := ctx.RegisterComponentResource("workshop:spinnaker:ServiceRoles", name, s, opts...); err != nil {
		return nil, err
	}
	assume := func(extra ...awsiam.Statement) pulumi.StringInput {
		return pulumi.All(args.ManagedRoleArn, args.AppClusterArn).ApplyT(func(xs []any) string {
			statements := []awsiam.Statement{awsiam.Allow([]string{"sts:AssumeRole"}, xs[0].(string))}
			for _, e := range extra {
				if len(e.Resource) == 0 {
					e.Resource = []string{xs[1].(string)}
				}
				statements = append(statements, e)
			}
			return awsiam.Policy(statements...).JSON()
		}).(pulumi.StringOutput)
	}
	policies := map[string]pulumi.StringInput{
		// get-token for the "eks" account needs only the endpoint lookup;
		// what clouddriver may do inside the cluster is its access entry's.
		"clouddriver": assume(awsiam.Allow([]string{"eks:DescribeCluster"})),
		"igor":        assume(),
		"front50":     nil,
	}
	arns := map[string]pulumi.StringOutput{}
	for _, svc := range RoledServices {
		role, err := awsiam.NewRole(ctx, name+"-"+svc, awsiam.RoleArgs{
			Description: fmt.Sprintf("Spinnaker %s (%s/%s on the platform cluster)", svc, args.Namespace, svc),
			Trust:       awsiam.PodIdentityTrust(),
			Policy:      policies[svc],
			Tags:        args.Tags,
		}, pulumi.Parent(s))
		if err != nil {
			return nil, fmt.Errorf("spinnaker roles %s: %w", name, err)
		}
		if _, err := eks.NewPodIdentityAssociation(ctx, name+"-"+svc, &eks.PodIdentityAssociationArgs{
			ClusterName:    args.PlatformCluster,
			Namespace:      pulumi.String(args.Namespace),
			ServiceAccount: pulumi.String(svc),
			RoleArn:        role.Arn,
			Tags:           pulumi.ToStringMap(args.Tags),
		}, pulumi.Parent(s)); err != nil {
			return nil, fmt.Errorf("spinnaker roles %s: associating %s: %w", name, svc, err)
		}
		arns[svc] = role.Role.Arn
	}
	s.Clouddriver, s.Igor, s.Front50 = arns["clouddriver"], arns["igor"], arns["front50"]
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{
		"clouddriver": s.Clouddriver, "igor": s.Igor, "front50": s.Front50,
	})
}
