package spinnaker

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
)

// ServiceRolesArgs says where Spinnaker runs and what its services reach.
type ServiceRolesArgs struct {
	Namespace string
	// PlatformCluster resolves to the platform cluster's name once it exists.
	PlatformCluster pulumi.StringInput
	// ManagedRoleArn is the spinnaker-managed role the services assume for
	// CodeBuild and the ec2 account; it is named up front, so its ARN is
	// known before the role exists and the two sides do not wait on each other.
	ManagedRoleArn pulumi.StringInput
	// AppClusterArns are the clusters clouddriver deploys to.
	AppClusterArns pulumi.StringArrayInput
	Tags           map[string]string
}

// ServiceRoles are the IAM roles of the Spinnaker services that call AWS.
type ServiceRoles struct {
	pulumi.ResourceState

	// Clouddriver, Igor and Front50 are the bare role ARNs: what another
	// role's trust policy names.
	Clouddriver pulumi.StringOutput
	Igor        pulumi.StringOutput
	Front50     pulumi.StringOutput

	name            string
	clouddriverRole pulumi.StringOutput
}

// RoledServices are the services with an AWS identity of their own.
var RoledServices = []string{"clouddriver", "igor", "front50"}

// ChainedAssume is what a Pod Identity session needs to assume another
// role: the session tags EKS Pod Identity sets are transitive
// (EKS user guide, pod-id-abac: "all of the session tags ... are
// transitive"), and assuming a role with transitive tags also needs
// sts:TagSession (aws/eks-pod-identity-agent#80).
var ChainedAssume = []string{"sts:AssumeRole", "sts:TagSession"}

// RegionLookups are what clouddriver asks EC2 with its own credentials, not
// an account's, to learn the regions and zones of the aws accounts
// (clouddriver-aws/.../security/DefaultAWSAccountInfoLookup.java, listRegions,
// called from AmazonCredentialsParser.java).
var RegionLookups = []string{"ec2:DescribeRegions", "ec2:DescribeAvailabilityZones"}

// ServicePolicy is a roled service's inline policy, given the managed role
// and app cluster ARNs: clouddriver and igor may assume the managed role;
// clouddriver also looks up regions and the app clusters' endpoints (what it
// may do inside a cluster is its access entry's). front50, which keeps its
// data in SQL and calls no AWS API, has none (ok false).
func ServicePolicy(svc, managedRoleArn string, appClusterArns []string) (doc awsiam.Document, ok bool) {
	assume := awsiam.Allow(ChainedAssume, managedRoleArn)
	switch svc {
	case "clouddriver":
		return awsiam.Policy(assume,
			awsiam.Allow([]string{"eks:DescribeCluster"}, appClusterArns...),
			awsiam.Allow(RegionLookups, "*")), true
	case "igor":
		return awsiam.Policy(assume), true
	}
	return awsiam.Document{}, false
}

// NewServiceRoles gives clouddriver, igor and front50 a role each through
// Pod Identity, with ServicePolicy.
func NewServiceRoles(ctx *pulumi.Context, name string, args ServiceRolesArgs, opts ...pulumi.ResourceOption) (*ServiceRoles, error) {
	s := &ServiceRoles{name: name}
	if err := ctx.RegisterComponentResource("workshop:spinnaker:ServiceRoles", name, s, opts...); err != nil {
		return nil, err
	}
	arns := map[string]pulumi.StringOutput{}
	for _, svc := range RoledServices {
		var policy pulumi.StringInput
		if svc != "front50" {
			policy = pulumi.All(args.ManagedRoleArn, args.AppClusterArns).ApplyT(func(xs []any) string {
				doc, _ := ServicePolicy(svc, xs[0].(string), xs[1].([]string))
				return doc.JSON()
			}).(pulumi.StringOutput)
		}
		role, err := awsiam.NewRole(ctx, name+"-"+svc, awsiam.RoleArgs{
			Description: fmt.Sprintf("Spinnaker %s (%s/%s on the platform cluster)", svc, args.Namespace, svc),
			Trust:       awsiam.PodIdentityTrust(),
			Policy:      policy,
			Tags:        args.Tags,
		}, pulumi.Parent(s))
		if err != nil {
			return nil, fmt.Errorf("spinnaker roles %s: %w", name, err)
		}
		if _, err := eks.NewPodIdentityAssociation(ctx, name+"-"+svc, &eks.PodIdentityAssociationArgs{
			ClusterName:    args.PlatformCluster,
			Namespace:      pulumi.String(args.Namespace),
			ServiceAccount: pulumi.String(svc),
			RoleArn:        role.Arn,
			Tags:           pulumi.ToStringMap(args.Tags),
		}, pulumi.Parent(s)); err != nil {
			return nil, fmt.Errorf("spinnaker roles %s: associating %s: %w", name, svc, err)
		}
		arns[svc] = role.Role.Arn
		if svc == "clouddriver" {
			s.clouddriverRole = role.Name
		}
	}
	s.Clouddriver, s.Igor, s.Front50 = arns["clouddriver"], arns["igor"], arns["front50"]
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{
		"clouddriver": s.Clouddriver, "igor": s.Igor, "front50": s.Front50,
	})
}

// ArtifactReads is what clouddriver's S3 artifact account does with the
// bucket: GetObject on download, and ListBucket so a missing manifest reads
// as NoSuchKey rather than AccessDenied.
func ArtifactReads(bucketArn string) awsiam.Document {
	return awsiam.Policy(
		awsiam.Allow([]string{"s3:GetObject"}, bucketArn+"/*"),
		awsiam.Allow([]string{"s3:ListBucket"}, bucketArn),
	)
}

// ReadArtifacts lets clouddriver read the artifact bucket with its own role:
// the S3 artifact account takes static keys or the pod's credentials, never
// an assumed role (clouddriver-artifacts-s3/.../S3ArtifactAccount.java,
// S3ArtifactCredentials.java). It comes after the bucket, which comes after
// the roles; call it before Spinnaker starts, which waits on every part of
// the roles.
func (s *ServiceRoles) ReadArtifacts(ctx *pulumi.Context, bucketArn pulumi.StringInput) error {
	policy := bucketArn.ToStringOutput().ApplyT(func(arn string) string { return ArtifactReads(arn).JSON() }).(pulumi.StringOutput)
	_, err := iam.NewRolePolicy(ctx, s.name+"-clouddriver-artifacts", &iam.RolePolicyArgs{
		Role:   s.clouddriverRole,
		Policy: policy,
	}, pulumi.Parent(s))
	if err != nil {
		return fmt.Errorf("spinnaker roles %s: artifact reads: %w", s.name, err)
	}
	return nil
}
