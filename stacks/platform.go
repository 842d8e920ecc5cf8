package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/addons"
	"github.com/workshop/spinnaker-modernization/components/cluster"
	"github.com/workshop/spinnaker-modernization/components/delivery"
	"github.com/workshop/spinnaker-modernization/components/network"
	"github.com/workshop/spinnaker-modernization/components/spinnaker"
	"github.com/workshop/spinnaker-modernization/components/yelb"
)

// SpinnakerNamespace is where Spinnaker runs on the platform cluster.
const SpinnakerNamespace = "spinnaker"

// SpinnakerLoadBalancerName names Spinnaker's optional ALB: "cd" keeps a
// 28-character prefix within ALB's 32 characters, and apart from the app's
// "<prefix>-ui".
func SpinnakerLoadBalancerName(prefix string) string { return prefix + "-cd" }

// platform builds the delivery platform: its own VPC and cluster, the CI
// resources, and Spinnaker with the accounts halconfig.sh used to register.
// It waits for the app cluster only where the "eks" account needs that
// cluster's endpoint and access entry.
func platform(ctx *pulumi.Context, cfg Config, tags map[string]string, provider *aws.Provider, accountID string, app *cluster.Cluster, net *network.Network) (*delivery.Delivery, error) {
	withAWS := pulumi.Providers(provider)
	name := cfg.Prefix + "-platform"
	plat, platAddOns, err := clusterStack(ctx, name, net, pulumi.ToStringArray(cfg.APIAccessCidrs), cfg.PlatformNodeGroup,
		addons.Flags{EBSCSIDriver: true, MetricsServer: true, LoadBalancerController: cfg.SpinnakerIngress.Enabled}, addons.TrafficArgs{}, cfg, tags, withAWS)
	if err != nil {
		return nil, err
	}

	attendees, err := attendeeApps(ctx, cfg)
	if err != nil {
		return nil, err
	}
	own := ownApp(cfg, app)
	roles, ci, ownAccess, err := platformIdentities(ctx, cfg, name, tags, accountID, plat, app, append([]spinnaker.AppTarget{own}, attendees...), withAWS)
	if err != nil {
		return nil, err
	}
	own.Access = ownAccess
	apps := append([]spinnaker.AppTarget{own}, attendees...)
	spin, err := spinnaker.NewSpinnaker(ctx, name, spinnaker.SpinnakerArgs{
		Version:             cfg.SpinnakerVersion,
		Namespace:           SpinnakerNamespace,
		Region:              cfg.Region,
		Provider:            plat.Provider,
		PlatformClusterName: name,
		Nodes:               plat.NodeGroup,
		AddOns:              platAddOns.Resources,
		RoleBindings:        roles,
		AccountID:           pulumi.String(accountID),
		ManagedRoleArn:      ci.ManagedRoleArn,
		ArtifactBucket:      ci.ArtifactBucket,
		CodeBuildProject:    ci.ProjectName,
		Apps:                apps,
		StageFiles:          yelb.StageFiles,
		Ingress:             cfg.SpinnakerIngress,
		IngressName:         SpinnakerLoadBalancerName(cfg.Prefix),
		IngressController:   platAddOns.Resources,
		Tags:                tags,
	}, withAWS)
	if err != nil {
		return nil, err
	}

	ctx.Export("platformClusterName", plat.ClusterName)
	ctx.Export("platformKubeconfig", plat.KubeconfigJson)
	ctx.Export("spinnakerTunnel", spin.TunnelCommand)
	ctx.Export("spinnakerDeckUrl", spin.DeckURL)
	ctx.Export("spinnakerAdminPassword", spin.AdminPassword)
	ctx.Export("ecrRepositoryUrl", ci.RepositoryUrl)
	ctx.Export("codeBuildProject", ci.ProjectName)
	ctx.Export("artifactBucket", ci.ArtifactBucket)
	ctx.Export(OutClouddriverRoleArn, roles.Clouddriver)
	ctx.Export(OutPlatformNatIps, net.NatPublicIps)
	return ci, nil
}

// ownApp is this stack's app cluster, delivered through the "eks" account
// as halconfig.sh registered it; in a room each attendee's cluster comes
// besides it (attendeeApps).
func ownApp(cfg Config, app *cluster.Cluster) spinnaker.AppTarget {
	return spinnaker.AppTarget{
		Account: "eks", Application: "yelb",
		ClusterName: app.ClusterName, KubeconfigJSON: app.KubeconfigJson, Namespace: pulumi.String(cfg.Prefix),
	}
}

// clusterArns are the ARNs of the targets' clusters, in this account.
func clusterArns(cfg Config, accountID string, apps []spinnaker.AppTarget) pulumi.StringArray {
	var out pulumi.StringArray
	for _, a := range apps {
		out = append(out, a.ClusterName.ToStringOutput().ApplyT(func(n string) string {
			return fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", cfg.Region, accountID, n)
		}).(pulumi.StringOutput))
	}
	return out
}

// platformIdentities are who Spinnaker's services are in AWS and in the app
// cluster: their roles, the CI whose managed role they assume, the artifact
// bucket clouddriver reads, and clouddriver's access entry on this stack's
// app cluster, which clouddriver waits for (attendees grant theirs).
func platformIdentities(ctx *pulumi.Context, cfg Config, name string, tags map[string]string, accountID string,
	plat, app *cluster.Cluster, apps []spinnaker.AppTarget, withAWS pulumi.ResourceOption) (*spinnaker.ServiceRoles, *delivery.Delivery, pulumi.Resource, error) {
	managedRoleName := cfg.Prefix + "-spinnaker-managed"
	managedRoleArn := fmt.Sprintf("arn:aws:iam::%s:role/%s", accountID, managedRoleName)
	appClusterArns := clusterArns(cfg, accountID, apps)

	roles, err := spinnaker.NewServiceRoles(ctx, name, spinnaker.ServiceRolesArgs{
		Namespace:       SpinnakerNamespace,
		PlatformCluster: plat.ClusterName,
		ManagedRoleArn:  pulumi.String(managedRoleArn),
		AppClusterArns:  appClusterArns,
		Tags:            tags,
	}, withAWS)
	if err != nil {
		return nil, nil, nil, err
	}
	ci, err := delivery.NewDelivery(ctx, cfg.Prefix, delivery.DeliveryArgs{
		Region:              cfg.Region,
		SourceLocation:      cfg.BuildSource.Location,
		SourceBranch:        cfg.BuildSource.Branch,
		AppDir:              cfg.BuildSource.AppDir,
		LogRetentionDays:    cfg.LogRetentionDays,
		ManagedRoleName:     managedRoleName,
		SpinnakerPrincipals: pulumi.StringArray{roles.Clouddriver, roles.Igor},
		AppClusterArns:      appClusterArns,
		Tags:                tags,
	}, withAWS)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := roles.ReadArtifacts(ctx, ci.ArtifactBucketArn); err != nil {
		return nil, nil, nil, err
	}
	eksAccount, err := grantClouddriver(ctx, cfg, app, roles.Clouddriver, tags)
	return roles, ci, eksAccount, err
}
