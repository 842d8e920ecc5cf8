package cluster

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

func TestGrantAccessScopes(t *testing.T) {
	cloud := mockcloud.New("workshop", "test", "ap-northeast-2")
	err := cloud.Run(nil, nil, func(ctx *pulumi.Context) error {
		if _, err := GrantAccess(ctx, "whole", AccessGrant{
			ClusterName: pulumi.String("c"), PrincipalArn: pulumi.String("arn:aws:iam::1:role/a"), Policy: "AmazonEKSClusterAdminPolicy",
		}); err != nil {
			return err
		}
		_, err := GrantAccess(ctx, "ns", AccessGrant{
			ClusterName: pulumi.String("c"), PrincipalArn: pulumi.String("arn:aws:iam::1:role/b"), Policy: "AmazonEKSEditPolicy", Namespaces: []string{"yelb"},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := cloud.Find("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "whole")
	ns, _ := cloud.Find("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "ns")
	if whole.Input("accessScope").(map[string]any)["type"] != "cluster" ||
		whole.String("policyArn") != "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" {
		t.Errorf("whole = %v", whole.Inputs)
	}
	scope := ns.Input("accessScope").(map[string]any)
	if scope["type"] != "namespace" || scope["namespaces"].([]any)[0] != "yelb" || ns.String("principalArn") != "arn:aws:iam::1:role/b" {
		t.Errorf("ns = %v", ns.Inputs)
	}
	entry, _ := cloud.Find("aws:eks/accessEntry:AccessEntry", "ns")
	if entry.String("type") != "STANDARD" {
		t.Errorf("entry = %v", entry.Inputs)
	}
}

// pulumi-eks v3.9.1 creates every cluster with
// bootstrapClusterCreatorAdminPermissions true (github.com/pulumi/pulumi-eks
// nodejs/eks/cluster/cluster.ts), so EKS already has an access entry for
// the deploying principal, and "an IAM principal can't be included in more
// than one access entry" (EKS user guide, creating-access-entries.html).
func TestCreatorCannotBeListedAsAdmin(t *testing.T) {
	cases := []struct {
		name, caller string
		admins       []string
		conflict     bool
	}{
		{"role session against role with a path", "arn:aws:sts::111122223333:assumed-role/Admin/alice", []string{"arn:aws:iam::111122223333:role/team/Admin"}, true},
		{"role names ignore case", "arn:aws:sts::111122223333:assumed-role/admin/alice", []string{"arn:aws:iam::111122223333:role/Admin"}, true},
		{"user", "arn:aws:iam::111122223333:user/alice", []string{"arn:aws:iam::111122223333:user/alice"}, true},
		{"same name, other account", "arn:aws:sts::111122223333:assumed-role/Admin/alice", []string{"arn:aws:iam::444455556666:role/Admin"}, false},
		{"user and role of one name", "arn:aws:iam::111122223333:user/Admin", []string{"arn:aws:iam::111122223333:role/Admin"}, false},
		{"root caller", "arn:aws:iam::111122223333:root", []string{"arn:aws:iam::111122223333:role/Admin"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckAdminsExcludeCreator(tc.admins, tc.caller)
			if (err != nil) != tc.conflict {
				t.Errorf("err = %v, want conflict %v", err, tc.conflict)
			}
			if err != nil && !strings.Contains(err.Error(), "remove it from the list") {
				t.Errorf("err %v does not say what to do", err)
			}
		})
	}
}

func TestParsePrincipal(t *testing.T) {
	cases := map[string]Principal{
		"arn:aws:iam::111122223333:role/a/b/Admin": {Account: "111122223333", Kind: "role", Name: "Admin"},
		"arn:aws:iam::111122223333:user/alice":     {Account: "111122223333", Kind: "user", Name: "alice"},
	}
	for arn, want := range cases {
		t.Run(arn, func(t *testing.T) {
			want.ARN = arn
			if got, ok := ParsePrincipal(arn); !ok || got != want {
				t.Errorf("got %+v %v, want %+v", got, ok, want)
			}
		})
	}
	for _, bad := range []string{"alice", "arn:aws:iam::1:role/x", "arn:aws:sts::111122223333:assumed-role/A/s", "arn:aws:iam::111122223333:group/g"} {
		t.Run(bad, func(t *testing.T) {
			if _, ok := ParsePrincipal(bad); ok {
				t.Errorf("%s parsed", bad)
			}
		})
	}
}
