package cluster

import (
	"fmt"
	"regexp"
	"strings"

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

// Principal is an IAM role or user, as named by an ARN.
type Principal struct {
	ARN     string
	Account string
	// Kind is "role" or "user".
	Kind string
	Name string
}

var principalARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}):(role|user)/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)$`)

// ParsePrincipal reads an IAM role or user ARN; a path may come before the
// name.
func ParsePrincipal(arn string) (Principal, bool) {
	m := principalARN.FindStringSubmatch(arn)
	if m == nil {
		return Principal{}, false
	}
	return Principal{ARN: arn, Account: m[1], Kind: m[2], Name: m[3]}, true
}

// callerARN is what STS GetCallerIdentity returns for a role session:
// arn:aws:sts::<account>:assumed-role/<role>/<session>.
var callerARN = regexp.MustCompile(`^arn:aws[a-z-]*:sts::([0-9]{12}):assumed-role/([\w+=,.@-]+)/`)

// CallerPrincipal is the IAM principal behind a GetCallerIdentity ARN: the
// user itself, or the role an assumed-role session belongs to.
func CallerPrincipal(arn string) (Principal, bool) {
	if m := callerARN.FindStringSubmatch(arn); m != nil {
		return Principal{ARN: arn, Account: m[1], Kind: "role", Name: m[2]}, true
	}
	return ParsePrincipal(arn)
}

// Same reports whether two principals are one: IAM role and user names are
// unique in an account whatever their path, and case does not tell them
// apart (IAM user guide, "IAM identifiers").
func (p Principal) Same(q Principal) bool {
	return p.Account == q.Account && p.Kind == q.Kind && strings.EqualFold(p.Name, q.Name)
}

// CheckAdminsExcludeCreator fails when the principal deploying the stack is
// among the admins: pulumi-eks v3 creates every cluster with
// bootstrapClusterCreatorAdminPermissions true, so EKS already holds an
// access entry for it, and a principal can have only one.
func CheckAdminsExcludeCreator(admins []string, callerARN string) error {
	caller, ok := CallerPrincipal(callerARN)
	if !ok {
		return nil
	}
	for _, arn := range admins {
		if p, ok := ParsePrincipal(arn); ok && p.Same(caller) {
			return fmt.Errorf("%s is the principal running this deployment (%s); EKS makes the cluster creator an admin itself and an IAM principal can have only one access entry, so remove it from the list", arn, callerARN)
		}
	}
	return nil
}
