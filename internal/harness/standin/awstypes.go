package standin

import (
	"reflect"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/codebuild"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/fis"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpclattice"
)

// AWSVersion is the pulumi-aws release the program's SDK asks for; the
// stand-in answers as that version, so the engine sees no mismatch.
const AWSVersion = "6.83.4"

// awsType is what the stand-in knows of one resource type.
type awsType struct {
	inputs *shape
	// outputs are every output property the SDK's resource type declares.
	outputs []string
	// replace are the input properties whose change replaces the resource.
	replace map[string]bool
	// autoName is the property Check fills in when the program leaves it
	// out, as pulumi-aws's auto-naming does.
	autoName string
}

type argsType interface{ ElementType() reflect.Type }

// typeOf reads a resource type from the SDK: A its Args, R its resource.
func typeOf[A argsType, R any](replace ...string) awsType {
	var args A
	t := awsType{inputs: shapeOf(args.ElementType(), map[reflect.Type]*shape{}), replace: map[string]bool{}}
	res := reflect.TypeFor[R]()
	for i := range res.NumField() {
		if name, ok := res.Field(i).Tag.Lookup("pulumi"); ok {
			t.outputs = append(t.outputs, name)
		}
	}
	for _, k := range replace {
		t.replace[k] = true
	}
	// pulumi-aws auto-names every resource whose `name` is optional; S3
	// buckets by `bucket`.
	for _, k := range []string{"name", "bucket"} {
		if p, ok := t.inputs.props[k]; ok && !p.required && p.shape.kind == kindString {
			t.autoName = k
			t.replace[k] = true
			break
		}
	}
	return t
}

