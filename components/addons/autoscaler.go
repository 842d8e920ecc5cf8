package addons

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
)

const autoscalerServiceAccount = "cluster-autoscaler"

// ClusterAutoscalerPolicy lets the autoscaler read every group but resize and
// terminate only the groups tagged as owned by this cluster.
func ClusterAutoscalerPolicy(clusterName string) awsiam.Document {
	return awsiam.Policy(
		awsiam.Allow([]string{
			"autoscaling:DescribeAutoScalingGroups",
			"autoscaling:DescribeAutoScalingInstances",
			"autoscaling:DescribeLaunchConfigurations",
			"autoscaling:DescribeScalingActivities",
			"autoscaling:DescribeTags",
			"ec2:DescribeImages",
			"ec2:DescribeInstanceTypes",
			"ec2:DescribeLaunchTemplateVersions",
			"ec2:GetInstanceTypesFromInstanceRequirements",
			"eks:DescribeNodegroup",
		}, "*"),
		awsiam.Allow([]string{
			"autoscaling:SetDesiredCapacity",
			"autoscaling:TerminateInstanceInAutoScalingGroup",
		}, "*").When("StringEquals", "aws:ResourceTag/k8s.io/cluster-autoscaler/"+clusterName, "owned"),
	)
}

func (in *installer) clusterAutoscaler() error {
	tag, ok := ClusterAutoscalerImageTag(in.args.KubernetesVersion)
	if !ok {
		return fmt.Errorf("no cluster-autoscaler release pinned for Kubernetes %s", in.args.KubernetesVersion)
	}
	policy := ClusterAutoscalerPolicy(in.args.ClusterName)
	assoc, err := in.podIdentity("autoscaler", "kube-system", autoscalerServiceAccount, &policy, nil)
	if err != nil {
		return err
	}
	_, err = in.chart(ClusterAutoscalerChart, "kube-system", pulumi.Map{
		"autoDiscovery": pulumi.Map{"clusterName": pulumi.String(in.args.ClusterName)},
		"awsRegion":     pulumi.String(in.args.Region),
		"image":         pulumi.Map{"tag": pulumi.String(tag)},
		"rbac": pulumi.Map{"serviceAccount": pulumi.Map{
			"create": pulumi.Bool(true),
			"name":   pulumi.String(autoscalerServiceAccount),
		}},
		"extraArgs": pulumi.Map{
			"balance-similar-node-groups": pulumi.Bool(true),
			// The workshop's nodes run kube-system pods everywhere; without
			// this no node would ever be scaled in.
			"skip-nodes-with-system-pods": pulumi.Bool(false),
			"expander":                    pulumi.String("least-waste"),
		},
	}, assoc)
	return err
}
