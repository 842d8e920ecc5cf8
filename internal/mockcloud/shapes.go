package mockcloud

import (
	"crypto/sha256"
	"fmt"
	"strings"
)

// shapes give each AWS resource type the id and computed attributes the
// provider returns, with ARNs in the format of the "Resource types defined
// by ..." table of the service's page in the AWS Service Authorization
// Reference (https://docs.aws.amazon.com/service-authorization/latest/reference/,
// list_amazonec2.html, list_awsidentityandaccessmanagementiam.html,
// list_amazonelastickubernetesservice.html, list_amazoncloudwatchlogs.html, ...).
// A type without an entry gets no invented attributes.
var shapes = map[string]func(a *answerer) string{
	"aws:s3/bucketV2:BucketV2": func(a *answerer) string {
		b := a.name("bucket")
		a.computed("arn", "arn:aws:s3:::"+b)
		a.computed("bucketRegionalDomainName", b+".s3."+a.c.Region+".amazonaws.com")
		return b
	},
	// The bucket's settings resources have the bucket's name as id and no ARN.
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     bucketSetting,
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     bucketSetting,
	"aws:s3/bucketPolicy:BucketPolicy":                                                           bucketSetting,
	"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               bucketSetting,
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       bucketSetting,
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": bucketSetting,
	"aws:s3/bucketObjectv2:BucketObjectv2": func(a *answerer) string {
		a.computed("arn", "arn:aws:s3:::"+a.input("bucket")+"/"+a.input("key"))
		a.computed("etag", a.hex(32))
		return a.input("key")
	},
	"aws:iam/role:Role": func(a *answerer) string {
		n := a.name("name")
		a.computed("arn", "arn:aws:iam::"+AccountID+":role"+iamPath(a)+n)
		a.computed("uniqueId", "AROA"+strings.ToUpper(a.hex(17)))
		return n
	},
	"aws:iam/policy:Policy": func(a *answerer) string {
		arn := "arn:aws:iam::" + AccountID + ":policy" + iamPath(a) + a.name("name")
		a.computed("arn", arn)
		return arn
	},
	"aws:iam/rolePolicy:RolePolicy": func(a *answerer) string {
		return a.input("role") + ":" + a.name("name")
	},
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment": func(a *answerer) string {
		return a.input("role") + "-" + a.hex(26)
	},
	"aws:kms/key:Key": func(a *answerer) string {
		id := a.uuid()
		a.computed("keyId", id)
		a.computed("arn", a.regional("kms", "key/"+id))
		return id
	},
	"aws:kms/alias:Alias": func(a *answerer) string {
		n := a.name("name")
		a.computed("arn", a.regional("kms", n))
		return n
	},
	"aws:cloudwatch/logGroup:LogGroup": func(a *answerer) string {
		n := a.name("name")
		a.computed("arn", a.regional("logs", "log-group:"+n))
		return n
	},
	"aws:cloudwatch/metricAlarm:MetricAlarm": func(a *answerer) string {
		n := a.name("name")
		a.computed("arn", a.regional("cloudwatch", "alarm:"+n))
		return n
	},
	"aws:cloudwatch/compositeAlarm:CompositeAlarm": func(a *answerer) string {
		n := a.name("alarmName")
		a.computed("arn", a.regional("cloudwatch", "alarm:"+n))
		return n
	},
	"aws:cloudwatch/dashboard:Dashboard": func(a *answerer) string {
		n := a.name("dashboardName")
		a.computed("dashboardArn", "arn:aws:cloudwatch::"+AccountID+":dashboard/"+n)
		return n
	},
	"aws:sns/topic:Topic": func(a *answerer) string {
		arn := a.regional("sns", a.name("name"))
		a.computed("arn", arn)
		return arn
	},
	"aws:sns/topicSubscription:TopicSubscription": func(a *answerer) string {
		arn := a.input("topic") + ":" + a.uuid()
		a.computed("arn", arn)
		return arn
	},
	"aws:secretsmanager/secret:Secret": func(a *answerer) string {
		// Secrets Manager appends six random characters to the name.
		arn := a.regional("secretsmanager", "secret:"+a.name("name")+"-"+a.hex(6))
		a.computed("arn", arn)
		return arn
	},
	"aws:secretsmanager/secretVersion:SecretVersion": func(a *answerer) string {
		v := a.uuid()
		a.computed("arn", a.input("secretId"))
		a.computed("versionId", v)
		return a.input("secretId") + "|" + v
	},
	"aws:ecr/repository:Repository": func(a *answerer) string {
		n := a.name("name")
		a.computed("arn", a.regional("ecr", "repository/"+n))
		a.computed("registryId", AccountID)
		a.computed("repositoryUrl", fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", AccountID, a.c.Region, n))
		return n
	},
	"aws:ecr/lifecyclePolicy:LifecyclePolicy": func(a *answerer) string {
		a.computed("registryId", AccountID)
		return a.input("repository")
	},
	"aws:codebuild/project:Project": func(a *answerer) string {
		n := a.name("name")
		a.computed("arn", a.regional("codebuild", "project/"+n))
		return n
	},
	"aws:eks/nodeGroup:NodeGroup": func(a *answerer) string {
		cluster, n := a.input("clusterName"), a.name("nodeGroupName")
		a.computed("arn", a.regional("eks", "nodegroup/"+cluster+"/"+n+"/"+a.uuid()))
		a.computed("status", "ACTIVE")
		a.computed("resources", []any{map[string]any{
			"autoscalingGroups": []any{map[string]any{"name": "eks-" + n + "-" + a.uuid()}},
		}})
		return cluster + ":" + n
	},
	"aws:eks/addon:Addon": func(a *answerer) string {
		cluster, n := a.input("clusterName"), a.input("addonName")
		a.computed("arn", a.regional("eks", "addon/"+cluster+"/"+n+"/"+a.uuid()))
		return cluster + ":" + n
	},
	"aws:eks/podIdentityAssociation:PodIdentityAssociation": func(a *answerer) string {
		cluster, id := a.input("clusterName"), "a-"+a.hex(17)
		a.computed("associationId", id)
		a.computed("associationArn", a.regional("eks", "podidentityassociation/"+cluster+"/"+id))
		return cluster + "," + id
	},
	"aws:eks/accessEntry:AccessEntry": func(a *answerer) string {
		cluster, principal := a.input("clusterName"), a.input("principalArn")
		a.computed("accessEntryArn", a.regional("eks", "access-entry/"+cluster+"/"+accessEntryIdentity(principal)+"/"+a.uuid()))
		return cluster + ":" + principal
	},
	"aws:eks/accessPolicyAssociation:AccessPolicyAssociation": func(a *answerer) string {
		return a.input("clusterName") + "#" + a.input("principalArn") + "#" + a.input("policyArn")
	},
	"aws:ec2/vpc:Vpc":                         ec2Shape("vpc", "vpc-"),
	"aws:ec2/subnet:Subnet":                   ec2Shape("subnet", "subnet-"),
	"aws:ec2/internetGateway:InternetGateway": ec2Shape("internet-gateway", "igw-"),
	"aws:ec2/routeTable:RouteTable":           ec2Shape("route-table", "rtb-"),
	"aws:ec2/securityGroup:SecurityGroup":     ec2Shape("security-group", "sg-"),
	"aws:ec2/flowLog:FlowLog":                 ec2Shape("vpc-flow-log", "fl-"),
	"aws:ec2/routeTableAssociation:RouteTableAssociation": func(a *answerer) string {
		return "rtbassoc-" + a.hex(17)
	},
	"aws:ec2/natGateway:NatGateway": func(a *answerer) string {
		return "nat-" + a.hex(17)
	},
	"aws:ec2/eip:Eip": func(a *answerer) string {
		id := ec2Shape("elastic-ip", "eipalloc-")(a)
		a.computed("allocationId", id)
		a.computed("publicIp", publicIPv4(a.r.URN))
		return id
	},
	"aws:ec2/launchTemplate:LaunchTemplate": func(a *answerer) string {
		id := ec2Shape("launch-template", "lt-")(a)
		a.computed("latestVersion", 1)
		return id
	},
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": func(a *answerer) string {
		id := ec2Shape("security-group-rule", "sgr-")(a)
		a.computed("securityGroupRuleId", id)
		return id
	},
	"aws:fis/experimentTemplate:ExperimentTemplate": func(a *answerer) string {
		id := "EXT" + strings.ToUpper(a.hex(14))
		a.computed("arn", a.regional("fis", "experiment-template/"+id))
		return id
	},
	"aws:route53/zone:Zone": func(a *answerer) string {
		id := "Z" + strings.ToUpper(a.hex(20))
		a.computed("zoneId", id)
		a.computed("arn", "arn:aws:route53:::hostedzone/"+id)
		return id
	},
	"aws:vpclattice/serviceNetwork:ServiceNetwork": func(a *answerer) string {
		id := "sn-" + a.hex(17)
		a.computed("arn", a.regional("vpc-lattice", "servicenetwork/"+id))
		return id
	},
	"aws:vpclattice/serviceNetworkVpcAssociation:ServiceNetworkVpcAssociation": func(a *answerer) string {
		id := "snva-" + a.hex(17)
		a.computed("arn", a.regional("vpc-lattice", "servicenetworkvpcassociation/"+id))
		return id
	},
	"aws:sqs/queue:Queue": func(a *answerer) string {
		n := a.name("name")
		a.computed("arn", a.regional("sqs", n))
		a.computed("url", fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", a.c.Region, AccountID, n))
		return a.c.Region + "/" + n
	},
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider": func(a *answerer) string {
		arn := "arn:aws:iam::" + AccountID + ":oidc-provider/" + strings.TrimPrefix(a.input("url"), "https://")
		a.computed("arn", arn)
		return arn
	},
}

