package stacks

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

// roomPlatformOutputs are what the room's platform stack "room" exports
// for its attendees.
var roomPlatformOutputs = map[string]any{
	OutArtifactBucket:     "hello-room-artifacts-0a1b2c3",
	OutClouddriverRoleArn: "arn:aws:iam::" + mockcloud.AccountID + ":role/hello-room-platform-clouddriver-9f8e7d6",
	OutPlatformNatIps:     []any{"198.51.100.7"},
	OutSpinnakerTunnel:    "kubectl port-forward ...",
	OutSpinnakerDeckURL:   "http://localhost:9000",
	OutSpinnakerPassword:  "Password0",
}

// attendeeOutputs are what an attendee stack exports for the platform.
func attendeeOutputs(stack string) map[string]any {
	return map[string]any{
		OutAppClusterName: "hello-" + stack + "-app",
		OutAppKubeconfig:  `{"clusters":[{"cluster":{"server":"https://` + strings.ToUpper(stack) + `.eks.amazonaws.com","certificate-authority-data":"Q0E="}}]}`,
		OutAppNamespace:   "hello-" + stack,
	}
}

// roomGraph runs the program as stack, with the example config changed and
// the other stacks of the room readable.
func roomGraph(t *testing.T, stack string, overrides map[string]string, others map[string]map[string]any) (*mockcloud.Cloud, error) {
	t.Helper()
	project, raw, secrets, err := ReadStackConfig("..", "dev")
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(raw, overrides)
	raw["workshop:stateBackend"] = "false"
	cloud := mockcloud.New(project, stack, "ap-northeast-2")
	cloud.Stacks = others
	return cloud, cloud.Run(raw, secrets, Program(raw))
}

func attendeeGraph(t *testing.T, stack string, overrides map[string]string, platform map[string]any) *mockcloud.Cloud {
	t.Helper()
	o := map[string]string{"workshop:platform": "false", "workshop:sharedPlatform": "room"}
	maps.Copy(o, overrides)
	cloud, err := roomGraph(t, stack, o, map[string]map[string]any{"room": platform})
	if err != nil {
		t.Fatalf("attendee stack %s: %v", stack, err)
	}
	return cloud
}

func platformGraph(t *testing.T, attendees ...string) *mockcloud.Cloud {
	t.Helper()
	others := map[string]map[string]any{}
	for _, a := range attendees {
		others[a] = attendeeOutputs(a)
	}
	list, _ := json.Marshal(attendees)
	cloud, err := roomGraph(t, "room", map[string]string{"workshop:yelb": `{"enabled":false}`, "workshop:chaos": `{"enabled":false}`,
		"workshop:attendeeStacks": string(list)}, others)
	if err != nil {
		t.Fatalf("platform stack: %v", err)
	}
	return cloud
}

// TestAttendeeStackGivesTheRoomsClouddriverItsCluster: the room's
// clouddriver deploys namespaces and cluster-wide resources to an
// attendee's cluster, so the attendee stack grants the platform's
// clouddriver role a cluster-admin access entry of type STANDARD, the one
// type EKS accepts for a principal of any account (EKS user guide,
// creating-access-entries), and lets the platform's NAT reach the endpoint.
func TestAttendeeStackGivesTheRoomsClouddriverItsCluster(t *testing.T) {
	cloud := attendeeGraph(t, "alice", map[string]string{"workshop:apiAccessCidrs": `["203.0.113.0/24"]`}, roomPlatformOutputs)
	var found bool
	for _, e := range cloud.OfType("aws:eks/accessEntry:AccessEntry") {
		if e.String("principalArn") != roomPlatformOutputs[OutClouddriverRoleArn] {
			continue
		}
		found = true
		if e.String("type") != "STANDARD" || e.String("clusterName") != "hello-alice-app" {
			t.Errorf("clouddriver's entry: type %s on %s", e.String("type"), e.String("clusterName"))
		}
	}
	if !found {
		t.Fatal("no access entry for the room's clouddriver")
	}
	assoc := mustFind(t, cloud, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "hello-alice-app-clouddriver")
	if !strings.HasSuffix(assoc.String("policyArn"), "/AmazonEKSClusterAdminPolicy") {
		t.Errorf("clouddriver's policy %s", assoc.String("policyArn"))
	}
	c := mustFind(t, cloud, "eks:index:Cluster", "hello-alice-app")
	access, _ := c.Input("publicAccessCidrs").([]any)
	if !slices.Contains(access, any("198.51.100.7/32")) {
		t.Errorf("the platform's NAT cannot reach the endpoint: %v", access)
	}
	if cloud.Exports()["spinnakerTunnel"].Value != roomPlatformOutputs[OutSpinnakerTunnel] {
		t.Errorf("the handout's tunnel is not the room's: %v", cloud.Exports()["spinnakerTunnel"])
	}
	if len(cloud.OfType("kubernetes:apps/v1:Deployment")) > 0 && len(cloud.OfType("aws:codebuild/project:Project")) > 0 {
		t.Error("an attendee stack built a platform of its own")
	}
}

