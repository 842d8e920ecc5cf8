package addons

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TestFormerParent: a URN's type chain ends with the resource's own type,
// just before "::<name>"; only that last type changes.
func TestFormerParent(t *testing.T) {
	for in, want := range map[pulumi.URN]pulumi.URN{
		"urn:pulumi:dev::workshop::workshop:addons:AddOns$kubernetes:yaml/v2:ConfigGroup::hello-dev-app-gateway-api-crds": "urn:pulumi:dev::workshop::workshop:addons:AddOns$kubernetes:yaml/v2:ConfigFile::hello-dev-app-gateway-api-crds",
		"urn:pulumi:dev::workshop::kubernetes:yaml/v2:ConfigGroup::crds":                                                  "urn:pulumi:dev::workshop::kubernetes:yaml/v2:ConfigFile::crds",
		"urn:pulumi:dev::workshop::kubernetes:yaml/v2:ConfigGroup$kubernetes:core/v1:Namespace::ns":                       "urn:pulumi:dev::workshop::kubernetes:yaml/v2:ConfigGroup$kubernetes:core/v1:Namespace::ns",
	} {
		if got := formerParent(in); got != want {
			t.Errorf("formerParent(%s) = %s, want %s", in, got, want)
		}
	}
}
