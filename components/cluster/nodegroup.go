package cluster

import (
	"fmt"
	"maps"
	"regexp"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
)

// NodeGroupArgs sizes a managed node group.
type NodeGroupArgs struct {
	Name         string `json:"name"`
	InstanceType string `json:"instanceType"`
	MinSize      int    `json:"minSize"`
	MaxSize      int    `json:"maxSize"`
	DesiredSize  int    `json:"desiredSize"`
	DiskSizeGiB  int    `json:"diskSizeGiB"`
}

// NodePolicies are the AWS managed policies a node needs: join the cluster,
// run the VPC CNI, pull images, and be reachable through SSM instead of SSH.
var NodePolicies = []string{
	"AmazonEKSWorkerNodePolicy",
	"AmazonEKS_CNI_Policy",
	"AmazonEC2ContainerRegistryPullOnly",
	"AmazonSSMManagedInstanceCore",
}

// newNodeGroup creates the managed node group, its role and the launch
// template that hardens its instances.
func newNodeGroup(ctx *pulumi.Context, name string, clusterName pulumi.StringOutput, args ClusterArgs, parent pulumi.ResourceOption) (*awseks.NodeGroup, error) {
	ng := args.NodeGroup
	role, err := awsiam.NewRole(ctx, name+"-nodes", awsiam.RoleArgs{
		Description:     "Nodes of EKS cluster " + args.ClusterName,
		Trust:           awsiam.ServiceTrust("ec2.amazonaws.com"),
		ManagedPolicies: NodePolicies,
		Tags:            args.Tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("node group: %w", err)
	}
	template, err := newLaunchTemplate(ctx, name, args, parent)
	if err != nil {
		return nil, fmt.Errorf("node group: %w", err)
	}
	groupTags := map[string]string{}
	maps.Copy(groupTags, args.Tags)
	maps.Copy(groupTags, AutoscalerDiscoveryTags(args.ClusterName))
	group, err := awseks.NewNodeGroup(ctx, name+"-"+ng.Name, &awseks.NodeGroupArgs{
		ClusterName:   clusterName,
		NodeGroupName: pulumi.String(ng.Name),
		NodeRoleArn:   role.Arn,
		SubnetIds:     args.PrivateSubnetIds,
		InstanceTypes: pulumi.StringArray{pulumi.String(ng.InstanceType)},
		AmiType:       pulumi.String(AMIType(ng.InstanceType)),
		ScalingConfig: awseks.NodeGroupScalingConfigArgs{
			MinSize:     pulumi.Int(ng.MinSize),
			MaxSize:     pulumi.Int(ng.MaxSize),
			DesiredSize: pulumi.Int(ng.DesiredSize),
		},
		UpdateConfig: awseks.NodeGroupUpdateConfigArgs{MaxUnavailable: pulumi.Int(1)},
		LaunchTemplate: awseks.NodeGroupLaunchTemplateArgs{
			Id:      template.ID(),
			Version: template.LatestVersion.ApplyT(func(v int) string { return strconv.Itoa(v) }).(pulumi.StringOutput),
		},
		Tags: pulumi.ToStringMap(groupTags),
	}, parent,
		// cluster-autoscaler owns the desired size once the group exists;
		// resetting it on every `pulumi up` would undo its work.
		pulumi.IgnoreChanges([]string{"scalingConfig.desiredSize"}))
	if err != nil {
		return nil, fmt.Errorf("node group: creating %s: %w", ng.Name, err)
	}
	return group, nil
}

// newLaunchTemplate requires IMDSv2 and encrypts the root volume.
func newLaunchTemplate(ctx *pulumi.Context, name string, args ClusterArgs, parent pulumi.ResourceOption) (*ec2.LaunchTemplate, error) {
	tags := pulumi.ToStringMap(args.Tags)
	template, err := ec2.NewLaunchTemplate(ctx, name+"-nodes", &ec2.LaunchTemplateArgs{
		Description: pulumi.Sprintf("Nodes of EKS cluster %s", args.ClusterName),
		MetadataOptions: ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint: pulumi.String("enabled"),
			HttpTokens:   pulumi.String("required"),
			// Two hops: agents in pods (CloudWatch) read instance metadata
			// through the pod network; one hop would lock them out.
			HttpPutResponseHopLimit: pulumi.Int(2),
		},
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{ec2.LaunchTemplateBlockDeviceMappingArgs{
			DeviceName: pulumi.String("/dev/xvda"),
			Ebs: ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
				VolumeSize:          pulumi.Int(args.NodeGroup.DiskSizeGiB),
				VolumeType:          pulumi.String("gp3"),
				Encrypted:           pulumi.String("true"),
				DeleteOnTermination: pulumi.String("true"),
			},
		}},
		TagSpecifications: ec2.LaunchTemplateTagSpecificationArray{
			ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("instance"), Tags: tags},
			ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("volume"), Tags: tags},
		},
		UpdateDefaultVersion: pulumi.Bool(true),
		Tags:                 tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("creating launch template: %w", err)
	}
	return template, nil
}

// AutoscalerDiscoveryTags are the tags cluster-autoscaler's auto-discovery
// looks for. EKS puts them on a managed group's Auto Scaling group itself;
// setting them on the node group too makes the intent visible in preview.
func AutoscalerDiscoveryTags(clusterName string) map[string]string {
	return map[string]string{
		"k8s.io/cluster-autoscaler/enabled":        "true",
		"k8s.io/cluster-autoscaler/" + clusterName: "owned",
	}
}

// graviton matches instance families on Arm: a1, and families whose
// generation digit is followed by g (t4g, m7g, c6gn, r8gd).
var graviton = regexp.MustCompile(`^(a1|[a-z]+[0-9]+g[a-z]*)\.`)

// AMIType picks the Amazon Linux 2023 AMI for the instance's architecture.
func AMIType(instanceType string) string {
	if graviton.MatchString(instanceType) {
		return "AL2023_ARM_64_STANDARD"
	}
	return "AL2023_x86_64_STANDARD"
}
