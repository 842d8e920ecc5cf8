package mockcloud

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// idPrefixes gives EC2 ids their real shape, which some inputs are checked against.
var idPrefixes = map[string]string{
	"aws:ec2/vpc:Vpc":                             "vpc-",
	"aws:ec2/subnet:Subnet":                       "subnet-",
	"aws:ec2/internetGateway:InternetGateway":     "igw-",
	"aws:ec2/natGateway:NatGateway":               "nat-",
	"aws:ec2/eip:Eip":                             "eipalloc-",
	"aws:ec2/routeTable:RouteTable":               "rtb-",
	"aws:ec2/launchTemplate:LaunchTemplate":       "lt-",
	"aws:ec2/securityGroup:SecurityGroup":         "sg-",
	"aws:ec2/flowLog:FlowLog":                     "fl-",
	"aws:ec2/vpcEndpoint:VpcEndpoint":             "vpce-",
	"aws:ec2/securityGroupRule:SecurityGroupRule": "sgrule-",
}

// Answer returns the id and output state the simulated cloud gives a
// resource: its inputs plus the computed attributes our program reads. The
// stand-in providers of internal/harness/standin answer the real engine with it.
func (c *Cloud) Answer(r Resource) (string, resource.PropertyMap) { return c.answer(r) }

func (c *Cloud) answer(r Resource) (string, resource.PropertyMap) {
	out := r.Inputs.Copy()
	set := func(k string, v any) { out[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	has := func(k string) bool { _, ok := out[resource.PropertyKey(k)]; return ok }
	name := func(k string) string {
		if !has(k) {
			set(k, autoName(r))
		}
		s, _ := Plain(out[resource.PropertyKey(k)], false).(string)
		return s
	}
	arn := func(rest string) string {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", awsService(r.Type), c.Region, AccountID, rest)
	}

	id := ""
	switch r.Type {
	case "aws:s3/bucketV2:BucketV2":
		id = name("bucket")
		set("arn", "arn:aws:s3:::"+id)
		set("bucketRegionalDomainName", id+".s3."+c.Region+".amazonaws.com")
	case "aws:iam/role:Role":
		id = name("name")
		set("arn", "arn:aws:iam::"+AccountID+":role/"+id)
		set("uniqueId", "AROA"+strings.ToUpper(shortHash(id)))
	case "aws:iam/policy:Policy":
		id = "arn:aws:iam::" + AccountID + ":policy/" + name("name")
		set("arn", id)
	case "aws:kms/key:Key":
		id = "key-" + shortHash(r.URN)
		set("keyId", id)
		set("arn", arn("key/"+id))
	case "aws:kms/alias:Alias":
		id = name("name")
		set("arn", arn(id))
	case "aws:cloudwatch/logGroup:LogGroup":
		id = name("name")
		set("arn", arn("log-group:"+id))
	case "aws:eks/nodeGroup:NodeGroup":
		id = fmt.Sprintf("%v:%s", Plain(out["clusterName"], false), name("nodeGroupName"))
		set("arn", arn("nodegroup/"+id))
		set("resources", []any{map[string]any{
			"autoscalingGroups": []any{map[string]any{"name": "eks-" + shortHash(id)}},
		}})
	case "aws:eks/addon:Addon", "aws:eks/podIdentityAssociation:PodIdentityAssociation",
		"aws:eks/accessEntry:AccessEntry":
		id = autoName(r)
		set("arn", arn(r.Type[strings.LastIndexByte(r.Type, ':')+1:]+"/"+id))
		set("associationId", "a-"+shortHash(id))
	case "aws:ec2/launchTemplate:LaunchTemplate":
		id = idPrefixes[r.Type] + shortHash(r.URN)
		set("latestVersion", 1)
		set("arn", arn("launch-template/"+id))
	case "aws:ecr/repository:Repository":
		id = name("name")
		set("arn", arn("repository/"+id))
		set("repositoryUrl", fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", AccountID, c.Region, id))
	case "aws:codebuild/project:Project":
		id = name("name")
		set("arn", arn("project/"+id))
	case "eks:index:Cluster":
		c.answerEKSCluster(r, out)
	case "kubernetes:helm.sh/v4:Chart", "kubernetes:yaml/v2:ConfigGroup", "kubernetes:yaml/v2:ConfigFile":
		set("resources", []any{})
	default:
		if strings.HasPrefix(r.Type, "pulumi:providers:") {
			id = "provider-" + shortHash(r.URN)
		} else if prefix, ok := idPrefixes[r.Type]; ok {
			id = prefix + shortHash(r.URN)
		} else if r.Custom {
			id = autoName(r)
		}
		if strings.HasPrefix(r.Type, "aws:") && !has("arn") {
			set("arn", arn(id))
		}
	}
	if r.Custom && id == "" {
		id = autoName(r)
	}
	return id, out
}

// answerEKSCluster fills in what pulumi-eks returns for eks:index:Cluster; as a
// remote component it creates no children under mocks.
func (c *Cloud) answerEKSCluster(r Resource, out resource.PropertyMap) {
	clusterName, _ := Plain(out["name"], false).(string)
	if clusterName == "" {
		clusterName = autoName(r)
	}
	issuer := fmt.Sprintf("oidc.eks.%s.amazonaws.com/id/%s", c.Region, strings.ToUpper(shortHash(clusterName)))
	endpoint := fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", strings.ToUpper(shortHash(r.URN)), c.Region)
	kubeconfig := map[string]any{
		"apiVersion": "v1",
		"kind":       "Config",
		"clusters": []any{map[string]any{"name": "kubernetes", "cluster": map[string]any{
			"server": endpoint, "certificate-authority-data": "LS0tLS1CRUdJTi1DRVJU",
		}}},
		"contexts": []any{map[string]any{"name": "aws", "context": map[string]any{
			"cluster": "kubernetes", "user": "aws",
		}}},
		"current-context": "aws",
		"users": []any{map[string]any{"name": "aws", "user": map[string]any{"exec": map[string]any{
			"apiVersion": "client.authentication.k8s.io/v1beta1",
			"command":    "aws",
			"args":       []any{"--region", c.Region, "eks", "get-token", "--cluster-name", clusterName, "--output", "json"},
		}}}},
	}
	raw, _ := json.Marshal(kubeconfig)
	for k, v := range map[string]any{
		"kubeconfig":             kubeconfig,
		"kubeconfigJson":         string(raw),
		"oidcIssuer":             issuer,
		"oidcProviderUrl":        "https://" + issuer,
		"oidcProviderArn":        "arn:aws:iam::" + AccountID + ":oidc-provider/" + issuer,
		"clusterSecurityGroupId": "sg-" + shortHash(clusterName+"/cluster"),
		"nodeSecurityGroupId":    "sg-" + shortHash(clusterName+"/node"),
	} {
		out[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
	}
	out["kubeconfigJson"] = resource.MakeSecret(out["kubeconfigJson"])
	out["kubeconfig"] = resource.MakeSecret(out["kubeconfig"])
}
