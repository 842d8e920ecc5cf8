package spinnaker

import (
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

const (
	managedArn = "arn:aws:iam::123456789012:role/hello-dev-spinnaker-managed"
	clusterArn = "arn:aws:eks:ap-northeast-2:123456789012:cluster/hello-dev-app"
	bucketArn  = "arn:aws:s3:::hello-dev-artifacts-1"
)

func roles(t *testing.T) *mockcloud.Cloud {
	t.Helper()
	cloud := mockcloud.New("workshop", "test", "ap-northeast-2")
	err := cloud.Run(nil, nil, func(ctx *pulumi.Context) error {
		r, err := NewServiceRoles(ctx, "hello-dev-platform", ServiceRolesArgs{
			Namespace: "spinnaker", PlatformCluster: pulumi.String("hello-dev-platform"),
			ManagedRoleArn: pulumi.String(managedArn), AppClusterArns: pulumi.ToStringArray([]string{clusterArn}),
		})
		if err != nil {
			return err
		}
		return r.ReadArtifacts(ctx, pulumi.String(bucketArn))
	})
	if err != nil {
		t.Fatal(err)
	}
	return cloud
}

// policies are the inline policies of the roles, parsed, by resource name.
func policies(t *testing.T, cloud *mockcloud.Cloud) map[string]awsiam.Document {
	t.Helper()
	out := map[string]awsiam.Document{}
	for _, p := range cloud.OfType("aws:iam/rolePolicy:RolePolicy") {
		doc, err := awsiam.Parse(p.String("policy"))
		if err != nil {
			t.Fatal(err)
		}
		out[p.Name] = doc
	}
	return out
}

// allows says whether a document allows action on resource, exactly as
// written (no wildcard matching: the roles name what they need).
func allows(doc awsiam.Document, action, resource string) bool {
	for _, s := range doc.Statement {
		if s.Effect == "Allow" && slices.Contains(s.Action, action) && slices.Contains(s.Resource, resource) {
			return true
		}
	}
	return false
}

// TestServiceRolePolicies:
//   - clouddriver and igor assume the managed role from a Pod Identity
//     session, whose session tags are transitive (EKS user guide,
//     pod-id-abac), which needs sts:TagSession too (aws/eks-pod-identity-agent#80);
//   - clouddriver lists regions and zones with its own credentials
//     (clouddriver-aws/.../security/DefaultAWSAccountInfoLookup.java, listRegions,
//     called from config/AmazonCredentialsParser.java);
//   - clouddriver reads the artifact bucket with its own credentials: the S3
//     artifact account has no assume-role (clouddriver-artifacts-s3/.../S3ArtifactAccount.java,
//     S3ArtifactCredentials.java: getObject on download).
func TestServiceRolePolicies(t *testing.T) {
	docs := policies(t, roles(t))
	cd, igor, artifacts := docs["hello-dev-platform-clouddriver"], docs["hello-dev-platform-igor"], docs["hello-dev-platform-clouddriver-artifacts"]
	for _, c := range []struct {
		name             string
		doc              awsiam.Document
		action, resource string
	}{
		{"clouddriver assumes the managed role", cd, "sts:AssumeRole", managedArn},
		{"clouddriver tags the chained session", cd, "sts:TagSession", managedArn},
		{"igor assumes the managed role", igor, "sts:AssumeRole", managedArn},
		{"igor tags the chained session", igor, "sts:TagSession", managedArn},
		{"clouddriver lists regions", cd, "ec2:DescribeRegions", "*"},
		{"clouddriver lists zones", cd, "ec2:DescribeAvailabilityZones", "*"},
		{"clouddriver finds the app cluster", cd, "eks:DescribeCluster", clusterArn},
		{"clouddriver reads the manifests", artifacts, "s3:GetObject", bucketArn + "/*"},
		{"clouddriver lists the bucket", artifacts, "s3:ListBucket", bucketArn},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !allows(c.doc, c.action, c.resource) {
				t.Errorf("%s is not allowed on %s: %+v", c.action, c.resource, c.doc)
			}
		})
	}
	// Exactly that bucket: no other S3 action, no other resource.
	for _, s := range artifacts.Statement {
		for _, r := range s.Resource {
			if r != bucketArn && r != bucketArn+"/*" {
				t.Errorf("artifact reads reach %s", r)
			}
		}
		for _, a := range s.Action {
			if a != "s3:GetObject" && a != "s3:ListBucket" {
				t.Errorf("artifact reads allow %s", a)
			}
		}
	}
	if _, ok := docs["hello-dev-platform-front50"]; ok {
		t.Error("front50 has a policy")
	}
}

// TestRolesTrustPodIdentity: the roles are for EKS Pod Identity, which
// needs sts:AssumeRole and sts:TagSession (EKS user guide, pod-id-role).
func TestRolesTrustPodIdentity(t *testing.T) {
	cloud := roles(t)
	for _, r := range cloud.OfType("aws:iam/role:Role") {
		t.Run(r.Name, func(t *testing.T) {
			doc, err := awsiam.Parse(r.String("assumeRolePolicy"))
			if err != nil {
				t.Fatal(err)
			}
			s := doc.Statement[0]
			if s.Principal["Service"] != "pods.eks.amazonaws.com" || !slices.Contains(s.Action, "sts:TagSession") {
				t.Errorf("trust %+v", s)
			}
		})
	}
	if n := len(cloud.OfType("aws:eks/podIdentityAssociation:PodIdentityAssociation")); n != len(RoledServices) {
		t.Errorf("%d associations", n)
	}
}
