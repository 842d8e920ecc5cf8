package standin

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

func urn(typ, name string) resource.URN {
	return resource.NewURN("dev", "workshop", "", tokens.Type(typ), name)
}

func props(m map[string]any) resource.PropertyMap { return resource.NewPropertyMapFromMap(m) }

func check(t *testing.T, p *AWS, typ, name string, olds, news resource.PropertyMap) plugin.CheckResponse {
	t.Helper()
	res, err := p.Check(context.Background(), plugin.CheckRequest{
		URN: urn(typ, name), Name: name, Type: tokens.Type(typ), Olds: olds, News: news, RandomSeed: []byte("seed"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Check must refuse what pulumi-aws refuses: the shapes come from the
// generated SDK (github.com/pulumi/pulumi-aws/sdk/v6, e.g. go/aws/iam/role.go:
// assumeRolePolicy is the one non-pointer field of roleArgs).
func TestCheckRejectsWhatTheSchemaRejects(t *testing.T) {
	p := NewAWS("ap-northeast-2", nil)
	for _, tc := range []struct {
		name, typ string
		inputs    map[string]any
		property  string
		reason    string
	}{
		{"missing required", "aws:iam/role:Role", map[string]any{"description": "x"}, "assumeRolePolicy", "Missing required property"},
		{"missing required nested", "aws:eks/nodeGroup:NodeGroup", map[string]any{
			"clusterName": "c", "nodeRoleArn": "arn", "subnetIds": []any{"subnet-1"},
			"scalingConfig": map[string]any{"minSize": 1, "maxSize": 2},
		}, "scalingConfig.desiredSize", "Missing required property"},
		{"wrong type", "aws:ec2/vpc:Vpc", map[string]any{"cidrBlock": 10}, "cidrBlock", "expected string, got number"},
		{"wrong element type", "aws:ec2/vpc:Vpc", map[string]any{"tags": map[string]any{"a": true}}, "tags.a", "expected string, got boolean"},
		{"unknown property", "aws:ec2/vpc:Vpc", map[string]any{"cidrBlok": "10.0.0.0/16"}, "cidrBlok", "unknown property"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := check(t, p, tc.typ, "x", nil, props(tc.inputs))
			i := slices.IndexFunc(res.Failures, func(f plugin.CheckFailure) bool { return string(f.Property) == tc.property })
			if i < 0 || !strings.Contains(res.Failures[i].Reason, tc.reason) {
				t.Fatalf("want a failure on %s saying %q, got %+v", tc.property, tc.reason, res.Failures)
			}
		})
	}
}

func TestCheckAcceptsAValidResourceAndUnknowns(t *testing.T) {
	p := NewAWS("ap-northeast-2", nil)
	inputs := props(map[string]any{"cidrBlock": "10.0.0.0/16", "enableDnsHostnames": true})
	inputs["tags"] = resource.MakeComputed(resource.NewStringProperty(""))
	if res := check(t, p, "aws:ec2/vpc:Vpc", "app", nil, inputs); len(res.Failures) > 0 {
		t.Fatalf("valid inputs refused: %+v", res.Failures)
	}
	// source is optional beside content (pulumi-aws sdk/v6
	// go/aws/s3/bucketObjectv2.go: Source pulumi.AssetOrArchive).
	object := props(map[string]any{"bucket": "b", "key": "k", "content": "x"})
	if res := check(t, p, "aws:s3/bucketObjectv2:BucketObjectv2", "o", nil, object); len(res.Failures) > 0 {
		t.Fatalf("an object with content refused: %+v", res.Failures)
	}
}

func TestCheckRefusesATypeItDoesNotKnow(t *testing.T) {
	p := NewAWS("ap-northeast-2", nil)
	_, err := p.Check(context.Background(), plugin.CheckRequest{URN: urn("aws:ec2/instance:Instance", "x"), Type: "aws:ec2/instance:Instance", News: props(nil)})
	if err == nil || !strings.Contains(err.Error(), "aws:ec2/instance:Instance") {
		t.Fatalf("want an error naming the type, got %v", err)
	}
}

// pulumi-aws auto-names resources whose name is optional: the logical name,
// a dash and seven random hex digits; an existing resource keeps its name.
func TestCheckAutoNamesAndKeepsTheName(t *testing.T) {
	p := NewAWS("ap-northeast-2", nil)
	trust := map[string]any{"assumeRolePolicy": "{}"}
	first := check(t, p, "aws:iam/role:Role", "nodes", nil, props(trust))
	name, _ := first.Properties["name"].V.(string)
	if !regexp.MustCompile(`^nodes-[0-9a-f]{7}$`).MatchString(name) {
		t.Fatalf("auto-name %q, want nodes-<7 hex>", name)
	}
	again := check(t, p, "aws:iam/role:Role", "nodes", props(map[string]any{"name": "nodes-abcdef0"}), props(trust))
	if got := again.Properties["name"].V; got != "nodes-abcdef0" {
		t.Fatalf("update renamed the role to %v", got)
	}
	bucket := check(t, p, "aws:s3/bucketV2:BucketV2", "artifacts", nil, props(nil))
	if _, ok := bucket.Properties["bucket"]; !ok {
		t.Fatalf("S3 bucket not auto-named by `bucket`: %v", bucket.Properties)
	}
	given := check(t, p, "aws:eks/cluster:Cluster", "c", nil, props(map[string]any{"name": "hello-dev-app", "roleArn": "arn", "vpcConfig": map[string]any{}}))
	if given.Properties["name"].V != "hello-dev-app" {
		t.Fatalf("a given name was replaced: %v", given.Properties["name"])
	}
}

func TestDiffReportsChangesAndReplacements(t *testing.T) {
	p := NewAWS("ap-northeast-2", nil)
	base := map[string]any{
		"clusterName": "c", "nodeGroupName": "default", "nodeRoleArn": "arn", "subnetIds": []any{"subnet-1"},
		"instanceTypes": []any{"t3.small"}, "scalingConfig": map[string]any{"minSize": 1, "maxSize": 9, "desiredSize": 3},
	}
	with := func(k string, v any) resource.PropertyMap {
		m := props(base)
		m[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
		return m
	}
	for _, tc := range []struct {
		name    string
		news    resource.PropertyMap
		changes plugin.DiffChanges
		replace []resource.PropertyKey
	}{
		{"same", props(base), plugin.DiffNone, nil},
		// terraform-provider-aws internal/service/eks/node_group.go:
		// instance_types is ForceNew, scaling_config is not.
		{"instance type replaces", with("instanceTypes", []any{"t3.medium"}), plugin.DiffSome, []resource.PropertyKey{"instanceTypes"}},
		{"scaling updates in place", with("scalingConfig", map[string]any{"minSize": 1, "maxSize": 6, "desiredSize": 3}), plugin.DiffSome, nil},
		{"unknown is a change", with("nodeRoleArn", resource.MakeComputed(resource.NewStringProperty(""))), plugin.DiffSome, []resource.PropertyKey{"nodeRoleArn"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := p.Diff(context.Background(), plugin.DiffRequest{Type: nodeGroupType, OldInputs: props(base), NewInputs: tc.news})
			if err != nil {
				t.Fatal(err)
			}
			if d.Changes != tc.changes || !slices.Equal(d.ReplaceKeys, tc.replace) {
				t.Fatalf("diff %v replace %v, want %v replace %v", d.Changes, d.ReplaceKeys, tc.changes, tc.replace)
			}
			for path, pd := range d.DetailedDiff {
				if pd.Kind.IsReplace() != slices.Contains(tc.replace, resource.PropertyKey(rootKey(path))) {
					t.Errorf("detailed diff %s: %v", path, pd.Kind)
				}
			}
		})
	}
}

// Every replacement key must be an input of its type: a misspelt key would
// silently turn a replacement into an update.
func TestReplaceKeysAreInputs(t *testing.T) {
	for typ, at := range awsTypes {
		t.Run(typ, func(t *testing.T) {
			for k := range at.replace {
				if _, ok := at.inputs.props[k]; !ok {
					t.Errorf("replace key %q is not an input of %s", k, typ)
				}
			}
		})
	}
}

func create(t *testing.T, p *AWS, typ, name string, inputs map[string]any) plugin.CreateResponse {
	t.Helper()
	res, err := p.Create(context.Background(), plugin.CreateRequest{URN: urn(typ, name), Name: name, Type: tokens.Type(typ), Properties: props(inputs)})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// AWS refuses to delete a role with policies attached (IAM DeleteRole:
// DeleteConflict), a VPC with subnets (EC2 DeleteVpc: DependencyViolation),
// a bucket with objects (S3 DeleteBucket: BucketNotEmpty) unless forced.
func TestDeleteIsRefusedWhileInUse(t *testing.T) {
	for _, tc := range []struct {
		name             string
		typ, user        string
		inputs, useInput map[string]any
		useName          string
		code             string
	}{
		{"role with policy", "aws:iam/role:Role", "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
			map[string]any{"name": "r", "assumeRolePolicy": "{}"}, map[string]any{"role": "r", "policyArn": "arn:p"}, "", "DeleteConflict"},
		{"vpc with subnet", "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet",
			map[string]any{"cidrBlock": "10.0.0.0/16"}, map[string]any{"cidrBlock": "10.0.0.0/24"}, "vpcId", "DependencyViolation"},
		{"bucket with object", "aws:s3/bucketV2:BucketV2", "aws:s3/bucketObjectv2:BucketObjectv2",
			map[string]any{"bucket": "b"}, map[string]any{"bucket": "b", "key": "k"}, "", "BucketNotEmpty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewAWS("ap-northeast-2", nil)
			p.retry = 0
			res := create(t, p, tc.typ, "owner", tc.inputs)
			if tc.useName != "" {
				tc.useInput[tc.useName] = string(res.ID)
			}
			user := create(t, p, tc.user, "user", tc.useInput)
			del := func(typ string, id resource.ID) error {
				_, err := p.Delete(context.Background(), plugin.DeleteRequest{URN: urn(typ, "x"), Type: tokens.Type(typ), ID: id})
				return err
			}
			if err := del(tc.typ, res.ID); err == nil || !strings.Contains(err.Error(), tc.code) {
				t.Fatalf("delete in use: want %s, got %v", tc.code, err)
			}
			if err := del(tc.user, user.ID); err != nil {
				t.Fatal(err)
			}
			if err := del(tc.typ, res.ID); err != nil {
				t.Fatalf("delete once unused: %v", err)
			}
		})
	}
}

func TestForceDestroyEmptiesTheBucket(t *testing.T) {
	p := NewAWS("ap-northeast-2", nil)
	p.retry = 0
	b := create(t, p, "aws:s3/bucketV2:BucketV2", "b", map[string]any{"bucket": "b", "forceDestroy": true})
	create(t, p, "aws:s3/bucketObjectv2:BucketObjectv2", "o", map[string]any{"bucket": "b", "key": "k"})
	if _, err := p.Delete(context.Background(), plugin.DeleteRequest{Type: "aws:s3/bucketV2:BucketV2", ID: b.ID}); err != nil {
		t.Fatal(err)
	}
}

// A preview knows the inputs and leaves the rest of the outputs unknown, as
// a bridged provider's does.
func TestPreviewLeavesComputedOutputsUnknown(t *testing.T) {
	p := NewAWS("ap-northeast-2", nil)
	res, err := p.Create(context.Background(), plugin.CreateRequest{
		URN: urn("aws:iam/role:Role", "r"), Type: "aws:iam/role:Role", Preview: true,
		Properties: props(map[string]any{"name": "r-1234567", "assumeRolePolicy": "{}"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Properties["name"].V != "r-1234567" || !res.Properties["arn"].IsComputed() {
		t.Fatalf("preview outputs %v", res.Properties)
	}
}

func TestInvokesAnswerWithTheRealShapes(t *testing.T) {
	p := NewAWS("ap-northeast-2", nil)
	for _, tc := range []struct {
		tok  string
		args map[string]any
		key  string
		want any
	}{
		{"aws:index/getCallerIdentity:getCallerIdentity", nil, "accountId", "123456789012"},
		{"aws:index/getRegion:getRegion", nil, "name", "ap-northeast-2"},
		{"aws:eks/getAddonVersion:getAddonVersion", map[string]any{"addonName": "kube-proxy", "kubernetesVersion": "1.35", "mostRecent": true}, "version", "v1.35.0-eksbuild.1"},
	} {
		t.Run(tc.tok, func(t *testing.T) {
			res, err := p.Invoke(context.Background(), plugin.InvokeRequest{Tok: tokens.ModuleMember(tc.tok), Args: props(tc.args)})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Properties[resource.PropertyKey(tc.key)].V; got != tc.want {
				t.Fatalf("%s = %v, want %v", tc.key, got, tc.want)
			}
		})
	}
}
