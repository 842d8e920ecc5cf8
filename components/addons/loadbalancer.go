package addons

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
	"github.com/workshop/spinnaker-modernization/manifests"
)

const loadBalancerServiceAccount = "aws-load-balancer-controller"

// LoadBalancerControllerPolicy is the controller's policy: it may create any
// load balancer but change or delete only those it tagged as its own.
func LoadBalancerControllerPolicy() (awsiam.Document, error) {
	return awsiam.Parse(manifests.Read("iam/aws-load-balancer-controller.json"))
}

func (in *installer) loadBalancerController() error {
	policy, err := LoadBalancerControllerPolicy()
	if err != nil {
		return err
	}
	assoc, err := in.podIdentity("lb-controller", "kube-system", loadBalancerServiceAccount, &policy, nil)
	if err != nil {
		return err
	}
	_, err = in.chart(LoadBalancerControllerChart, "kube-system", pulumi.Map{
		"clusterName": pulumi.String(in.args.ClusterName),
		// Given explicitly: with IMDSv2 the controller's pod cannot always
		// discover region and VPC from instance metadata.
		"region": pulumi.String(in.args.Region),
		"vpcId":  in.args.VpcId,
		"serviceAccount": pulumi.Map{
			"create": pulumi.Bool(true),
			"name":   pulumi.String(loadBalancerServiceAccount),
		},
		// The chart's Service webhook (failurePolicy Fail, every namespace)
		// rejects each Service created before the controller is ready, and
		// the other add-ons create theirs in parallel. It only sets
		// loadBalancerClass on type LoadBalancer Services, and we create none.
		"enableServiceMutatorWebhook": pulumi.Bool(false),
	}, assoc)
	return err
}
