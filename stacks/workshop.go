package stacks

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/addons"
	"github.com/workshop/spinnaker-modernization/components/chaos"
	"github.com/workshop/spinnaker-modernization/components/cluster"
	"github.com/workshop/spinnaker-modernization/components/network"
	"github.com/workshop/spinnaker-modernization/components/statebackend"
	"github.com/workshop/spinnaker-modernization/components/yelb"
)

// Program is the Pulumi program given the raw stack config: validate all of
// it first, so a bad input fails before any resource is registered.
func Program(raw map[string]string) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		cfg, err := Parse(ctx.Stack(), raw)
		if err != nil {
			return err
		}
		return Workshop(ctx, cfg)
	}
}

// Warnings are what a valid config still deserves a word about; preview
// shows them.
func Warnings(cfg Config) []string {
	var out []string
	if cfg.KubernetesVersion == "1.34" {
		out = append(out, "Kubernetes 1.34 leaves EKS standard support on 2026-12-02; prefer 1.35 or 1.36 (workshop:kubernetesVersion)")
	}
	if cfg.Yelb.Enabled && cfg.Yelb.Backend == yelb.BackendAppMesh {
		out = append(out, "AWS App Mesh was discontinued on 2026-09-30: the appmesh backend is kept to teach the original workshop and its mesh will not route traffic; use backend lattice (workshop:yelb)")
	}
	if cfg.Yelb.Enabled && cfg.Yelb.DockerHubCredentialArn == "" {
		out = append(out, "the yelb images come from Docker Hub anonymously, 10 pulls an hour per NAT address, fewer than stage 4 and node replacement need; set dockerHubCredentialArn to pull them through the stack's ECR (workshop:yelb)")
	}
	return out
}

// ConfigFromEnvironment returns the stack config the Pulumi CLI hands a Go
// program. Reading it whole, rather than key by key, lets Parse reject
// mistyped keys that would otherwise be silently ignored.
func ConfigFromEnvironment() (map[string]string, error) {
	raw := map[string]string{}
	if v := os.Getenv(pulumi.EnvConfig); v != "" {
		if err := json.Unmarshal([]byte(v), &raw); err != nil {
			return nil, fmt.Errorf("reading %s: %w", pulumi.EnvConfig, err)
		}
	}
	return raw, nil
}

// Workshop is one stack's graph.
func Workshop(ctx *pulumi.Context, cfg Config) error {
	for _, w := range Warnings(cfg) {
		_ = ctx.Log.Warn(w, nil)
	}
	tags := CommonTags(cfg)
	provider, identity, err := awsAccount(ctx, cfg)
	if err != nil {
		return err
	}
	withAWS := pulumi.Providers(provider)
	if cfg.StateBackend {
		if err := stateBackend(ctx, cfg, tags, withAWS); err != nil {
			return err
		}
	}
	var room *roomPlatform
	if cfg.SharedPlatform != "" {
		if room, err = readRoomPlatform(ctx, cfg); err != nil {
			return err
		}
	}
	appNet, platNet, err := networks(ctx, cfg, identity.AccountId, tags, withAWS)
	if err != nil {
		return err
	}
	app, appAddOns, err := appCluster(ctx, cfg, identity.AccountId, appNet, platformNat(platNet, room), tags, withAWS)
	if err != nil {
		return err
	}

	var store artifactStore
	if cfg.Platform {
		ci, err := platform(ctx, cfg, tags, provider, identity.AccountId, app, platNet)
		if err != nil {
			return err
		}
		store.bucket = ci.ArtifactBucket
	}
	if room != nil {
		if err := room.grantClouddriver(ctx, cfg, app, tags); err != nil {
			return err
		}
		room.exportForHandout(ctx)
		store = artifactStore{bucket: room.artifactBucket, prefix: RoomArtifactPrefix(cfg.Stack)}
	}

	if cfg.Yelb.Enabled {
		if err := yelbApp(ctx, cfg, identity.AccountId, tags, appNet, app, appAddOns, store, withAWS); err != nil {
			return err
		}
	}

	ctx.Export("appClusterName", app.ClusterName)
	ctx.Export("appKubeconfig", app.KubeconfigJson)
	ctx.Export("appVpcId", appNet.VpcId)
	ctx.Export("appNodeGroupName", app.NodeGroupName)
	ctx.Export("kubectlSetup", pulumi.Sprintf("aws eks update-kubeconfig --region %s --name %s", cfg.Region, app.ClusterName))
	return nil
}

