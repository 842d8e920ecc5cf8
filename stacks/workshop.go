package stacks

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"os"

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
	provider, err := aws.NewProvider(ctx, "aws", &aws.ProviderArgs{
		Region:  pulumi.String(cfg.Region),
		Profile: optional(cfg.Profile),
	})
	if err != nil {
		return fmt.Errorf("creating AWS provider: %w", err)
	}
	withAWS := pulumi.Providers(provider)

	if cfg.StateBackend {
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
	}

	identity, err := aws.GetCallerIdentity(ctx, nil, pulumi.Provider(provider))
	if err != nil {
		return fmt.Errorf("looking up the AWS account: %w", err)
	}

	appFlags := cfg.AddOns
	traffic := addons.TrafficArgs{AccountID: pulumi.String(identity.AccountId), AppNamespace: cfg.Prefix}
	if cfg.Yelb.Enabled {
		appFlags.GatewayAPIController = cfg.Yelb.Backend == yelb.BackendLattice
		appFlags.AppMeshController = cfg.Yelb.Backend == yelb.BackendAppMesh
		traffic.ServiceDomain = yelb.ServiceDomain(cfg.Prefix)
	}
	appNet, app, appAddOns, err := clusterStack(ctx, cfg.Prefix+"-app", cfg.AppVpcCidr, cfg.NodeGroup, appFlags, traffic, cfg, tags, withAWS)
	if err != nil {
		return err
	}

	var artifactBucket pulumi.StringInput
	if cfg.Platform {
		ci, err := platform(ctx, cfg, tags, provider, identity.AccountId, app)
		if err != nil {
			return err
		}
		artifactBucket = ci.ArtifactBucket
	}

	if cfg.Yelb.Enabled {
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
			Controllers:         appAddOns.Workloads,
			VpcId:               appNet.VpcId,
			VpcCidr:             cfg.AppVpcCidr.String(),
			NodeSecurityGroupId: app.ClusterSecurityGroupId,
			ServiceDomain:       traffic.ServiceDomain,
			ArtifactBucket:      artifactBucket,
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
			if err := experiments(ctx, cfg, identity.AccountId, appNet, app, demo, withAWS); err != nil {
				return err
			}
		}
	}

	ctx.Export("appClusterName", app.ClusterName)
	ctx.Export("appKubeconfig", app.KubeconfigJson)
	ctx.Export("appVpcId", appNet.VpcId)
	ctx.Export("appNodeGroupName", app.NodeGroupName)
	ctx.Export("kubectlSetup", pulumi.Sprintf("aws eks update-kubeconfig --region %s --name %s", cfg.Region, app.ClusterName))
	return nil
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

// clusterStack is a VPC, an EKS cluster in it and the cluster's add-ons: the
// shape both the app and the platform cluster share.
func clusterStack(ctx *pulumi.Context, name string, cidr netip.Prefix, nodes cluster.NodeGroupArgs, flags addons.Flags,
	traffic addons.TrafficArgs, cfg Config, tags map[string]string, withAWS pulumi.ResourceOption,
) (*network.Network, *cluster.Cluster, *addons.AddOns, error) {
	net, err := network.NewNetwork(ctx, name, network.NetworkArgs{
		Cidr:              cidr,
		AvailabilityZones: cfg.AvailabilityZones,
		NatStrategy:       cfg.NatStrategy,
		FlowLogs:          cfg.FlowLogs,
		LogRetentionDays:  cfg.LogRetentionDays,
		Tags:              tags,
	}, withAWS)
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := cluster.NewCluster(ctx, name, cluster.ClusterArgs{
		ClusterName:       name,
		KubernetesVersion: cfg.KubernetesVersion,
		VpcId:             net.VpcId,
		PublicSubnetIds:   net.PublicSubnetIds,
		PrivateSubnetIds:  net.PrivateSubnetIds,
		NodeGroup:         nodes,
		Admins:            cfg.ClusterAdmins,
		APIAccessCidrs:    cfg.APIAccessCidrs,
		LogRetentionDays:  cfg.LogRetentionDays,
		Tags:              tags,
	}, withAWS)
	if err != nil {
		return nil, nil, nil, err
	}
	a, err := addons.NewAddOns(ctx, name, addons.AddOnsArgs{
		ClusterName:       name,
		ClusterReady:      c.ClusterName,
		KubernetesVersion: cfg.KubernetesVersion,
		Region:            cfg.Region,
		VpcId:             net.VpcId,
		Provider:          c.Provider,
		Nodes:             c.NodeGroup,
		Flags:             flags,
		LogRetentionDays:  cfg.LogRetentionDays,
		Tags:              tags,
		Traffic:           traffic,
		ChartMirror:       cfg.ChartMirror,
	}, withAWS)
	if err != nil {
		return nil, nil, nil, err
	}
	return net, c, a, nil
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
