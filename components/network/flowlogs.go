package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
)

// newFlowLogs sends the VPC's flow logs to a log group the stack owns, so
// they expire and go away with the stack.
func newFlowLogs(ctx *pulumi.Context, name string, vpc *ec2.Vpc, args NetworkArgs, tags pulumi.StringMap, parent pulumi.ResourceOption) error {
	group, err := cloudwatch.NewLogGroup(ctx, name+"-flow-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/vpc/" + name + "/flow-logs"),
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
		Tags:            tags,
	}, parent)
	if err != nil {
		return fmt.Errorf("creating flow log group: %w", err)
	}
	policy := group.Arn.ApplyT(func(arn string) string {
		return awsiam.Policy(awsiam.Allow(
			[]string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
			arn, arn+":*",
		)).JSON()
	}).(pulumi.StringOutput)
	role, err := awsiam.NewRole(ctx, name+"-flow-logs", awsiam.RoleArgs{
		Description: "Delivers VPC flow logs of " + name,
		Trust:       awsiam.ServiceTrust("vpc-flow-logs.amazonaws.com"),
		Policy:      policy,
		Tags:        args.Tags,
	}, parent)
	if err != nil {
		return err
	}
	_, err = ec2.NewFlowLog(ctx, name, &ec2.FlowLogArgs{
		VpcId:              vpc.ID(),
		TrafficType:        pulumi.String("ALL"),
		LogDestinationType: pulumi.String("cloud-watch-logs"),
		LogDestination:     group.Arn,
		IamRoleArn:         role.Arn,
		Tags:               tags,
	}, parent)
	if err != nil {
		return fmt.Errorf("creating flow log: %w", err)
	}
	return nil
}
