package standin

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// cluster is eks:index:Cluster as the stand-in builds it.
type cluster struct {
	pulumi.ResourceState
	state pulumi.Map
}

// newCluster registers the children pulumi-eks v3.9.1 registers for a
// cluster with API authentication, no default node group and no default
// security groups: the service role, the control plane, the kube-proxy and
// vpc-cni add-ons, a Kubernetes provider, access entries and the OIDC
// provider.
func newCluster(ctx *pulumi.Context, name string, args clusterArgs, clusters Clusters, opts pulumi.ResourceOption) (*cluster, error) {
	c := &cluster{}
	if err := ctx.RegisterComponentResource("eks:index:Cluster", name, c, opts); err != nil {
		return nil, err
	}
	fail := func(step string, err error) (*cluster, error) {
		return nil, fmt.Errorf("eks:index:Cluster %s: %s: %w", name, step, err)
	}
	role, err := serviceRole(ctx, name+"-eksRole", args.Tags, pulumi.Parent(c))
	if err != nil {
		return fail("service role", err)
	}
	control, err := controlPlane(ctx, name, args, role, pulumi.Parent(c))
	if err != nil {
		return fail("control plane", err)
	}
	if _, err := addon(ctx, name+"-kube-proxy", "kube-proxy", control, args.Tags, pulumi.Parent(c)); err != nil {
		return fail("kube-proxy", err)
	}
	config := pulumi.All(control.Endpoint, control.Name).ApplyT(func(v []any) (map[string]any, error) {
		cp, ok := clusters[v[1].(string)]
		if !ok {
			return nil, fmt.Errorf("no API server stands for EKS cluster %q", v[1])
		}
		return kubeconfig(v[0].(string), cp.Token), nil
	}).(pulumi.MapOutput)
	configJSON := config.ApplyT(func(m map[string]any) (string, error) { return toJSON(m) }).(pulumi.StringOutput)
	k8s, err := kubernetes.NewProvider(ctx, name+"-eks-k8s", &kubernetes.ProviderArgs{Kubeconfig: configJSON}, pulumi.Parent(c))
	if err != nil {
		return fail("Kubernetes provider", err)
	}
	entries, err := accessEntries(ctx, name, control, args.AccessEntries, pulumi.Parent(c))
	if err != nil {
		return fail("access entries", err)
	}
	if err := vpcCni(ctx, name+"-vpc-cni", control, args.Tags, k8s, entries, pulumi.Parent(c)); err != nil {
		return fail("vpc-cni", err)
	}
	oidc, err := oidcProvider(ctx, name+"-oidcProvider", control, pulumi.Parent(c))
	if err != nil {
		return fail("OIDC provider", err)
	}
	sg := control.VpcConfig.ClusterSecurityGroupId().Elem()
	c.state = pulumi.Map{
		"kubeconfig":              config,
		"kubeconfigJson":          configJSON,
		"eksCluster":              control,
		"clusterSecurityGroupId":  sg,
		"nodeSecurityGroupId":     sg,
		"oidcProviderArn":         oidc.Arn,
		"oidcProviderUrl":         oidc.Url,
		"oidcIssuer":              oidc.Url.ApplyT(func(u string) string { return strings.TrimPrefix(u, "https://") }).(pulumi.StringOutput),
		"instanceRoles":           pulumi.Array{},
		"clusterIngressRuleId":    pulumi.String(""),
		"defaultNodeGroupAsgName": pulumi.String(""),
		"fargateProfileId":        pulumi.String(""),
		"fargateProfileStatus":    pulumi.String(""),
		"autoModeNodeRoleName":    pulumi.String(""),
	}
	return c, ctx.RegisterResourceOutputs(c, c.state)
}