// artifactStore is where Spinnaker's pipelines read the app's manifests:
// the stack's own platform bucket, or its prefix of the room's.
type artifactStore struct {
	bucket pulumi.StringInput
	prefix string
}

// yelbApp is the demo app on the app cluster, delivered as configured, and
// the chaos experiments that watch it.
func yelbApp(ctx *pulumi.Context, cfg Config, accountID string, tags map[string]string, appNet *network.Network, app *cluster.Cluster, appAddOns *addons.AddOns,
	store artifactStore, withAWS pulumi.ResourceOption) error {
	images := yelb.DefaultImages
	images.AppServerV2 = cfg.Yelb.AppServerV2Image
	if images.AppServerV2 == "" {
		// Stage 1 never runs v2; the templates still name an image.
		images.AppServerV2 = yelb.AppServerV2Placeholder
	}
	demo, err := yelb.NewApp(ctx, cfg.Prefix+"-yelb", yelb.AppArgs{
		Prefix:              cfg.Prefix,
		Backend:             cfg.Yelb.Backend,
		Delivery:            cfg.Yelb.Delivery,
		Stage:               cfg.Yelb.Stage,
		Images:              images,
		Region:              cfg.Region,
		Provider:            app.Provider,
		Controllers:         appAddOns.Resources,
		EnvoyRoleArn:        appAddOns.EnvoyRoleArn,
		VpcId:               appNet.VpcId,
		VpcCidr:             cfg.AppVpcCidr.String(),
		NodeSecurityGroupId: app.ClusterSecurityGroupId,
		ServiceDomain:       yelb.ServiceDomain(cfg.Prefix),
		ArtifactBucket:      store.bucket,
		ArtifactPrefix:      store.prefix,
		DockerHubCredential: cfg.Yelb.DockerHubCredentialArn,
		AccountID:           accountID,
		NodeRoleArn:         app.NodeRoleArn,
		Tags:                tags,
	}, withAWS)
	if err != nil {
		return err
	}
	ctx.Export("appNamespace", pulumi.String(demo.Namespace))
	ctx.Export("appLoadBalancerName", pulumi.String(demo.LoadBalancerName))
	ctx.Export("appUrlCommand", pulumi.Sprintf("echo http://$(kubectl get ingress yelb-ui -n %s -o jsonpath='{.status.loadBalancer.ingress[0].hostname}')/", demo.Namespace))
	if demo.AppServerHost != "" {
		ctx.Export("appServerHost", pulumi.String(demo.AppServerHost))
	}
	if cfg.Chaos.Enabled {
		return experiments(ctx, cfg, accountID, appNet, app, demo, withAWS)
	}
	return nil
}