// awsTypes are the resource types the program (and pulumi-eks for it)
// creates. A type missing here fails Check, naming it.
//
// Replacement keys: NodeGroup's from terraform-provider-aws
// internal/service/eks/node_group.go (ForceNew on ami_type, cluster_name,
// disk_size, instance_types, launch_template.id, node_group_name,
// node_role_arn, subnet_ids), SecretVersion's from
// internal/service/secretsmanager/secret_version.go (secret_id,
// secret_string), RolePolicyAttachment's from
// internal/service/iam/role_policy_attachment.go (role, policy_arn).
// Elsewhere the physical name (see typeOf) and the parent a resource lives
// in, following the provider's convention; not each read upstream.
var awsTypes = map[string]awsType{
	"aws:cloudwatch/compositeAlarm:CompositeAlarm":                         typeOf[cloudwatch.CompositeAlarmArgs, cloudwatch.CompositeAlarm]("alarmName"),
	"aws:cloudwatch/dashboard:Dashboard":                                   typeOf[cloudwatch.DashboardArgs, cloudwatch.Dashboard]("dashboardName"),
	"aws:cloudwatch/logGroup:LogGroup":                                     typeOf[cloudwatch.LogGroupArgs, cloudwatch.LogGroup](),
	"aws:cloudwatch/metricAlarm:MetricAlarm":                               typeOf[cloudwatch.MetricAlarmArgs, cloudwatch.MetricAlarm]("name"),
	"aws:codebuild/project:Project":                                        typeOf[codebuild.ProjectArgs, codebuild.Project]("name"),
	"aws:ec2/eip:Eip":                                                      typeOf[ec2.EipArgs, ec2.Eip](),
	"aws:ec2/flowLog:FlowLog":                                              typeOf[ec2.FlowLogArgs, ec2.FlowLog]("vpcId"),
	"aws:ec2/internetGateway:InternetGateway":                              typeOf[ec2.InternetGatewayArgs, ec2.InternetGateway](),
	"aws:ec2/launchTemplate:LaunchTemplate":                                typeOf[ec2.LaunchTemplateArgs, ec2.LaunchTemplate](),
	"aws:ec2/natGateway:NatGateway":                                        typeOf[ec2.NatGatewayArgs, ec2.NatGateway]("subnetId", "allocationId"),
	"aws:ec2/routeTable:RouteTable":                                        typeOf[ec2.RouteTableArgs, ec2.RouteTable]("vpcId"),
	"aws:ec2/routeTableAssociation:RouteTableAssociation":                  typeOf[ec2.RouteTableAssociationArgs, ec2.RouteTableAssociation]("subnetId"),
	"aws:ec2/securityGroup:SecurityGroup":                                  typeOf[ec2.SecurityGroupArgs, ec2.SecurityGroup]("vpcId"),
	"aws:ec2/subnet:Subnet":                                                typeOf[ec2.SubnetArgs, ec2.Subnet]("vpcId", "cidrBlock", "availabilityZone"),
	"aws:ec2/vpc:Vpc":                                                      typeOf[ec2.VpcArgs, ec2.Vpc]("cidrBlock"),
	"aws:ecr/lifecyclePolicy:LifecyclePolicy":                              typeOf[ecr.LifecyclePolicyArgs, ecr.LifecyclePolicy]("repository"),
	"aws:ecr/repository:Repository":                                        typeOf[ecr.RepositoryArgs, ecr.Repository](),
	"aws:eks/accessEntry:AccessEntry":                                      typeOf[eks.AccessEntryArgs, eks.AccessEntry]("clusterName", "principalArn"),
	"aws:eks/accessPolicyAssociation:AccessPolicyAssociation":              typeOf[eks.AccessPolicyAssociationArgs, eks.AccessPolicyAssociation]("clusterName", "principalArn", "policyArn"),
	"aws:eks/addon:Addon":                                                  typeOf[eks.AddonArgs, eks.Addon]("clusterName", "addonName"),
	"aws:eks/cluster:Cluster":                                              typeOf[eks.ClusterArgs, eks.Cluster](),
	"aws:eks/nodeGroup:NodeGroup":                                          typeOf[eks.NodeGroupArgs, eks.NodeGroup]("amiType", "clusterName", "diskSize", "instanceTypes", "nodeGroupName", "nodeRoleArn", "subnetIds"),
	"aws:eks/podIdentityAssociation:PodIdentityAssociation":                typeOf[eks.PodIdentityAssociationArgs, eks.PodIdentityAssociation]("clusterName", "namespace", "serviceAccount"),
	"aws:fis/experimentTemplate:ExperimentTemplate":                        typeOf[fis.ExperimentTemplateArgs, fis.ExperimentTemplate](),
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider":                  typeOf[iam.OpenIdConnectProviderArgs, iam.OpenIdConnectProvider]("url"),
	"aws:iam/role:Role":                                                    typeOf[iam.RoleArgs, iam.Role](),
	"aws:iam/rolePolicy:RolePolicy":                                        typeOf[iam.RolePolicyArgs, iam.RolePolicy]("role"),
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment":                    typeOf[iam.RolePolicyAttachmentArgs, iam.RolePolicyAttachment]("role", "policyArn"),
	"aws:kms/alias:Alias":                                                  typeOf[kms.AliasArgs, kms.Alias](),
	"aws:kms/key:Key":                                                      typeOf[kms.KeyArgs, kms.Key](),
	"aws:route53/zone:Zone":                                                typeOf[route53.ZoneArgs, route53.Zone]("name"),
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2": typeOf[s3.BucketLifecycleConfigurationV2Args, s3.BucketLifecycleConfigurationV2]("bucket"),
	"aws:s3/bucketObjectv2:BucketObjectv2":                                 typeOf[s3.BucketObjectv2Args, s3.BucketObjectv2]("bucket", "key"),
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":               typeOf[s3.BucketOwnershipControlsArgs, s3.BucketOwnershipControls]("bucket"),
	"aws:s3/bucketPolicy:BucketPolicy":                                     typeOf[s3.BucketPolicyArgs, s3.BucketPolicy]("bucket"),
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":               typeOf[s3.BucketPublicAccessBlockArgs, s3.BucketPublicAccessBlock]("bucket"),
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": typeOf[s3.BucketServerSideEncryptionConfigurationV2Args, s3.BucketServerSideEncryptionConfigurationV2]("bucket"),
	"aws:s3/bucketV2:BucketV2":                                                 typeOf[s3.BucketV2Args, s3.BucketV2](),
	"aws:s3/bucketVersioningV2:BucketVersioningV2":                             typeOf[s3.BucketVersioningV2Args, s3.BucketVersioningV2]("bucket"),
	"aws:secretsmanager/secret:Secret":                                         typeOf[secretsmanager.SecretArgs, secretsmanager.Secret](),
	"aws:secretsmanager/secretVersion:SecretVersion":                           typeOf[secretsmanager.SecretVersionArgs, secretsmanager.SecretVersion]("secretId", "secretString"),
	"aws:sns/topic:Topic":                                                      typeOf[sns.TopicArgs, sns.Topic](),
	"aws:sns/topicSubscription:TopicSubscription":                              typeOf[sns.TopicSubscriptionArgs, sns.TopicSubscription](),
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":                typeOf[vpc.SecurityGroupIngressRuleArgs, vpc.SecurityGroupIngressRule]("securityGroupId"),
	"aws:vpclattice/serviceNetwork:ServiceNetwork":                             typeOf[vpclattice.ServiceNetworkArgs, vpclattice.ServiceNetwork](),
	"aws:vpclattice/serviceNetworkVpcAssociation:ServiceNetworkVpcAssociation": typeOf[vpclattice.ServiceNetworkVpcAssociationArgs, vpclattice.ServiceNetworkVpcAssociation]("serviceNetworkIdentifier", "vpcIdentifier"),
}

// Knows says whether the stand-in can serve resources of type typ.
func Knows(typ string) bool {
	_, ok := awsTypes[typ]
	return ok
}