// serviceRole is pulumi-eks's ServiceRole for EKS (nodejs/eks/servicerole.ts):
// a role EKS may assume and tag sessions with, and AmazonEKSClusterPolicy.
// It resolves once the policy is attached.
func serviceRole(ctx *pulumi.Context, name string, tags pulumi.StringMapInput, parent pulumi.ResourceOption) ([]pulumi.Resource, error) {
	comp := &pulumi.ResourceState{}
	if err := ctx.RegisterComponentResource("eks:index:ServiceRole", name, comp, parent); err != nil {
		return nil, err
	}
	trust, err := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Action": []string{"sts:AssumeRole", "sts:TagSession"}, "Effect": "Allow",
			"Principal": map[string]any{"Service": []string{"eks.amazonaws.com"}},
		}},
	})
	if err != nil {
		return nil, err
	}
	role, err := iam.NewRole(ctx, name+"-role", &iam.RoleArgs{
		Description:      pulumi.String("Allows EKS to manage clusters on your behalf."),
		AssumeRolePolicy: pulumi.String(trust),
		Tags:             tags,
	}, pulumi.Parent(comp))
	if err != nil {
		return nil, err
	}
	policy := "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
	attachment, err := iam.NewRolePolicyAttachment(ctx, name+"-"+sha1Prefix(policy), &iam.RolePolicyAttachmentArgs{
		PolicyArn: pulumi.String(policy),
		Role:      role.Name,
	}, pulumi.Parent(comp))
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{role, attachment}, ctx.RegisterResourceOutputs(comp, pulumi.Map{"directRole": role})
}

func controlPlane(ctx *pulumi.Context, name string, args clusterArgs, role []pulumi.Resource, parent pulumi.ResourceOption) (*awseks.Cluster, error) {
	subnets := pulumi.All(args.PublicSubnetIds, args.PrivateSubnetIds).ApplyT(func(v []any) []string {
		pub, _ := v[0].([]string)
		priv, _ := v[1].([]string)
		return append(append([]string{}, pub...), priv...)
	}).(pulumi.StringArrayOutput)
	tags := pulumi.All(args.Tags, args.ClusterTags).ApplyT(func(v []any) map[string]string {
		out := map[string]string{"Name": name + "-eksCluster"}
		for _, m := range []any{v[1], v[0]} {
			tm, _ := m.(map[string]string)
			for k, val := range tm {
				out[k] = val
			}
		}
		return out
	}).(pulumi.StringMapOutput)
	var encryption awseks.ClusterEncryptionConfigPtrInput
	if args.EncryptionConfigKeyArn != nil {
		encryption = awseks.ClusterEncryptionConfigArgs{
			Provider:  awseks.ClusterEncryptionConfigProviderArgs{KeyArn: args.EncryptionConfigKeyArn},
			Resources: pulumi.StringArray{pulumi.String("secrets")},
		}
	}
	var access awseks.ClusterAccessConfigPtrInput
	if args.AuthenticationMode != nil {
		access = awseks.ClusterAccessConfigArgs{
			AuthenticationMode:                      args.AuthenticationMode,
			BootstrapClusterCreatorAdminPermissions: pulumi.Bool(true),
		}
	}
	return awseks.NewCluster(ctx, name+"-eksCluster", &awseks.ClusterArgs{
		Name:    args.Name,
		RoleArn: role[0].(*iam.Role).Arn,
		VpcConfig: awseks.ClusterVpcConfigArgs{
			SubnetIds:             subnets,
			EndpointPrivateAccess: optionalBool(args.EndpointPrivateAccess),
			EndpointPublicAccess:  optionalBool(args.EndpointPublicAccess),
			PublicAccessCidrs:     args.PublicAccessCidrs,
		},
		Version:                optionalString(args.Version),
		EnabledClusterLogTypes: args.EnabledClusterLogTypes,
		Tags:                   tags,
		EncryptionConfig:       encryption,
		AccessConfig:           access,
	}, parent,
		pulumi.IgnoreChanges([]string{"accessConfig.bootstrapClusterCreatorAdminPermissions", "bootstrapSelfManagedAddons"}),
		pulumi.DependsOn(role))
}

func optionalBool(b pulumi.BoolInput) pulumi.BoolPtrInput {
	if b == nil {
		return nil
	}
	return b.ToBoolOutput().ToBoolPtrOutput()
}

func optionalString(s pulumi.StringInput) pulumi.StringPtrInput {
	if s == nil {
		return nil
	}
	return s.ToStringOutput().ToStringPtrOutput()
}

