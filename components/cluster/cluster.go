// Package cluster is an EKS cluster built with pulumi-eks, its managed node
// group and a Kubernetes provider that talks to it.
package cluster

import (
	"fmt"
	"regexp"
	"sort"

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
	Admins           []string
	APIAccessCidrs   []string
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
		return nil, fmt.Errorf("cluster %s: creating control plane log group: %w", name, err)
	}
	secretsKey, err := kms.NewKey(ctx, name+"-secrets", &kms.KeyArgs{
		Description:          pulumi.Sprintf("Envelope encryption of Kubernetes secrets in %s", args.ClusterName),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(7),
		Tags:                 tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: creating secrets key: %w", name, err)
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
		PublicAccessCidrs:            pulumi.ToStringArray(args.APIAccessCidrs),
		// Nodes come from our managed node group below, which runs in the
		// EKS-created cluster security group.
		SkipDefaultNodeGroup:      pulumi.BoolRef(true),
		SkipDefaultSecurityGroups: pulumi.BoolRef(true),
		Tags:                      tags,
		ClusterTags:               tags,
	}, parent, pulumi.DependsOn([]pulumi.Resource{logGroup}))
	if err != nil {
		return nil, fmt.Errorf("cluster %s: creating EKS cluster: %w", name, err)
	}

	// The name is known up front; deriving it from the kubeconfig makes every
	// consumer wait until the control plane exists.
	c.ClusterName = control.KubeconfigJson.ApplyT(func(string) string { return args.ClusterName }).(pulumi.StringOutput)
	c.KubeconfigJson = pulumi.ToSecret(control.KubeconfigJson).(pulumi.StringOutput)
	c.OidcProviderArn = control.OidcProviderArn
	c.OidcProviderUrl = control.OidcProviderUrl
	c.ClusterSecurityGroupId = control.ClusterSecurityGroupId

	nodes, err := newNodeGroup(ctx, name, c.ClusterName, args, parent)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", name, err)
	}
	c.NodeGroup = nodes.group
	c.NodeGroupName = nodes.group.NodeGroupName
	c.NodeGroupArn = nodes.group.Arn
	c.NodeRoleArn = nodes.group.NodeRoleArn

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
		"nodeGroupArn":    c.NodeGroupArn,
	})
}

var principalName = regexp.MustCompile(`:(role|user)/(?:.*/)?([^/]+)$`)

// adminAccessEntries gives each principal cluster-admin through an access
// entry. Entries are keyed by principal kind and name, so reordering the
// config list replaces nothing.
func adminAccessEntries(principals []string, tags map[string]string) map[string]eks.AccessEntryArgs {
	entries := map[string]eks.AccessEntryArgs{}
	sorted := append([]string(nil), principals...)
	sort.Strings(sorted)
	for _, arn := range sorted {
		key := arn
		if m := principalName.FindStringSubmatch(arn); m != nil {
			key = m[1] + "-" + m[2]
		}
		entries[key] = eks.AccessEntryArgs{
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
