package cluster

import (
	"fmt"

	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AccessGrant maps an IAM principal into a cluster with one EKS access policy.
type AccessGrant struct {
	ClusterName  pulumi.StringInput
	PrincipalArn pulumi.StringInput
	// Policy is the name of an EKS access policy, e.g. AmazonEKSClusterAdminPolicy.
	Policy string
	// Namespaces limits the policy to these namespaces; empty means the cluster.
	Namespaces []string
	Tags       map[string]string
}

// GrantAccess creates the access entry and its policy association.
func GrantAccess(ctx *pulumi.Context, name string, g AccessGrant, opts ...pulumi.ResourceOption) (*awseks.AccessPolicyAssociation, error) {
	entry, err := awseks.NewAccessEntry(ctx, name, &awseks.AccessEntryArgs{
		ClusterName:  g.ClusterName,
		PrincipalArn: g.PrincipalArn,
		Type:         pulumi.String("STANDARD"),
		Tags:         pulumi.ToStringMap(g.Tags),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating access entry %s: %w", name, err)
	}
	scope := awseks.AccessPolicyAssociationAccessScopeArgs{Type: pulumi.String("cluster")}
	if len(g.Namespaces) > 0 {
		scope = awseks.AccessPolicyAssociationAccessScopeArgs{
			Type: pulumi.String("namespace"), Namespaces: pulumi.ToStringArray(g.Namespaces),
		}
	}
	assoc, err := awseks.NewAccessPolicyAssociation(ctx, name, &awseks.AccessPolicyAssociationArgs{
		ClusterName:  g.ClusterName,
		PrincipalArn: entry.PrincipalArn,
		PolicyArn:    pulumi.String("arn:aws:eks::aws:cluster-access-policy/" + g.Policy),
		AccessScope:  scope,
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("associating %s with %s: %w", g.Policy, name, err)
	}
	return assoc, nil
}