// TestRoomPipelinesReadWhatAttendeesUpload: the contract between the two
// stacks. The platform's pipelines for alice deploy keys under her prefix
// of its bucket; her stack uploads exactly those there (or their templates,
// which the build renders to the key without templates/). Alice's stack
// reads what the platform's run exported.
func TestRoomPipelinesReadWhatAttendeesUpload(t *testing.T) {
	platform := platformGraph(t, "alice", "bob")
	exported := map[string]any{}
	for k, e := range platform.Exports() {
		exported[k] = e.Value
	}
	alice := attendeeGraph(t, "alice", nil, exported)
	bucket, _ := exported[OutArtifactBucket].(string)
	uploaded := map[string]bool{}
	for _, o := range alice.OfType("aws:s3/bucketObjectv2:BucketObjectv2") {
		if o.String("bucket") != bucket {
			t.Errorf("%s is uploaded to %s, not the room's bucket", o.String("key"), o.String("bucket"))
		}
		uploaded[o.String("key")] = true
	}
	var refs []string
	for name, text := range seedData(t, platform) {
		if !strings.HasPrefix(name, "yelb-alice.") {
			continue
		}
		var p struct {
			Stages []struct {
				Account          string
				ManifestArtifact struct{ Reference string } `json:"manifestArtifact"`
			} `json:"stages"`
		}
		if err := json.Unmarshal([]byte(text), &p); err != nil {
			t.Fatal(err)
		}
		for _, s := range p.Stages {
			if s.ManifestArtifact.Reference != "" {
				refs = append(refs, s.ManifestArtifact.Reference)
				if s.Account != "eks-alice" {
					t.Errorf("alice's pipeline deploys through %s", s.Account)
				}
			}
		}
	}
	if len(refs) != 4 {
		t.Fatalf("alice's pipelines deploy %v", refs)
	}
	for _, ref := range refs {
		key, ok := strings.CutPrefix(ref, "s3://"+bucket+"/")
		template := RoomArtifactPrefix("alice") + "templates/" + strings.TrimPrefix(key, RoomArtifactPrefix("alice"))
		if !ok || !uploaded[key] && !uploaded[template] {
			t.Errorf("alice's pipeline deploys %s; her stack uploads %v", ref, uploaded)
		}
	}
}

// seedData is the platform's seeding config map.
func seedData(t *testing.T, cloud *mockcloud.Cloud) map[string]string {
	t.Helper()
	for _, cm := range cloud.OfType("kubernetes:core/v1:ConfigMap") {
		name, _ := cm.Input("metadata").(map[string]any)["name"].(string)
		if strings.HasPrefix(name, "spin-pipelines-") {
			out := map[string]string{}
			for k, v := range cm.Input("data").(map[string]any) {
				out[k], _ = v.(string)
			}
			return out
		}
	}
	t.Fatal("no seeding config map")
	return nil
}

// TestRoomPlatformServesEveryAttendee: one clouddriver account per attendee
// cluster besides the platform's own, clouddriver may describe each
// cluster, and the platform exports what the attendee stacks read.
func TestRoomPlatformServesEveryAttendee(t *testing.T) {
	cloud := platformGraph(t, "alice", "bob")
	secret := mustFind(t, cloud, "kubernetes:core/v1:Secret", "hello-room-platform-config")
	var local struct {
		Kubernetes struct {
			Accounts []struct {
				Name       string   `yaml:"name"`
				Namespaces []string `yaml:"namespaces"`
			} `yaml:"accounts"`
		} `yaml:"kubernetes"`
	}
	if err := yaml.Unmarshal([]byte(secret.Input("stringData").(map[string]any)["clouddriver-local.yml"].(string)), &local); err != nil {
		t.Fatal(err)
	}
	var accounts []string
	for _, a := range local.Kubernetes.Accounts {
		accounts = append(accounts, a.Name+"@"+strings.Join(a.Namespaces, ","))
	}
	if want := []string{"eks@hello-room", "eks-alice@hello-alice", "eks-bob@hello-bob"}; !slices.Equal(accounts, want) {
		t.Errorf("clouddriver accounts %v, want %v", accounts, want)
	}
	policy := policyOf(t, cloud, "aws:iam/rolePolicy:RolePolicy", "hello-room-platform-clouddriver", "policy")
	var describes []string
	for _, s := range policy.Statement {
		if slices.Contains(s.Action, "eks:DescribeCluster") {
			describes = append(describes, s.Resource...)
		}
	}
	for _, c := range []string{"hello-room-app", "hello-alice-app", "hello-bob-app"} {
		if !slices.Contains(describes, "arn:aws:eks:ap-northeast-2:"+mockcloud.AccountID+":cluster/"+c) {
			t.Errorf("clouddriver may not describe %s: %v", c, describes)
		}
	}
	exports := cloud.Exports()
	for _, key := range []string{OutArtifactBucket, OutClouddriverRoleArn, OutPlatformNatIps, OutSpinnakerTunnel} {
		if _, ok := exports[key]; !ok {
			t.Errorf("the platform does not export %s", key)
		}
	}
}

// TestRoomStackMissingItsPeerFails: a platform listing an attendee stack
// that is not up, or an attendee whose platform lacks an output, fails
// with the stack and what to do.
func TestRoomStackMissingItsPeerFails(t *testing.T) {
	_, err := roomGraph(t, "room", map[string]string{"workshop:attendeeStacks": `["alice"]`}, map[string]map[string]any{})
	if err == nil || !strings.Contains(err.Error(), "alice") {
		t.Errorf("platform listing a missing stack: %v", err)
	}
	partial := maps.Clone(roomPlatformOutputs)
	delete(partial, OutClouddriverRoleArn)
	_, err = roomGraph(t, "alice", map[string]string{"workshop:platform": "false", "workshop:sharedPlatform": "room"},
		map[string]map[string]any{"room": partial})
	if err == nil || !strings.Contains(err.Error(), "stack room has no output "+OutClouddriverRoleArn) || !strings.Contains(err.Error(), "pulumi up -s room") {
		t.Errorf("platform without %s: %v", OutClouddriverRoleArn, err)
	}
}
