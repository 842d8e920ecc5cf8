package mockcloud

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// function is one provider function the simulated cloud answers: the SDK's
// argument type (its `pulumi` tags are the function's schema) and the answer.
type function struct {
	args   any
	answer func(c *Cloud, args resource.PropertyMap) (map[string]any, error)
}

var functions = map[string]function{
	"aws:index/getCallerIdentity:getCallerIdentity": {aws.GetCallerIdentityArgs{}, func(*Cloud, resource.PropertyMap) (map[string]any, error) {
		return map[string]any{
			"accountId": AccountID,
			"arn":       "arn:aws:iam::" + AccountID + ":user/workshop",
			"userId":    "AIDAWORKSHOP",
			"id":        AccountID,
		}, nil
	}},
	"aws:index/getPartition:getPartition": {aws.GetPartitionArgs{}, func(*Cloud, resource.PropertyMap) (map[string]any, error) {
		return map[string]any{"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, nil
	}},
	"aws:index/getRegion:getRegion": {aws.GetRegionArgs{}, func(c *Cloud, _ resource.PropertyMap) (map[string]any, error) {
		return map[string]any{
			"name": c.Region, "region": c.Region, "id": c.Region,
			"endpoint": "ec2." + c.Region + ".amazonaws.com",
		}, nil
	}},
	"aws:secretsmanager/getRandomPassword:getRandomPassword": {secretsmanager.GetRandomPasswordArgs{}, randomPassword},
	"aws:ec2/getManagedPrefixList:getManagedPrefixList":      {ec2.LookupManagedPrefixListArgs{}, managedPrefixList},
}

// Call implements pulumi.MockResourceMonitor for the functions the program
// uses; an argument the function does not declare, or a required one left
// out, fails the call as the provider would.
func (c *Cloud) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	c.mu.Lock()
	c.invokes = append(c.invokes, args.Token)
	c.mu.Unlock()
	fn, ok := functions[args.Token]
	if !ok {
		return nil, fmt.Errorf("mockcloud: no answer for function %s", args.Token)
	}
	if err := checkArgs(args.Token, reflect.TypeOf(fn.args), args.Args); err != nil {
		return nil, err
	}
	out, err := fn.answer(c, args.Args)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", args.Token, err)
	}
	return resource.NewPropertyMapFromMap(out), nil
}

// checkArgs compares the arguments with the fields of the SDK's argument
// struct: unknown names and missing required (non-pointer) fields fail.
func checkArgs(token string, schema reflect.Type, args resource.PropertyMap) error {
	declared := map[string]bool{}
	for i := range schema.NumField() {
		f := schema.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("pulumi"), ",")
		if name == "" {
			continue
		}
		declared[name] = true
		switch f.Type.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		default:
			if v, ok := args[resource.PropertyKey(name)]; !ok || v.IsNull() {
				return fmt.Errorf("%s: missing required argument %q", token, name)
			}
		}
	}
	for _, k := range args.StableKeys() {
		if !declared[string(k)] {
			return fmt.Errorf("%s: unknown argument %q", token, k)
		}
	}
	return nil
}

// randomPassword honours the length and character classes asked for;
// Secrets Manager's default length is 32.
func randomPassword(_ *Cloud, args resource.PropertyMap) (map[string]any, error) {
	n := 32
	if v, ok := args["passwordLength"]; ok && v.IsNumber() {
		n = int(v.NumberValue())
	}
	if n < 4 || n > 4096 {
		return nil, fmt.Errorf("passwordLength %d is outside 4 to 4096", n)
	}
	chars := "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	if v, ok := args["excludePunctuation"]; !ok || !v.IsBool() || !v.BoolValue() {
		chars += "!#$%&()*+,-./:;<=>?@[]^_{|}~"
	}
	seed := hexOf(fmt.Sprint(args.Mappable()), 64)
	pw := make([]byte, n)
	for i := range pw {
		pw[i] = chars[int(seed[i%len(seed)])*(i+1)%len(chars)]
	}
	return map[string]any{"randomPassword": string(pw), "id": "password"}, nil
}

// managedPrefixList answers for an AWS-managed list named
// com.amazonaws.<region>.<service>, the only kind the program looks up.
func managedPrefixList(c *Cloud, args resource.PropertyMap) (map[string]any, error) {
	v, ok := args["name"]
	if !ok || !v.IsString() {
		return nil, fmt.Errorf("expected the list's name")
	}
	name := v.StringValue()
	prefix := "com.amazonaws." + c.Region + "."
	if !strings.HasPrefix(name, prefix) || slices.Contains([]string{"", "."}, strings.TrimPrefix(name, prefix)) {
		return nil, fmt.Errorf("no managed prefix list %q in %s; expected %s<service>", name, c.Region, prefix)
	}
	id := "pl-" + hexOf(name, 8)
	return map[string]any{
		"id": id, "name": name, "addressFamily": "IPv4", "ownerId": "AWS",
		"arn": fmt.Sprintf("arn:aws:ec2:%s:aws:prefix-list/%s", c.Region, id),
	}, nil
}
