package plan

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// devPlanJSON is the dev stack's plan as the command prints it.
func devPlanJSON(t *testing.T) []byte {
	t.Helper()
	p, _, _, err := Build("../..", "dev", nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPlanIsDeterministic(t *testing.T) {
	a := devPlanJSON(t)
	b := devPlanJSON(t)
	if !bytes.Equal(a, b) {
		al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
		for i := range min(len(al), len(bl)) {
			if al[i] != bl[i] {
				t.Fatalf("two plans of the same stack differ at line %d:\n%s\n%s", i+1, al[i], bl[i])
			}
		}
		t.Fatal("two plans of the same stack differ in length")
	}
}

func TestPlanHasPreviewShape(t *testing.T) {
	out := devPlanJSON(t)
	var plan Plan
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&plan); err != nil {
		t.Fatal(err)
	}
	byType := map[string][]Step{}
	for _, s := range plan.Steps {
		if s.Op != "create" || s.URN != s.NewState.URN || s.NewState.Inputs == nil || s.NewState.Dependencies == nil {
			t.Errorf("malformed step %+v", s)
		}
		byType[s.NewState.Type] = append(byType[s.NewState.Type], s)
	}
	// Remote components are one step each, with their inputs.
	// The app and the platform cluster.
	clusters := byType["eks:index:Cluster"]
	if len(clusters) != 2 {
		t.Fatalf("%d eks cluster steps", len(clusters))
	}
	for _, c := range clusters {
		if c.NewState.Inputs["authenticationMode"] != "API" {
			t.Errorf("%s: authentication mode %v", c.URN, c.NewState.Inputs["authenticationMode"])
		}
	}
	// Five on the app cluster (load balancer controller, autoscaler,
	// metrics-server, the Lattice controller and ExternalDNS); metrics-server
	// and, for the dev stack's internal Spinnaker ingress, the load balancer
	// controller on the platform.
	if len(byType["kubernetes:helm.sh/v4:Chart"]) != 7 {
		t.Errorf("want 7 charts, got %d", len(byType["kubernetes:helm.sh/v4:Chart"]))
	}
	for _, typ := range []string{
		"aws:s3/bucketV2:BucketV2", "aws:kms/key:Key", "aws:kms/alias:Alias", "aws:ec2/vpc:Vpc",
		"aws:ec2/natGateway:NatGateway", "aws:eks/nodeGroup:NodeGroup", "aws:eks/addon:Addon",
		"aws:eks/podIdentityAssociation:PodIdentityAssociation", "aws:ec2/flowLog:FlowLog",
		// The platform.
		"aws:ecr/repository:Repository", "aws:codebuild/project:Project", "aws:eks/accessEntry:AccessEntry",
		"kubernetes:apps/v1:StatefulSet", "kubernetes:batch/v1:Job", "workshop:spinnaker:Spinnaker",
		"kubernetes:networking.k8s.io/v1:Ingress",
	} {
		if len(byType[typ]) == 0 {
			t.Errorf("plan has no %s", typ)
		}
	}
	// The state bucket and key are protected from deletion.
	for _, typ := range []string{"aws:s3/bucketV2:BucketV2", "aws:kms/key:Key"} {
		for _, s := range byType[typ] {
			if strings.Contains(s.URN, "-state") && !s.NewState.Protect {
				t.Errorf("%s is not protected", s.URN)
			}
		}
	}
	// The kubeconfig is a secret and prints as one.
	providers := byType["pulumi:providers:kubernetes"]
	if len(providers) != 2 {
		t.Errorf("%d kubernetes providers", len(providers))
	}
	for _, p := range providers {
		if p.NewState.Inputs["kubeconfig"] != "[secret]" {
			t.Errorf("%s: kubeconfig printed", p.URN)
		}
	}
	if strings.Contains(string(out), "certificate-authority-data") {
		t.Error("kubeconfig contents leaked into the plan")
	}
}

func TestCommandReportsConfigErrors(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "../../Pulumi.yaml", filepath.Join(dir, "Pulumi.yaml"))
	bad := "config:\n  workshop:appVpcCidr: 10.0.0/16\n"
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.bad.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := Command([]string{"--stack", "bad", "--dir", dir}, &stdout, &stderr)
	if code == 0 || stdout.Len() != 0 {
		t.Fatalf("exit %d, stdout %q", code, stdout.String())
	}
	want := `config workshop:appVpcCidr: "10.0.0/16" is not an IPv4 CIDR`
	if !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr = %q, want it to contain %q", stderr.String(), want)
	}

	stderr.Reset()
	if code := Command(nil, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "--stack is required") {
		t.Errorf("no --stack: exit %d, %q", code, stderr.String())
	}
	stderr.Reset()
	if code := Command([]string{"--stack", "missing", "--dir", dir}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "Pulumi.missing.yaml") {
		t.Errorf("missing stack file: exit %d, %q", code, stderr.String())
	}
}

// TestPlanAppliesConfigOverrides: --config replaces the stack file's value
// as `pulumi config set` would, and preview's warnings go to stderr. What
// each switch changes in the graph is stacks' TestBackendAndDeliverySwitches.
func TestPlanAppliesConfigOverrides(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		wantStep string
		warning  bool
	}{
		{"stack file", nil, "aws-gateway-controller-chart", false},
		{"short key", []string{"--config", `yelb={"backend":"appmesh"}`}, "appmesh-controller", true},
		{"full key", []string{"--config", `workshop:yelb={"backend":"appmesh"}`}, "appmesh-controller", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errs strings.Builder
			if code := Command(append([]string{"--stack", "dev", "--dir", "../.."}, c.args...), &out, &errs); code != 0 {
				t.Fatalf("exit %d: %s", code, errs.String())
			}
			if !strings.Contains(out.String(), c.wantStep) {
				t.Errorf("plan lacks %s", c.wantStep)
			}
			if got := strings.Contains(errs.String(), "warning: AWS App Mesh was discontinued on 2026-09-30"); got != c.warning {
				t.Errorf("App Mesh warning shown = %v, want %v (stderr %q)", got, c.warning, errs.String())
			}
		})
	}
	var errs strings.Builder
	if code := Command([]string{"--stack", "dev", "--dir", "../..", "--config", "yelb"}, io.Discard, &errs); code != 2 || !strings.Contains(errs.String(), "not KEY=VALUE") {
		t.Errorf("bad --config: exit %d, %q", code, errs.String())
	}
}

// TestRoomStacksPlanOffline: a room's stacks read each other through
// StackReferences, which an offline plan answers with stand-ins, so both
// kinds of stack plan and price without a backend.
func TestRoomStacksPlanOffline(t *testing.T) {
	for name, overrides := range map[string]map[string]string{
		"attendee": {"workshop:platform": "false", "workshop:sharedPlatform": "room"},
		"platform": {"workshop:attendeeStacks": `["alice","bob"]`},
	} {
		t.Run(name, func(t *testing.T) {
			p, _, _, err := Build("../..", "dev", overrides)
			if err != nil {
				t.Fatal(err)
			}
			refs := 0
			for _, s := range p.Steps {
				if s.NewState.Type == "pulumi:pulumi:StackReference" {
					refs++
				}
			}
			if want := map[string]int{"attendee": 1, "platform": 2}[name]; refs != want {
				t.Errorf("%d stack references, want %d", refs, want)
			}
		})
	}
}
