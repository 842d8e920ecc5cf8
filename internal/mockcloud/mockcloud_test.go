package mockcloud

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-eks/sdk/v3/go/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func newCloud() *Cloud { return New("workshop", "test", "ap-northeast-2") }

// The engine keys state by URN (type, name and parent chain), so it stops
// a program that registers two resources with one URN.
func TestDuplicateURNIsRejected(t *testing.T) {
	err := newCloud().Run(nil, nil, func(ctx *pulumi.Context) error {
		if _, err := s3.NewBucketV2(ctx, "b", nil); err != nil {
			return err
		}
		_, err := s3.NewBucketV2(ctx, "b", nil)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "Duplicate resource URN") {
		t.Fatalf("err = %v, want a duplicate URN error", err)
	}

	// The same name under another parent is another URN.
	err = newCloud().Run(nil, nil, func(ctx *pulumi.Context) error {
		var parent pulumi.ResourceState
		if err := ctx.RegisterComponentResource("test:index:Parent", "p", &parent); err != nil {
			return err
		}
		if _, err := s3.NewBucketV2(ctx, "b", nil); err != nil {
			return err
		}
		_, err := s3.NewBucketV2(ctx, "b", nil, pulumi.Parent(&parent))
		return err
	})
	if err != nil {
		t.Fatalf("same name, other parent: %v", err)
	}
}

func TestExportsAreRecordedWithTheirSecrecy(t *testing.T) {
	cloud := newCloud()
	err := cloud.Run(nil, nil, func(ctx *pulumi.Context) error {
		b, err := s3.NewBucketV2(ctx, "b", nil)
		if err != nil {
			return err
		}
		ctx.Export("bucket", b.Bucket)
		ctx.Export("password", pulumi.ToSecret(pulumi.String("p")))
		ctx.Export("nested", pulumi.Map{"n": pulumi.Int(2), "list": pulumi.ToStringArray([]string{"a"})})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := cloud.Exports()
	if e := got["bucket"]; !e.Known || e.Secret || !strings.HasPrefix(e.Value.(string), "b-") {
		t.Errorf("bucket = %+v", e)
	}
	if e := got["password"]; !e.Secret || e.Value != "p" {
		t.Errorf("password = %+v", e)
	}
	want := map[string]any{"n": 2.0, "list": []any{"a"}}
	if e := got["nested"]; !reflect.DeepEqual(e.Value, want) {
		t.Errorf("nested = %#v, want %#v", e.Value, want)
	}
	if names := cloud.ExportNames(); !reflect.DeepEqual(names, []string{"bucket", "nested", "password"}) {
		t.Errorf("names = %v", names)
	}
}

// In a preview of a new stack the provider has created nothing: ids and
// computed attributes are unknown, names picked by auto-naming are not.
func TestPreviewLeavesComputedOutputsUnknown(t *testing.T) {
	cloud := newCloud()
	var bucketName string
	err := cloud.Preview(nil, nil, func(ctx *pulumi.Context) error {
		vpc, err := ec2.NewVpc(ctx, "v", &ec2.VpcArgs{CidrBlock: pulumi.String("10.0.0.0/16")})
		if err != nil {
			return err
		}
		if _, err := ec2.NewSubnet(ctx, "s", &ec2.SubnetArgs{VpcId: vpc.ID(), CidrBlock: pulumi.String("10.0.0.0/24")}); err != nil {
			return err
		}
		b, err := s3.NewBucketV2(ctx, "b", nil)
		if err != nil {
			return err
		}
		b.Bucket.ApplyT(func(n string) string { bucketName = n; return n })
		ctx.Export("vpcArn", vpc.Arn)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	subnet, _ := cloud.Find("aws:ec2/subnet:Subnet", "s")
	if got := Plain(subnet.Inputs["vpcId"], true); got != UnknownMarker {
		t.Errorf("subnet vpcId = %v, want unknown in a preview", got)
	}
	if e := cloud.Exports()["vpcArn"]; e.Known {
		t.Errorf("vpc arn known in a preview: %+v", e)
	}
	if !strings.HasPrefix(bucketName, "b-") {
		t.Errorf("auto-named bucket %q should be known in a preview", bucketName)
	}
}

// ARN formats from the AWS Service Authorization Reference, "Resource types
// defined by ..." of each service.
func TestARNsHaveTheirServicesShape(t *testing.T) {
	cases := []struct {
		typ, name string
		inputs    map[string]any
		key, want string
	}{
		{"aws:ec2/vpc:Vpc", "v", nil, "arn", `^arn:aws:ec2:ap-northeast-2:123456789012:vpc/vpc-[0-9a-f]{17}$`},
		{"aws:ec2/subnet:Subnet", "s", nil, "arn", `^arn:aws:ec2:ap-northeast-2:123456789012:subnet/subnet-[0-9a-f]{17}$`},
		{"aws:ec2/flowLog:FlowLog", "f", nil, "arn", `^arn:aws:ec2:ap-northeast-2:123456789012:vpc-flow-log/fl-[0-9a-f]{17}$`},
		{"aws:ec2/eip:Eip", "e", nil, "publicIp", `^13\.124\.[0-9]+\.[0-9]+$`},
		{"aws:iam/role:Role", "r", map[string]any{"name": "x", "path": "/svc/"}, "arn", `^arn:aws:iam::123456789012:role/svc/x$`},
		{"aws:kms/key:Key", "k", nil, "arn", `^arn:aws:kms:ap-northeast-2:123456789012:key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`},
		{"aws:kms/alias:Alias", "a", map[string]any{"name": "alias/x"}, "arn", `^arn:aws:kms:ap-northeast-2:123456789012:alias/x$`},
		{"aws:cloudwatch/logGroup:LogGroup", "l", map[string]any{"name": "/aws/x"}, "arn", `^arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/x$`},
		{"aws:cloudwatch/metricAlarm:MetricAlarm", "m", map[string]any{"name": "n"}, "arn", `^arn:aws:cloudwatch:ap-northeast-2:123456789012:alarm:n$`},
		{"aws:eks/nodeGroup:NodeGroup", "n", map[string]any{"clusterName": "c", "nodeGroupName": "g"}, "arn", `^arn:aws:eks:ap-northeast-2:123456789012:nodegroup/c/g/[0-9a-f-]{36}$`},
		{"aws:eks/podIdentityAssociation:PodIdentityAssociation", "p", map[string]any{"clusterName": "c"}, "associationArn", `^arn:aws:eks:ap-northeast-2:123456789012:podidentityassociation/c/a-[0-9a-f]{17}$`},
		{"aws:eks/accessEntry:AccessEntry", "ae", map[string]any{"clusterName": "c", "principalArn": "arn:aws:iam::111122223333:role/p/r"}, "accessEntryArn", `^arn:aws:eks:ap-northeast-2:123456789012:access-entry/c/role/111122223333/r/[0-9a-f-]{36}$`},
		{"aws:secretsmanager/secret:Secret", "sec", map[string]any{"name": "db"}, "arn", `^arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:db-[0-9a-f]{6}$`},
		{"aws:sns/topic:Topic", "t", map[string]any{"name": "n"}, "arn", `^arn:aws:sns:ap-northeast-2:123456789012:n$`},
		{"aws:s3/bucketV2:BucketV2", "b", map[string]any{"bucket": "bk"}, "arn", `^arn:aws:s3:::bk$`},
		{"aws:ecr/repository:Repository", "repo", map[string]any{"name": "p/r"}, "repositoryUrl", `^123456789012\.dkr\.ecr\.ap-northeast-2\.amazonaws\.com/p/r$`},
		{"aws:vpclattice/serviceNetwork:ServiceNetwork", "sn", nil, "arn", `^arn:aws:vpc-lattice:ap-northeast-2:123456789012:servicenetwork/sn-[0-9a-f]{17}$`},
		{"aws:route53/zone:Zone", "z", nil, "arn", `^arn:aws:route53:::hostedzone/Z[0-9A-F]{20}$`},
	}
	for _, tc := range cases {
		t.Run(tc.typ, func(t *testing.T) {
			cloud := newCloud()
			_, out, err := cloud.NewResource(pulumi.MockResourceArgs{
				TypeToken: tc.typ, Name: tc.name, Custom: true, Inputs: resource.NewPropertyMapFromMap(tc.inputs),
			})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := Plain(out[resource.PropertyKey(tc.key)], false).(string)
			if !regexp.MustCompile(tc.want).MatchString(got) {
				t.Errorf("%s = %q, want %s", tc.key, got, tc.want)
			}
		})
	}
	// A type the harness has no shape for gets no invented ARN.
	_, out, _ := newCloud().NewResource(pulumi.MockResourceArgs{TypeToken: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", Name: "a", Custom: true})
	if _, ok := out["arn"]; ok {
		t.Errorf("role policy attachment has an arn: %v", out)
	}
}

func TestInvokeArgumentsAreChecked(t *testing.T) {
	cases := []struct {
		name    string
		token   string
		args    map[string]any
		wantErr string
	}{
		{"known argument", "aws:ec2/getManagedPrefixList:getManagedPrefixList", map[string]any{"name": "com.amazonaws.ap-northeast-2.vpc-lattice"}, ""},
		{"misspelled argument", "aws:ec2/getManagedPrefixList:getManagedPrefixList", map[string]any{"nmae": "x"}, `unknown argument "nmae"`},
		{"list of another region", "aws:ec2/getManagedPrefixList:getManagedPrefixList", map[string]any{"name": "com.amazonaws.us-east-1.s3"}, "no managed prefix list"},
		{"password too short", "aws:secretsmanager/getRandomPassword:getRandomPassword", map[string]any{"passwordLength": 3}, "outside 4 to 4096"},
		{"unknown function", "aws:ec2/getVpc:getVpc", nil, "no answer for function"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newCloud().Call(pulumi.MockCallArgs{Token: tc.token, Args: resource.NewPropertyMapFromMap(tc.args)})
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestInvokesAnswerWhatWasAsked(t *testing.T) {
	cloud := newCloud()
	var password, account string
	err := cloud.Run(nil, nil, func(ctx *pulumi.Context) error {
		id, err := aws.GetCallerIdentity(ctx, nil)
		if err != nil {
			return err
		}
		account = id.AccountId
		pw, err := secretsmanager.GetRandomPassword(ctx, &secretsmanager.GetRandomPasswordArgs{
			PasswordLength: pulumi.IntRef(20), ExcludePunctuation: pulumi.BoolRef(true),
		})
		if err != nil {
			return err
		}
		password = pw.RandomPassword
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if account != AccountID || !regexp.MustCompile(`^[A-Za-z0-9]{20}$`).MatchString(password) {
		t.Errorf("account %q, password %q", account, password)
	}
}

// On an update the engine gives the provider the prior value at every
// ignoreChanges path, whatever the program passed.
func TestIgnoreChangesKeepsThePriorValue(t *testing.T) {
	cloud := newCloud()
	urn := "urn:pulumi:test::workshop::aws:secretsmanager/secretVersion:SecretVersion::v"
	cloud.Prior = map[string]resource.PropertyMap{urn: {"secretString": resource.NewProperty("stored")}}
	var got string
	err := cloud.Run(nil, nil, func(ctx *pulumi.Context) error {
		v, err := secretsmanager.NewSecretVersion(ctx, "v", &secretsmanager.SecretVersionArgs{
			SecretId: pulumi.String("s"), SecretString: pulumi.String("fresh"),
		}, pulumi.IgnoreChanges([]string{"secretString"}))
		if err != nil {
			return err
		}
		v.SecretString.Elem().ApplyT(func(s string) string { got = s; return s })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != "stored" {
		t.Errorf("secretString = %q, want the prior value", got)
	}
	if v, _ := cloud.ByURN(urn); v.String("secretString") != "fresh" {
		t.Errorf("recorded inputs should be what the program sent: %v", v.Inputs)
	}
}

// pulumi-eks returns the aws:eks Cluster it wraps as eksCluster; its name
// is known and not secret, unlike the kubeconfig.
func TestEKSClusterOutputsItsCluster(t *testing.T) {
	for _, preview := range []bool{false, true} {
		t.Run(map[bool]string{false: "up", true: "preview"}[preview], func(t *testing.T) {
			cloud := newCloud()
			var name string
			var secret bool
			program := func(ctx *pulumi.Context) error {
				c, err := eks.NewCluster(ctx, "c", &eks.ClusterArgs{Name: pulumi.String("hello-test-app")})
				if err != nil {
					return err
				}
				n := c.EksCluster.Name().ApplyT(func(s string) string { name = s; return s })
				secret = pulumi.IsSecret(n)
				return nil
			}
			run := cloud.Run
			if preview {
				run = cloud.Preview
			}
			if err := run(nil, nil, program); err != nil {
				t.Fatal(err)
			}
			if name != "hello-test-app" || secret {
				t.Errorf("eksCluster name %q (secret %v)", name, secret)
			}
		})
	}
}
