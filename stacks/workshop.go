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
	"github.com/workshop/spinnaker-modernization/components/cluster"
	"github.com/workshop/spinnaker-modernization/components/network"
	"github.com/workshop/spinnaker-modernization/components/statebackend"
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
	if cfg.KubernetesVersion == "1.34" {
		_ = ctx.Log.Warn("Kubernetes 1.34 leaves EKS standard support on 2026-12-02; prefer 1.35 or 1.36 (workshop:kubernetesVersion)", nil)
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

	appNet, app, _, err := clusterStack(ctx, cfg.Prefix+"-app", cfg.AppVpcCidr, cfg.NodeGroup, cfg.AddOns, cfg, tags, withAWS)
	if err != nil {
		return err
	}

	if cfg.Platform {
		if err := platform(ctx, cfg, tags, provider, app); err != nil {
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

// clusterStack is a VPC, an EKS cluster in it and the cluster's add-ons: the
// shape both the app and the platform cluster share.
func clusterStack(ctx *pulumi.Context, name string, cidr netip.Prefix, nodes cluster.NodeGroupArgs, flags addons.Flags,
	cfg Config, tags map[string]string, withAWS pulumi.ResourceOption,
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
