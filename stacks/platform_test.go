package stacks

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

func policyOf(t *testing.T, cloud *mockcloud.Cloud, typ, name, key string) awsiam.Document {
	t.Helper()
	doc, err := awsiam.Parse(mustFind(t, cloud, typ, name).String(key))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestRoleChainingFromPodIdentity: clouddriver and igor assume the managed
// role from Pod Identity sessions, whose session tags are transitive (EKS
// user guide, pod-id-abac), so both the callers' policies and the managed
// role's trust allow sts:TagSession (aws/eks-pod-identity-agent#80), on and
// for exactly those roles.
func TestRoleChainingFromPodIdentity(t *testing.T) {
	cloud, _ := devGraph(t)
	managed := mustFind(t, cloud, "aws:iam/role:Role", "hello-dev-spinnaker-managed")
	managedArn, _ := managed.Output("arn").(string)
	trust := policyOf(t, cloud, "aws:iam/role:Role", "hello-dev-spinnaker-managed", "assumeRolePolicy")
	principals, _ := trust.Statement[0].Principal["AWS"].([]any)
	for _, svc := range []string{"clouddriver", "igor"} {
		t.Run(svc, func(t *testing.T) {
			role := mustFind(t, cloud, "aws:iam/role:Role", "hello-dev-platform-"+svc)
			if !slices.Contains(principals, role.Output("arn")) || !slices.Contains(trust.Statement[0].Action, "sts:TagSession") {
				t.Errorf("the managed role's trust %+v does not let %s tag its session", trust.Statement[0], svc)
			}
			caller := policyOf(t, cloud, "aws:iam/rolePolicy:RolePolicy", "hello-dev-platform-"+svc, "policy")
			ok := slices.ContainsFunc(caller.Statement, func(s awsiam.Statement) bool {
				return slices.Contains(s.Action, "sts:TagSession") && slices.Contains(s.Action, "sts:AssumeRole") && slices.Equal(s.Resource, []string{managedArn})
			})
			if !ok {
				t.Errorf("%s may not assume and tag %s: %+v", svc, managedArn, caller)
			}
		})
	}
}

// TestClouddriverReadsTheArtifactsItDeploys: every manifest the pipelines
// deploy lies in the artifact bucket, uploaded by the app (or rendered there
// by the build from its template), and clouddriver's own role may read that
// bucket and no other (clouddriver-artifacts-s3/.../S3ArtifactAccount.java:
// no assume-role).
func TestClouddriverReadsTheArtifactsItDeploys(t *testing.T) {
	cloud, _ := devGraph(t)
	bucket := mustFind(t, cloud, "aws:s3/bucketV2:BucketV2", "hello-dev-artifacts")
	bucketName, _ := bucket.Output("bucket").(string)
	bucketArn, _ := bucket.Output("arn").(string)
	uploaded := map[string]bool{}
	for _, o := range cloud.OfType("aws:s3/bucketObjectv2:BucketObjectv2") {
		uploaded[o.String("key")] = true
	}
	var refs []string
	for _, cm := range cloud.OfType("kubernetes:core/v1:ConfigMap") {
		data, _ := cm.Input("data").(map[string]any)
		for name, text := range data {
			if name == "application.json" || !strings.HasSuffix(name, ".json") {
				continue
			}
			var p struct {
				Stages []struct {
					ManifestArtifact struct{ Reference string } `json:"manifestArtifact"`
				} `json:"stages"`
			}
			if err := json.Unmarshal([]byte(text.(string)), &p); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, s := range p.Stages {
				if s.ManifestArtifact.Reference != "" {
					refs = append(refs, s.ManifestArtifact.Reference)
				}
			}
		}
	}
	if len(refs) != 4 {
		t.Fatalf("pipelines deploy %v", refs)
	}
	for _, ref := range refs {
		t.Run(ref, func(t *testing.T) {
			key, ok := strings.CutPrefix(ref, "s3://"+bucketName+"/")
			if !ok || !uploaded[key] && !uploaded["templates/"+key] {
				t.Errorf("nothing is uploaded to %s (bucket %s, keys %v)", ref, bucketName, uploaded)
			}
		})
	}
	reads := policyOf(t, cloud, "aws:iam/rolePolicy:RolePolicy", "hello-dev-platform-clouddriver-artifacts", "policy")
	var resources []string
	for _, s := range reads.Statement {
		resources = append(resources, s.Resource...)
	}
	slices.Sort(resources)
	if want := []string{bucketArn, bucketArn + "/*"}; !slices.Equal(resources, want) {
		t.Errorf("clouddriver reads %v, want %v", resources, want)
	}
}

// TestSpinnakerALBNameFits: ELB names are at most 32 characters, and the
// app's ALB has a name of its own; the longest prefix the config allows
// still fits.
func TestSpinnakerALBNameFits(t *testing.T) {
	longest := strings.Repeat("a", maxPrefixLen-len("-dev"))
	cloud := graphWith(t, map[string]string{"workshop:name": longest})
	ing := cloud.OfType("kubernetes:networking.k8s.io/v1:Ingress")
	if len(ing) != 1 {
		t.Fatalf("%d ingresses", len(ing))
	}
	ann, _ := ing[0].Input("metadata").(map[string]any)["annotations"].(map[string]any)
	name, _ := ann["alb.ingress.kubernetes.io/load-balancer-name"].(string)
	if name == "" || len(name) > 32 || name == longest+"-dev-ui" {
		t.Errorf("Spinnaker's ALB name %q", name)
	}
}
