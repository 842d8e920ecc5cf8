package password

import (
	"reflect"
	"regexp"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

const versionURN = "urn:pulumi:test::workshop::test:index:Parent$aws:secretsmanager/secretVersion:SecretVersion::db"

// run builds one password, with prior the stored secret string of an
// earlier `pulumi up` ("" for a first run), and returns the cloud and Value.
func run(t *testing.T, prior string) (*mockcloud.Cloud, string) {
	t.Helper()
	cloud := mockcloud.New("workshop", "test", "ap-northeast-2")
	if prior != "" {
		cloud.Prior = map[string]resource.PropertyMap{versionURN: {
			"secretString": resource.MakeSecret(resource.NewProperty(prior)),
		}}
	}
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
	return cloud, value
}

func TestFirstRunStoresAFreshPassword(t *testing.T) {
	cloud, value := run(t, "")
	versions := cloud.OfType("aws:secretsmanager/secretVersion:SecretVersion")
	if len(versions) != 1 || versions[0].URN != versionURN {
		t.Fatalf("versions = %+v", versions)
	}
	v := versions[0]
	if !v.Inputs["secretString"].ContainsSecrets() {
		t.Error("the password is not a Pulumi secret")
	}
	// Letters and digits only: it goes into URLs, YAML and shell.
	if !regexp.MustCompile(`^[A-Za-z0-9]{32}$`).MatchString(value) || value != v.String("secretString") {
		t.Errorf("Value %q, stored %q", value, v.String("secretString"))
	}
	secrets := cloud.OfType("aws:secretsmanager/secret:Secret")
	if len(secrets) != 1 || secrets[0].Input("recoveryWindowInDays") != 0.0 || secrets[0].Parent != "urn:pulumi:test::workshop::test:index:Parent::p" {
		t.Errorf("secret = %+v", secrets)
	}
}

// A later run draws a new random value; Value must still be the one stored
// first, which ignoreChanges keeps in the secret version.
func TestLaterRunsKeepTheStoredPassword(t *testing.T) {
	cloud, value := run(t, "StoredByTheFirstRun")
	if value != "StoredByTheFirstRun" {
		t.Errorf("Value = %q, want the stored password", value)
	}
	v, _ := cloud.ByURN(versionURN)
	if !reflect.DeepEqual(v.IgnoreChanges, []string{"secretString"}) {
		t.Errorf("ignoreChanges = %v", v.IgnoreChanges)
	}
}
