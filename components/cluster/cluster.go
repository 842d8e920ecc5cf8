// Package cluster is an EKS cluster built with pulumi-eks, its managed node
// group and a Kubernetes provider that talks to it.
package cluster

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-eks/sdk/v3/go/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ControlPlaneLogTypes are all the control plane logs EKS can send.
var ControlPlaneLogTypes = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

// ClusterArgs configures a cluster. Network ids are inputs; the rest is known
// at program time.
type ClusterArgs struct {
	// ClusterName is the EKS cluster name; it must be known up front because
	// log groups, IAM conditions and discovery tags carry it.
	ClusterName       string
	KubernetesVersion string
	VpcId             pulumi.StringInput
	PublicSubnetIds   pulumi.StringArrayInput
	PrivateSubnetIds  pulumi.StringArrayInput
	NodeGroup         NodeGroupArgs
	// Admins are IAM principal ARNs given cluster-admin access entries.
	Admins []string
	// APIAccessCidrs may reach the public endpoint; an input because the
	// app cluster's list holds the platform VPC's NAT addresses.
	APIAccessCidrs   pulumi.StringArrayInput
	LogRetentionDays int
	Tags             map[string]string
}

// Cluster is a running EKS cluster with nodes.
type Cluster struct {
	pulumi.ResourceState

	// ClusterName resolves once the control plane exists.
	ClusterName            pulumi.StringOutput
	KubeconfigJson         pulumi.StringOutput
	OidcProviderArn        pulumi.StringOutput
	OidcProviderUrl        pulumi.StringOutput
	ClusterSecurityGroupId pulumi.StringOutput
	NodeGroupName          pulumi.StringOutput
	NodeGroupArn           pulumi.StringOutput
	// NodeRoleArn is the nodes' role: what pulls images (the yelb mirror).
	NodeRoleArn pulumi.StringOutput

	// NodeGroup is what workloads wait for: without nodes no pod gets ready.
	NodeGroup *awseks.NodeGroup
	// Provider deploys Kubernetes objects into this cluster.
	Provider *kubernetes.Provider
}

// NewCluster creates the control plane, its log group and secrets key, the
// node group and a Kubernetes provider.
func NewCluster(ctx *pulumi.Context, name string, args ClusterArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	c := &Cluster{}
	if err := ctx.RegisterComponentResource("workshop:cluster:Cluster", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	control, err := newControlPlane(ctx, name, args, parent)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", name, err)
	}
	// The name comes from the EKS cluster itself, so consumers wait until
	// the control plane exists; unlike the kubeconfig it is not secret.
	c.ClusterName = control.EksCluster.Name()
	c.KubeconfigJson = pulumi.ToSecret(control.KubeconfigJson).(pulumi.StringOutput)
	c.OidcProviderArn = control.OidcProviderArn
	c.OidcProviderUrl = control.OidcProviderUrl
	c.ClusterSecurityGroupId = control.ClusterSecurityGroupId

	nodes, err := newNodeGroup(ctx, name, c.ClusterName, args, parent)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", name, err)
	}
	c.NodeGroup = nodes
	c.NodeGroupName = nodes.NodeGroupName
	c.NodeGroupArn = nodes.Arn
	c.NodeRoleArn = nodes.NodeRoleArn

	c.Provider, err = kubernetes.NewProvider(ctx, name, &kubernetes.ProviderArgs{
		Kubeconfig: c.KubeconfigJson,
		// When the cluster is already gone, drop its objects from state
		// instead of failing the destroy.
		DeleteUnreachable: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: creating Kubernetes provider: %w", name, err)
	}

	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"clusterName":     c.ClusterName,
		"kubeconfig":      c.KubeconfigJson,
		"oidcProviderArn": c.OidcProviderArn,
		"nodeGroupName":   c.NodeGroupName,
	})
}

// newControlPlane creates the EKS control plane with pulumi-eks, after the
// log group it writes to and the key that encrypts its secrets.
func newControlPlane(ctx *pulumi.Context, name string, args ClusterArgs, parent pulumi.ResourceOption) (*eks.Cluster, error) {
	tags := pulumi.ToStringMap(args.Tags)
	// EKS creates this group with no expiry if it is missing when the control
	// plane starts logging; owning it first gives it a retention and makes
	// `pulumi destroy` remove it.
	logGroup, err := cloudwatch.NewLogGroup(ctx, name+"-control-plane", &cloudwatch.LogGroupArgs{
		Name:            pulumi.Sprintf("/aws/eks/%s/cluster", args.ClusterName),
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
		Tags:            tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating control plane log group: %w", err)
	}
	secretsKey, err := kms.NewKey(ctx, name+"-secrets", &kms.KeyArgs{
		Description:          pulumi.Sprintf("Envelope encryption of Kubernetes secrets in %s", args.ClusterName),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(7),
		Tags:                 tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating secrets key: %w", err)
	}
	authMode := eks.AuthenticationModeApi
	control, err := eks.NewCluster(ctx, name, &eks.ClusterArgs{
		Name:                         pulumi.String(args.ClusterName),
		Version:                      pulumi.String(args.KubernetesVersion),
		VpcId:                        args.VpcId,
		PublicSubnetIds:              args.PublicSubnetIds,
		PrivateSubnetIds:             args.PrivateSubnetIds,
		NodeAssociatePublicIpAddress: pulumi.BoolRef(false),
		AuthenticationMode:           &authMode,
		AccessEntries:                adminAccessEntries(args.Admins, args.Tags),
		CreateOidcProvider:           pulumi.Bool(true),
		EnabledClusterLogTypes:       pulumi.ToStringArray(ControlPlaneLogTypes),
		EncryptionConfigKeyArn:       secretsKey.Arn,
		EndpointPrivateAccess:        pulumi.Bool(true),
		EndpointPublicAccess:         pulumi.Bool(true),
		PublicAccessCidrs:            args.APIAccessCidrs,
		// Nodes come from our managed node group, which runs in the
		// EKS-created cluster security group.
		SkipDefaultNodeGroup:      pulumi.BoolRef(true),
		SkipDefaultSecurityGroups: pulumi.BoolRef(true),
		Tags:                      tags,
		ClusterTags:               tags,
	}, parent, pulumi.DependsOn([]pulumi.Resource{logGroup}))
	if err != nil {
		return nil, fmt.Errorf("creating EKS cluster: %w", err)
	}
	return control, nil
}

// adminAccessEntries gives each principal cluster-admin through an access
// entry, keyed by its full ARN: two roles of one name in different accounts
// stay two entries, and reordering the config list replaces nothing.
func adminAccessEntries(principals []string, tags map[string]string) map[string]eks.AccessEntryArgs {
	entries := map[string]eks.AccessEntryArgs{}
	for _, arn := range principals {
		entries[arn] = eks.AccessEntryArgs{
			PrincipalArn: pulumi.String(arn),
			Tags:         pulumi.ToStringMap(tags),
			AccessPolicies: map[string]eks.AccessPolicyAssociationInput{
				"cluster-admin": eks.AccessPolicyAssociationArgs{
					PolicyArn: pulumi.String("arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"),
					AccessScope: awseks.AccessPolicyAssociationAccessScopeArgs{
						Type: pulumi.String("cluster"),
					},
				},
			},
		}
	}
	return entries
}
