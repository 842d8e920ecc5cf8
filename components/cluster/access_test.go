package cluster

import (
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
