package password

import (
	"reflect"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

func TestPasswordIsStoredOnceAndSecret(t *testing.T) {
	cloud := mockcloud.New("workshop", "test", "ap-northeast-2")
	var value string
	err := cloud.Run(nil, nil, func(ctx *pulumi.Context) error {
		var parent pulumi.ResourceState
		if err := ctx.RegisterComponentResource("test:index:Parent", "p", &parent); err != nil {
			return err
		}
		g, err := New(ctx, "db", "test password", map[string]string{"workshop": "t"}, &parent)
		if err != nil {
			return err
		}
		g.Value.ApplyT(func(v string) string { value = v; return v })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	versions := cloud.OfType("aws:secretsmanager/secretVersion:SecretVersion")
	if len(versions) != 1 {
		t.Fatalf("%d versions", len(versions))
	}
	v := versions[0]
	// Later runs draw a new random value; only the first may be stored.
	if !reflect.DeepEqual(v.IgnoreChanges, []string{"secretString"}) {
		t.Errorf("ignoreChanges = %v", v.IgnoreChanges)
	}
	if !v.Inputs["secretString"].ContainsSecrets() {
		t.Error("the password is not a Pulumi secret")
	}
	if value == "" || value != v.String("secretString") {
		t.Errorf("Value %q is not the stored password %q", value, v.String("secretString"))
	}
	secrets := cloud.OfType("aws:secretsmanager/secret:Secret")
	if len(secrets) != 1 || secrets[0].Input("recoveryWindowInDays") != 0.0 || secrets[0].Parent != "urn:pulumi:test::workshop::test:index:Parent::p" {
		t.Errorf("secret = %+v", secrets)
	}
}