// awsAccount is the explicit AWS provider every AWS resource uses and the
// identity it deploys as. The identity must not be a cluster admin too:
// pulumi-eks makes the cluster creator admin itself
// (bootstrapClusterCreatorAdminPermissions), and EKS allows one access entry
// per principal, so the deploy would fail halfway.
func awsAccount(ctx *pulumi.Context, cfg Config) (*aws.Provider, *aws.GetCallerIdentityResult, error) {
	provider, err := aws.NewProvider(ctx, "aws", &aws.ProviderArgs{
		Region:  pulumi.String(cfg.Region),
		Profile: optional(cfg.Profile),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("creating AWS provider: %w", err)
	}
	identity, err := aws.GetCallerIdentity(ctx, nil, pulumi.Provider(provider))
	if err != nil {
		return nil, nil, fmt.Errorf("looking up the AWS account: %w", err)
	}
	if err := cluster.CheckAdminsExcludeCreator(cfg.ClusterAdmins, identity.Arn); err != nil {
		return nil, nil, &ConfigError{Key: "workshop:clusterAdmins", Problem: err.Error()}
	}
	return provider, identity, nil
}

// stateBackend is the bootstrap stack's S3 state bucket and KMS key.
func stateBackend(ctx *pulumi.Context, cfg Config, tags map[string]string, withAWS pulumi.ResourceOption) error {
	backend, err := statebackend.NewStateBackend(ctx, cfg.Prefix, statebackend.StateBackendArgs{
		Region:         cfg.Region,
		NoncurrentDays: 30,
		Tags:           tags,
	}, withAWS)
	if err != nil {
		return err
	}
	ctx.Export("stateBackendUrl", backend.BackendURL)
	ctx.Export("secretsProvider", backend.SecretsProvider)
	return nil
}

// networks are the app VPC and, with the platform, the platform VPC, made
// first because the app cluster's endpoint lets in the platform's NAT.
func networks(ctx *pulumi.Context, cfg Config, accountID string, tags map[string]string, withAWS pulumi.ResourceOption) (app, platform *network.Network, err error) {
	app, err = newNetwork(ctx, cfg.Prefix+"-app", cfg.AppVpcCidr, cfg, accountID, tags, withAWS)
	if err != nil || !cfg.Platform {
		return app, nil, err
	}
	platform, err = newNetwork(ctx, cfg.Prefix+"-platform", cfg.PlatformVpcCidr, cfg, accountID, tags, withAWS)
	return app, platform, err
}

// appCluster is the app cluster with its add-ons, the traffic controller of
// the chosen yelb backend among them.
func appCluster(ctx *pulumi.Context, cfg Config, accountID string, appNet *network.Network, platformNat *pulumi.StringArrayOutput, tags map[string]string, withAWS pulumi.ResourceOption) (*cluster.Cluster, *addons.AddOns, error) {
	flags := cfg.AddOns
	traffic := addons.TrafficArgs{AccountID: accountID, AppNamespace: cfg.Prefix}
	if cfg.Yelb.Enabled {
		flags.GatewayAPIController = cfg.Yelb.Backend == yelb.BackendLattice
		flags.AppMeshController = cfg.Yelb.Backend == yelb.BackendAppMesh
		traffic.ServiceDomain = yelb.ServiceDomain(cfg.Prefix)
	}
	return clusterStack(ctx, cfg.Prefix+"-app", appNet, appAPIAccess(cfg, platformNat), cfg.NodeGroup, flags, traffic, cfg, tags, withAWS)
}

// experiments sets up the chaos part of the workshop against the app cluster
// and exports what the experiment command reads.
func experiments(ctx *pulumi.Context, cfg Config, accountID string, net *network.Network, app *cluster.Cluster, demo *yelb.App, withAWS pulumi.ResourceOption) error {
	zone := cfg.Chaos.AvailabilityZone
	if zone == "" {
		zone = cfg.AvailabilityZones[0]
	}
	arn := func(resource string) string {
		return fmt.Sprintf("arn:aws:ec2:%s:%s:%s", cfg.Region, accountID, resource)
	}
	subnets := net.PrivateSubnetIds.ApplyT(func(ids []string) []string {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = arn("subnet/" + id)
		}
		return out
	}).(pulumi.StringArrayOutput)
	ch, err := chaos.NewChaos(ctx, cfg.Prefix+"-chaos", chaos.ChaosArgs{
		Prefix:                cfg.Prefix,
		Region:                cfg.Region,
		AccountID:             accountID,
		ClusterName:           cfg.Prefix + "-app",
		ClusterReady:          app.ClusterName,
		Namespace:             demo.Namespace,
		NodeGroupArn:          app.NodeGroup.Arn,
		PrivateSubnetArns:     subnets,
		AvailabilityZone:      zone,
		VpcArn:                net.VpcId.ApplyT(func(id string) string { return arn("vpc/" + id) }).(pulumi.StringOutput),
		LoadBalancerName:      demo.LoadBalancerName,
		TerminationPercentage: cfg.Chaos.TerminationPercentage,
		NotificationEmail:     cfg.Chaos.NotificationEmail,
		LogRetentionDays:      cfg.LogRetentionDays,
		Provider:              app.Provider,
		AppObjects:            demo.Applied,
		Tags:                  CommonTags(cfg),
	}, withAWS)
	if err != nil {
		return err
	}
	templates := pulumi.Map{}
	for name, id := range ch.TemplateIDs {
		templates[name] = id
	}
	ctx.Export("chaos", pulumi.Map{
		"region":    pulumi.String(cfg.Region),
		"templates": templates,
		"alarms":    pulumi.ToStringMap(ch.AlarmNames),
		"dashboard": ch.Dashboard,
	})
	return nil
}

