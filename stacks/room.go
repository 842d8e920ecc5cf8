package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/cluster"
	"github.com/workshop/spinnaker-modernization/components/spinnaker"
)

// Outputs a room's platform and attendee stacks read of each other through
// StackReferences.
const (
	OutArtifactBucket     = "artifactBucket"
	OutCodeBuildProject   = "codeBuildProject"
	OutECRRepository      = "ecrRepositoryUrl"
	OutClouddriverRoleArn = "clouddriverRoleArn"
	OutPlatformNatIps     = "platformNatPublicIps"
	OutSpinnakerTunnel    = "spinnakerTunnel"
	OutSpinnakerDeckURL   = "spinnakerDeckUrl"
	OutSpinnakerPassword  = "spinnakerAdminPassword"
	OutAppClusterName     = "appClusterName"
	OutAppKubeconfig      = "appKubeconfig"
	OutAppNamespace       = "appNamespace"
)

// roomPlatform is the room's platform stack as an attendee stack sees it.
type roomPlatform struct {
	stack           string
	ref             *pulumi.StackReference
	natIps          pulumi.StringArrayOutput
	artifactBucket  pulumi.StringOutput
	clouddriverRole pulumi.StringOutput
}

// readRoomPlatform reads the outputs of workshop:sharedPlatform. A bare
// stack name is a stack of this project on any backend (pulumi/pulumi
// pkg/backend/diy/store.go, projectReferenceStore.ParseReference).
func readRoomPlatform(ctx *pulumi.Context, cfg Config) (*roomPlatform, error) {
	ref, err := pulumi.NewStackReference(ctx, "platform-"+cfg.SharedPlatform, &pulumi.StackReferenceArgs{Name: pulumi.String(cfg.SharedPlatform)})
	if err != nil {
		return nil, fmt.Errorf("reading the room's platform stack %s: %w", cfg.SharedPlatform, err)
	}
	read := func(key string) pulumi.StringOutput { return requiredOutput(ref, cfg.SharedPlatform, key) }
	natIps := ref.GetOutput(pulumi.String(OutPlatformNatIps)).ApplyT(func(v any) ([]string, error) {
		list, ok := v.([]any)
		if !ok {
			return nil, missingOutput(cfg.SharedPlatform, OutPlatformNatIps)
		}
		out := make([]string, len(list))
		for i, ip := range list {
			out[i], _ = ip.(string)
		}
		return out, nil
	}).(pulumi.StringArrayOutput)
	return &roomPlatform{
		stack: cfg.SharedPlatform, ref: ref, natIps: natIps,
		artifactBucket: read(OutArtifactBucket), clouddriverRole: read(OutClouddriverRoleArn),
	}, nil
}

// requiredOutput is a string output of another stack of the room, which
// fails the update with what to do when that stack lacks it.
func requiredOutput(ref *pulumi.StackReference, stack, key string) pulumi.StringOutput {
	return ref.GetOutput(pulumi.String(key)).ApplyT(func(v any) (string, error) {
		s, ok := v.(string)
		if !ok || s == "" {
			return "", missingOutput(stack, key)
		}
		return s, nil
	}).(pulumi.StringOutput)
}

func missingOutput(stack, key string) error {
	return fmt.Errorf("stack %s has no output %s: bring it up first (pulumi up -s %s)", stack, key, stack)
}

// grantClouddriver gives the room's clouddriver this stack's app cluster.
func (r *roomPlatform) grantClouddriver(ctx *pulumi.Context, cfg Config, app *cluster.Cluster, tags map[string]string) error {
	_, err := grantClouddriver(ctx, cfg, app, r.clouddriverRole, tags)
	return err
}

// grantClouddriver gives clouddriver's role the stack's app cluster: the
// pipelines create namespaces and cluster-wide custom resources (mesh,
// gateway), which namespaced access policies cannot. A STANDARD entry is
// also the one type EKS takes for a principal of another account (EKS user
// guide, creating-access-entries).
func grantClouddriver(ctx *pulumi.Context, cfg Config, app *cluster.Cluster, role pulumi.StringInput, tags map[string]string) (pulumi.Resource, error) {
	return cluster.GrantAccess(ctx, cfg.Prefix+"-app-clouddriver", cluster.AccessGrant{
		ClusterName:  app.ClusterName,
		PrincipalArn: role,
		Policy:       "AmazonEKSClusterAdminPolicy",
		Tags:         tags,
	}, pulumi.Parent(app))
}

// exportForHandout re-exports how attendees reach the room's Spinnaker
// and what their pipelines build with.
func (r *roomPlatform) exportForHandout(ctx *pulumi.Context) {
	for _, key := range []string{OutSpinnakerTunnel, OutSpinnakerDeckURL, OutSpinnakerPassword, OutArtifactBucket, OutCodeBuildProject, OutECRRepository} {
		ctx.Export(key, r.ref.GetOutput(pulumi.String(key)))
	}
	ctx.Export("platformStack", pulumi.String(r.stack))
}

// RoomApplication is the Spinnaker application of an attendee stack.
func RoomApplication(stack string) string { return "yelb-" + stack }

// RoomAccount is the clouddriver kubernetes account of an attendee stack.
func RoomAccount(stack string) string { return "eks-" + stack }

// RoomArtifactPrefix is where an attendee stack's manifests lie in the
// room's artifact bucket.
func RoomArtifactPrefix(stack string) string { return stack + "/" }

// attendeeApps are the app clusters of workshop:attendeeStacks, each with
// its own Spinnaker account and application.
func attendeeApps(ctx *pulumi.Context, cfg Config) ([]spinnaker.AppTarget, error) {
	var apps []spinnaker.AppTarget
	for _, stack := range cfg.AttendeeStacks {
		ref, err := pulumi.NewStackReference(ctx, "attendee-"+stack, &pulumi.StackReferenceArgs{Name: pulumi.String(stack)})
		if err != nil {
			return nil, fmt.Errorf("reading attendee stack %s: %w", stack, err)
		}
		apps = append(apps, spinnaker.AppTarget{
			Account:        RoomAccount(stack),
			Application:    RoomApplication(stack),
			ClusterName:    requiredOutput(ref, stack, OutAppClusterName),
			KubeconfigJSON: requiredOutput(ref, stack, OutAppKubeconfig),
			Namespace:      requiredOutput(ref, stack, OutAppNamespace),
			ArtifactPrefix: RoomArtifactPrefix(stack),
		})
	}
	return apps, nil
}
