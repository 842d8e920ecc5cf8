package chaos

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
)

// alarmPublisher is the service that publishes an alarm's notifications.
const alarmPublisher = "cloudwatch.amazonaws.com"

// TopicKeyPolicy lets CloudWatch encrypt what it publishes to the topic,
// which the AWS-managed alias/aws/sns key cannot allow. The account keeps
// the key administrators' actions and may publish test messages itself.
func TopicKeyPolicy(account string) awsiam.Document {
	publish := []string{"kms:Decrypt", "kms:GenerateDataKey*"}
	admin := []string{
		"kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
		"kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
		"kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
	}
	return awsiam.Policy(
		awsiam.Statement{
			Sid: "AccountAdministers", Effect: "Allow", Resource: []string{"*"},
			Principal: map[string]any{"AWS": "arn:aws:iam::" + account + ":root"},
			Action:    append(admin, publish...),
		},
		awsiam.Statement{
			Sid: "CloudWatchAlarmsPublish", Effect: "Allow", Resource: []string{"*"},
			Principal: map[string]any{"Service": alarmPublisher},
			Action:    publish,
		},
	)
}

// notifications returns the alarm actions: none without an address, else
// an encrypted topic that e-mails it.
func (c *Chaos) notifications(name string) (pulumi.StringArray, error) {
	a := c.args
	if a.NotificationEmail == "" {
		return nil, nil
	}
	key, err := kms.NewKey(c.ctx, a.Prefix+"-steady-state", &kms.KeyArgs{
		Description:          pulumi.Sprintf("Encrypts the steady-state notifications of %s", a.Prefix),
		Policy:               pulumi.String(TopicKeyPolicy(a.AccountID).JSON()),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(7),
		Tags:                 pulumi.ToStringMap(a.Tags),
	}, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("chaos %s: notification key: %w", name, err)
	}
	topic, err := sns.NewTopic(c.ctx, a.Prefix+"-steady-state", &sns.TopicArgs{
		KmsMasterKeyId: key.Arn,
		Tags:           pulumi.ToStringMap(a.Tags),
	}, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("chaos %s: notification topic: %w", name, err)
	}
	if _, err := sns.NewTopicSubscription(c.ctx, a.Prefix+"-steady-state", &sns.TopicSubscriptionArgs{
		Topic:    topic.Arn,
		Protocol: pulumi.String("email"),
		Endpoint: pulumi.String(a.NotificationEmail),
	}, pulumi.Parent(c)); err != nil {
		return nil, fmt.Errorf("chaos %s: notification subscription: %w", name, err)
	}
	return pulumi.StringArray{topic.Arn}, nil
}