func bucketSetting(a *answerer) string { return a.input("bucket") }

// ec2Shape is an EC2 resource: an id with the type's prefix and an ARN of
// the form arn:aws:ec2:<region>:<account>:<kind>/<id>.
func ec2Shape(kind, prefix string) func(a *answerer) string {
	return func(a *answerer) string {
		id := prefix + a.hex(17)
		a.computed("arn", a.regional("ec2", kind+"/"+id))
		return id
	}
}

// iamPath is the role or policy path, "/" unless the program set one.
func iamPath(a *answerer) string {
	if p := a.input("path"); p != "" {
		return p
	}
	return "/"
}

// accessEntryIdentity is the <type>/<account>/<name> part of an access
// entry ARN for a role or user principal.
func accessEntryIdentity(principal string) string {
	parts := strings.SplitN(principal, ":", 6)
	if len(parts) < 6 {
		return "unknown/" + AccountID + "/unknown"
	}
	kind, name, _ := strings.Cut(parts[5], "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return kind + "/" + parts[4] + "/" + name
}

// publicIPv4 is a stable public address in 13.124.0.0/16, an Amazon range
// in ap-northeast-2, so it never falls into a reserved block.
func publicIPv4(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return fmt.Sprintf("13.124.%d.%d", sum[0], max(sum[1], 1))
}

// KnowsType reports whether the simulated cloud has a shape for an AWS
// resource type, so a test can make sure every type a program uses gets
// its real id and ARN.
func KnowsType(typ string) bool {
	_, ok := shapes[typ]
	return ok
}
