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
	role, err := awsiam.NewRole(ctx, name+"-flow-logs", awsiam.RoleArgs{
		Description: "Delivers VPC flow logs of " + name,
		Trust:       FlowLogsTrust(args.Region, args.AccountID),
		Policy: group.Arn.ApplyT(func(arn string) string {
			return FlowLogsPolicy(args.Region, args.AccountID, arn).JSON()
		}).(pulumi.StringOutput),
		Tags: args.Tags,
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

// FlowLogsTrust lets the flow logs service assume the role only for flow
// logs of this account, the confused-deputy guard AWS recommends (VPC user
// guide, "IAM role for publishing flow logs to CloudWatch Logs").
func FlowLogsTrust(region, accountID string) awsiam.Document {
	trust := awsiam.ServiceTrust("vpc-flow-logs.amazonaws.com")
	trust.Statement[0] = trust.Statement[0].
		When("StringEquals", "aws:SourceAccount", accountID).
		When("ArnLike", "aws:SourceArn", fmt.Sprintf("arn:aws:ec2:%s:%s:vpc-flow-log/*", region, accountID))
	return trust
}

// FlowLogsPolicy is the minimum the same guide lists (CreateLogGroup,
// CreateLogStream, PutLogEvents, DescribeLogGroups, DescribeLogStreams),
// scoped to the group this stack owns; DescribeLogGroups lists groups and
// is scoped to the account's groups in the region.
func FlowLogsPolicy(region, accountID, groupArn string) awsiam.Document {
	return awsiam.Policy(
		awsiam.Allow([]string{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
			groupArn, groupArn+":*"),
		awsiam.Allow([]string{"logs:DescribeLogGroups"},
			fmt.Sprintf("arn:aws:logs:%s:%s:log-group:*", region, accountID)),
	)
}
