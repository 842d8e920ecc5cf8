package addons

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
)

// OIDCProvider is an EKS cluster's IAM OIDC identity provider.
type OIDCProvider struct {
	Arn pulumi.StringInput
	// Url is the issuer URL, with or without its https:// scheme.
	Url pulumi.StringInput
}

// IRSATrust lets one Kubernetes service account assume a role with the web
// identity token EKS projects into its pods (EKS user guide,
// associate-service-account-role.html: the issuer without its scheme,
// ":sub" naming the service account and ":aud" sts.amazonaws.com).
func IRSATrust(providerArn, issuerURL, namespace, serviceAccount string) awsiam.Document {
	issuer := strings.TrimPrefix(issuerURL, "https://")
	return awsiam.Policy(awsiam.Statement{
		Effect:    "Allow",
		Principal: map[string]any{"Federated": providerArn},
		Action:    []string{"sts:AssumeRoleWithWebIdentity"},
	}.When("StringEquals", issuer+":sub", "system:serviceaccount:"+namespace+":"+serviceAccount).
		When("StringEquals", issuer+":aud", "sts.amazonaws.com"))
}

// irsaRole creates a role the given service account assumes through the
// cluster's OIDC provider, with managed policies attached. An empty roleName
// lets Pulumi name it. The ARN resolves once every policy is attached.
func (in *installer) irsaRole(short, roleName, namespace, serviceAccount string, managed []string) (pulumi.StringOutput, error) {
	trust := pulumi.All(in.args.OIDC.Arn, in.args.OIDC.Url).ApplyT(func(xs []any) string {
		return IRSATrust(xs[0].(string), xs[1].(string), namespace, serviceAccount).JSON()
	}).(pulumi.StringOutput)
	args := &iam.RoleArgs{
		Description:      pulumi.Sprintf("%s/%s in EKS cluster %s (IRSA)", namespace, serviceAccount, in.args.ClusterName),
		AssumeRolePolicy: trust,
		Tags:             pulumi.ToStringMap(in.args.Tags),
	}
	if roleName != "" {
		args.Name = pulumi.String(roleName)
	}
	role, err := iam.NewRole(in.ctx, in.child(short), args, pulumi.Parent(in.parent))
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("creating role %s: %w", short, err)
	}
	in.keep(role)
	ready := []any{role.Arn}
	for _, p := range managed {
		a, err := iam.NewRolePolicyAttachment(in.ctx, in.child(short)+"-"+p, &iam.RolePolicyAttachmentArgs{
			Role:      role.Name,
			PolicyArn: pulumi.String(awsiam.ManagedPolicyARN(p)),
		}, pulumi.Parent(in.parent))
		if err != nil {
			return pulumi.StringOutput{}, fmt.Errorf("attaching %s to role %s: %w", p, short, err)
		}
		in.keep(a)
		ready = append(ready, a.ID())
	}
	return pulumi.All(ready...).ApplyT(func(xs []any) string { return xs[0].(string) }).(pulumi.StringOutput), nil
}