// newNetwork is the VPC of one of the clusters.
func newNetwork(ctx *pulumi.Context, name string, cidr netip.Prefix, cfg Config, accountID string, tags map[string]string, withAWS pulumi.ResourceOption) (*network.Network, error) {
	return network.NewNetwork(ctx, name, network.NetworkArgs{
		Cidr:              cidr,
		AvailabilityZones: cfg.AvailabilityZones,
		NatStrategy:       cfg.NatStrategy,
		FlowLogs:          cfg.FlowLogs,
		LogRetentionDays:  cfg.LogRetentionDays,
		Region:            cfg.Region,
		AccountID:         accountID,
		Tags:              tags,
	}, withAWS)
}

// platformNat are the NAT addresses Spinnaker's clouddriver comes from:
// this stack's platform VPC's, or the room's platform's; nil without either.
func platformNat(platNet *network.Network, room *roomPlatform) *pulumi.StringArrayOutput {
	switch {
	case platNet != nil:
		return &platNet.NatPublicIps
	case room != nil:
		return &room.natIps
	}
	return nil
}

// appAPIAccess is the app cluster's public endpoint allow-list. Spinnaker's
// clouddriver reaches that endpoint from the platform's NAT addresses
// (the private endpoint resolves only inside the app VPC), so a list
// narrower than the whole internet gains them.
func appAPIAccess(cfg Config, platformNat *pulumi.StringArrayOutput) pulumi.StringArrayInput {
	if platformNat == nil || slices.Contains(cfg.APIAccessCidrs, "0.0.0.0/0") {
		return pulumi.ToStringArray(cfg.APIAccessCidrs)
	}
	return platformNat.ApplyT(func(ips []string) []string {
		out := slices.Clone(cfg.APIAccessCidrs)
		for _, ip := range ips {
			out = append(out, ip+"/32")
		}
		return out
	}).(pulumi.StringArrayOutput)
}

// clusterStack is an EKS cluster in a VPC and the cluster's add-ons: the
// shape both the app and the platform cluster share.
func clusterStack(ctx *pulumi.Context, name string, net *network.Network, apiAccess pulumi.StringArrayInput, nodes cluster.NodeGroupArgs,
	flags addons.Flags, traffic addons.TrafficArgs, cfg Config, tags map[string]string, withAWS pulumi.ResourceOption,
) (*cluster.Cluster, *addons.AddOns, error) {
	c, err := cluster.NewCluster(ctx, name, cluster.ClusterArgs{
		ClusterName:       name,
		KubernetesVersion: cfg.KubernetesVersion,
		VpcId:             net.VpcId,
		PublicSubnetIds:   net.PublicSubnetIds,
		PrivateSubnetIds:  net.PrivateSubnetIds,
		NodeGroup:         nodes,
		Admins:            cfg.ClusterAdmins,
		APIAccessCidrs:    apiAccess,
		LogRetentionDays:  cfg.LogRetentionDays,
		Tags:              tags,
	}, withAWS)
	if err != nil {
		return nil, nil, err
	}
	a, err := addons.NewAddOns(ctx, name, addons.AddOnsArgs{
		ClusterName:       name,
		ClusterReady:      c.ClusterName,
		KubernetesVersion: cfg.KubernetesVersion,
		Region:            cfg.Region,
		VpcId:             net.VpcId,
		OIDC:              addons.OIDCProvider{Arn: c.OidcProviderArn, Url: c.OidcProviderUrl},
		Provider:          c.Provider,
		Nodes:             c.NodeGroup,
		Flags:             flags,
		LogRetentionDays:  cfg.LogRetentionDays,
		Tags:              tags,
		Traffic:           traffic,
		ChartMirror:       cfg.ChartMirror,
	}, withAWS)
	if err != nil {
		return nil, nil, err
	}
	return c, a, nil
}

// CommonTags go on every taggable AWS resource; the workshop tag lets a
// sweeper find what a stack left behind.
func CommonTags(cfg Config) map[string]string {
	tags := maps.Clone(cfg.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	tags["workshop"] = cfg.Prefix
	tags["managed-by"] = "pulumi"
	return tags
}

func optional(s string) pulumi.StringPtrInput {
	if s == "" {
		return nil
	}
	return pulumi.String(s)
}
