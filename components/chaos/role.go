package chaos

import (
	"fmt"

	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	rbacv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/rbac/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
)

// ExperimentPolicy allows what the three templates' actions do, and only on
// this stack's cluster and VPC: terminate the cluster's nodes, describe the
// cluster for the pod action, swap the subnets' network ACLs for ones FIS
// creates and tags, and deliver the experiment log.
func ExperimentPolicy(region, account, cluster, vpcArn string) awsiam.Document {
	arn := func(service, resource string) string {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, account, resource)
	}
	acls := arn("ec2", "network-acl/*")
	return awsiam.Policy(
		awsiam.Allow([]string{"eks:DescribeNodegroup"}, arn("eks", "nodegroup/"+cluster+"/*")),
		awsiam.Allow([]string{"eks:DescribeCluster"}, arn("eks", "cluster/"+cluster)),
		awsiam.Allow([]string{
			"ec2:DescribeInstances", "ec2:DescribeSubnets", "ec2:DescribeNetworkAcls", "ec2:DescribeVpcs",
			"ec2:DescribeManagedPrefixLists", "ec2:GetManagedPrefixListEntries",
		}, "*"),
		awsiam.Allow([]string{"ec2:TerminateInstances"}, arn("ec2", "instance/*")).
			When("StringEquals", "aws:ResourceTag/eks:cluster-name", cluster),
		awsiam.Allow([]string{"ec2:CreateNetworkAcl"}, vpcArn),
		awsiam.Allow([]string{"ec2:CreateNetworkAcl"}, acls).When("StringEquals", "aws:RequestTag/managedByFIS", "true"),
		awsiam.Allow([]string{"ec2:CreateTags"}, acls).When("StringEquals", "ec2:CreateAction", "CreateNetworkAcl"),
		awsiam.Allow([]string{"ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAcl"}, acls).
			When("StringEquals", "aws:ResourceTag/managedByFIS", "true"),
		awsiam.Allow([]string{"ec2:ReplaceNetworkAclAssociation"}, arn("ec2", "subnet/*"), acls).
			When("StringEquals", "ec2:Vpc", vpcArn),
		// FIS sets up its log delivery as the role: CreateLogDelivery names
		// no resource; the rest add the delivery to log groups' policies.
		awsiam.Allow([]string{"logs:CreateLogDelivery"}, "*"),
		awsiam.Allow([]string{"logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"},
			arn("logs", "log-group:*")),
	)
}

func (c *Chaos) experimentRole(name string) (*awsiam.Role, error) {
	a := c.args
	trust := awsiam.ServiceTrust("fis.amazonaws.com")
	for i := range trust.Statement {
		trust.Statement[i] = trust.Statement[i].When("StringEquals", "aws:SourceAccount", a.AccountID)
	}
	return awsiam.NewRole(c.ctx, name+"-fis", awsiam.RoleArgs{
		Description: "FIS experiments of workshop stack " + a.Prefix,
		Trust:       trust,
		Policy: a.VpcArn.ToStringOutput().ApplyT(func(vpc string) string {
			return ExperimentPolicy(a.Region, a.AccountID, a.ClusterName, vpc).JSON()
		}).(pulumi.StringOutput),
		Tags: a.Tags,
	}, pulumi.Parent(c))
}

// podAccess lets FIS run its pod action in the app namespace: an access
// entry maps the FIS role to a Kubernetes user, which a Role in that
// namespace alone empowers (the rules FIS documents for aws:eks:pod actions).
func (c *Chaos) podAccess(name string, roleArn pulumi.StringInput) ([]pulumi.Resource, error) {
	a := c.args
	entry, err := awseks.NewAccessEntry(c.ctx, name+"-fis", &awseks.AccessEntryArgs{
		ClusterName:  a.ClusterReady,
		PrincipalArn: roleArn,
		Type:         pulumi.String("STANDARD"),
		UserName:     pulumi.String(ExperimentUser),
		Tags:         pulumi.ToStringMap(a.Tags),
	}, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("chaos %s: access entry: %w", name, err)
	}
	k8s := []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(a.Provider), pulumi.DependsOn([]pulumi.Resource{a.AppObjects})}
	meta := metav1.ObjectMetaArgs{Name: pulumi.String(ExperimentUser), Namespace: pulumi.String(a.Namespace)}
	sa, err := corev1.NewServiceAccount(c.ctx, name+"-fis", &corev1.ServiceAccountArgs{Metadata: meta}, k8s...)
	if err != nil {
		return nil, fmt.Errorf("chaos %s: service account: %w", name, err)
	}
	rule := func(group string, resources []string, verbs ...string) rbacv1.PolicyRuleArgs {
		return rbacv1.PolicyRuleArgs{ApiGroups: pulumi.StringArray{pulumi.String(group)}, Resources: pulumi.ToStringArray(resources), Verbs: pulumi.ToStringArray(verbs)}
	}
	role, err := rbacv1.NewRole(c.ctx, name+"-fis", &rbacv1.RoleArgs{
		Metadata: meta,
		Rules: rbacv1.PolicyRuleArray{
			rule("", []string{"configmaps"}, "get", "create", "patch", "delete"),
			rule("", []string{"pods"}, "create", "list", "get", "delete", "deletecollection"),
			rule("", []string{"pods/ephemeralcontainers"}, "update"),
			rule("", []string{"pods/exec"}, "create"),
			rule("apps", []string{"deployments"}, "get"),
		},
	}, k8s...)
	if err != nil {
		return nil, fmt.Errorf("chaos %s: role: %w", name, err)
	}
	binding, err := rbacv1.NewRoleBinding(c.ctx, name+"-fis", &rbacv1.RoleBindingArgs{
		Metadata: meta,
		RoleRef:  rbacv1.RoleRefArgs{ApiGroup: pulumi.String("rbac.authorization.k8s.io"), Kind: pulumi.String("Role"), Name: role.Metadata.Name().Elem()},
		Subjects: rbacv1.SubjectArray{
			rbacv1.SubjectArgs{Kind: pulumi.String("ServiceAccount"), Name: pulumi.String(ExperimentUser), Namespace: pulumi.String(a.Namespace)},
			rbacv1.SubjectArgs{Kind: pulumi.String("User"), Name: pulumi.String(ExperimentUser), ApiGroup: pulumi.String("rbac.authorization.k8s.io")},
		},
	}, k8s...)
	if err != nil {
		return nil, fmt.Errorf("chaos %s: role binding: %w", name, err)
	}
	return []pulumi.Resource{entry, sa, binding}, nil
}