// addon installs an EKS add-on at the newest build for the cluster's
// version, kept when the cluster goes (preserve), as pulumi-eks does.
func addon(ctx *pulumi.Context, name, addonName string, control *awseks.Cluster, tags pulumi.StringMapInput, opts ...pulumi.ResourceOption) (*awseks.Addon, error) {
	version := awseks.GetAddonVersionOutput(ctx, awseks.GetAddonVersionOutputArgs{
		AddonName:         pulumi.String(addonName),
		KubernetesVersion: control.Version,
		MostRecent:        pulumi.Bool(true),
	}, pulumi.Parent(control))
	return awseks.NewAddon(ctx, name, &awseks.AddonArgs{
		ClusterName:              control.Name,
		AddonName:                pulumi.String(addonName),
		AddonVersion:             version.Version().ToStringPtrOutput(),
		Preserve:                 pulumi.Bool(true),
		ResolveConflictsOnCreate: pulumi.String("OVERWRITE"),
		ResolveConflictsOnUpdate: pulumi.String("OVERWRITE"),
		Tags:                     tags,
	}, opts...)
}

// vpcCni is pulumi-eks's VpcCniAddon component around the vpc-cni add-on,
// installed once the access entries exist (nodejs/eks/addons/cni-addon.ts).
func vpcCni(ctx *pulumi.Context, name string, control *awseks.Cluster, tags pulumi.StringMapInput, k8s *kubernetes.Provider, entries []pulumi.Resource, parent pulumi.ResourceOption) error {
	comp := &pulumi.ResourceState{}
	if err := ctx.RegisterComponentResource("eks:index:VpcCniAddon", name, comp, parent,
		pulumi.DependsOn(entries), pulumi.ProviderMap(map[string]pulumi.ProviderResource{"kubernetes": k8s})); err != nil {
		return err
	}
	a, err := addon(ctx, name, "vpc-cni", control, tags, pulumi.Parent(comp))
	if err != nil {
		return err
	}
	return ctx.RegisterResourceOutputs(comp, pulumi.Map{"addon": a})
}

// accessEntries are pulumi-eks's createAccessEntries
// (nodejs/eks/cluster/authenticationMode.ts): an entry per key and a policy
// association per entry policy, named <cluster>-<key>[-<policy>].
func accessEntries(ctx *pulumi.Context, name string, control *awseks.Cluster, entries map[string]accessEntry, parent pulumi.ResourceOption) ([]pulumi.Resource, error) {
	var out []pulumi.Resource
	for _, key := range slices.Sorted(maps.Keys(entries)) {
		entry := entries[key]
		e, err := awseks.NewAccessEntry(ctx, name+"-"+key, &awseks.AccessEntryArgs{
			ClusterName:  control.Name,
			PrincipalArn: pulumi.String(entry.PrincipalArn),
			Tags:         pulumi.ToStringMap(entry.Tags),
		}, parent, pulumi.DependsOn([]pulumi.Resource{control}))
		if err != nil {
			return nil, err
		}
		for _, pk := range slices.Sorted(maps.Keys(entry.AccessPolicies)) {
			pol := entry.AccessPolicies[pk]
			if _, err := awseks.NewAccessPolicyAssociation(ctx, name+"-"+key+"-"+pk, &awseks.AccessPolicyAssociationArgs{
				ClusterName:  control.Name,
				PrincipalArn: pulumi.String(entry.PrincipalArn),
				PolicyArn:    pulumi.String(pol.PolicyArn),
				AccessScope: awseks.AccessPolicyAssociationAccessScopeArgs{
					Type:       pulumi.String(pol.AccessScope.Type),
					Namespaces: pulumi.ToStringArray(pol.AccessScope.Namespaces),
				},
			}, pulumi.Parent(e), pulumi.DependsOn([]pulumi.Resource{e})); err != nil {
				return nil, err
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// oidcProvider registers the cluster's issuer with IAM. pulumi-eks reads
// the issuer's CA thumbprint over the network; the stand-in derives one.
func oidcProvider(ctx *pulumi.Context, name string, control *awseks.Cluster, parent pulumi.ResourceOption) (*iam.OpenIdConnectProvider, error) {
	issuer := control.Identities.Index(pulumi.Int(0)).Oidcs().Index(pulumi.Int(0)).Issuer().Elem()
	return iam.NewOpenIdConnectProvider(ctx, name, &iam.OpenIdConnectProviderArgs{
		ClientIdLists:   pulumi.StringArray{pulumi.String("sts.amazonaws.com")},
		Url:             issuer,
		ThumbprintLists: pulumi.StringArray{issuer.ApplyT(func(u string) string { return sha1Full(u) }).(pulumi.StringOutput)},
	}, parent)
}
