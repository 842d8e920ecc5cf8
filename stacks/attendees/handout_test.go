package attendees

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden handouts under testdata/handouts")

const handoutRoster = `
topology: shared
defaults: {region: ap-northeast-2}
platform: {name: platform}
attendees:
  - name: bob
    email: bob@example.com
    profile: workshop-bob
`

const soloRoster = `
attendees:
  - name: alice
    email: alice@example.com
    region: ap-northeast-2
    account: "111111111111"
    role: arn:aws:iam::111111111111:role/workshop-attendee
`

// recordedOutputs reads outputs as `pulumi stack output --json
// --show-secrets` prints them; the program's secret outputs are marked so.
func recordedOutputs(t *testing.T, name string) Outputs {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "outputs", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	secret := map[string]bool{"appKubeconfig": true, "platformKubeconfig": true, "spinnakerAdminPassword": true}
	outs := Outputs{}
	for k, v := range raw {
		outs[k] = Output{Value: v, Secret: secret[k]}
	}
	return outs
}

func TestHandoutsFromRecordedOutputs(t *testing.T) {
	cases := []struct {
		name, roster string
		appURL       string
		want         []string
	}{
		{"alice", soloRoster, "http://k8s-alicealice-yelbui-0123456789.ap-northeast-2.elb.amazonaws.com/", []string{
			"role_arn = arn:aws:iam::111111111111:role/workshop-attendee", "export AWS_PROFILE=workshop-alice",
			"Account: 111111111111", "aws eks update-kubeconfig --region ap-northeast-2 --name alice-alice-app",
			"namespace: `alice-alice`", "port-forward svc/spin-deck 9000:9000", "password `q7Vx-recorded-3RtM`",
			// Where the original guide had artifact-xxxx-yyyy and hello-xxxxx-yyyyy:
			"s3://alice-alice-artifacts-7f3e2a1/1.app-v1.yaml", "s3://alice-alice-artifacts-7f3e2a1/2.app-v2.yaml",
			"s3://alice-alice-artifacts-7f3e2a1/3.weighted-route.yaml", "s3://alice-alice-artifacts-7f3e2a1/4.high-availability.yaml",
			"project alice-alice-yelb-3c9d1e2", "account eks, namespace alice-alice",
			"Open http://k8s-alicealice-yelbui-0123456789.ap-northeast-2.elb.amazonaws.com/",
			"--experiment-template-id EXT2aBcD5eFgHiJ   # TerminateEKSNodes", "EXT9kLm3Pq8sRtU", "EXT4Yq7rG2bWfNc",
			"dashboards/dashboard/alice-alice-steady-state",
		}},
		{"bob", handoutRoster, "", []string{
			"export AWS_PROFILE=workshop-bob", "The room shares one Spinnaker, on the platform stack `platform`",
			"--name platform-platform-platform", "password `w2Rt-recorded-8YuP`",
			// The room's Spinnaker delivers bob's app with his own
			// application and account, from his prefix of its bucket.
			"Application `yelb-bob` already has both pipelines", "account eks-bob, namespace bob-bob",
			"s3://platform-platform-artifacts-5b6c7d8/bob/1.app-v1.yaml", "project platform-platform-yelb-9a8b7c6",
			"kubectl get ingress yelb-ui -n bob-bob", "no chaos experiments",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := ParseRoster("r.yaml", []byte(c.roster))
			if err != nil {
				t.Fatal(err)
			}
			var target Target
			for _, tg := range targetsOf(t, r) {
				if tg.Name == c.name {
					target = tg
				}
			}
			res := Result{Stack: c.name, Result: ResultOK, Outputs: recordedOutputs(t, c.name), AppURL: c.appURL}
			md, html, err := NewHandout(target, res, delivery(target)).Render()
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range c.want {
				if !bytes.Contains(md, []byte(want)) {
					t.Errorf("the Markdown handout lacks %q", want)
				}
			}
			for _, page := range [][]byte{md, html} {
				// The two placeholders the introduction names, and no other.
				if n := len(regexp.MustCompile(`x{4,}`).FindAll(page, -1)); n != 2 {
					t.Errorf("%d placeholders in the handout; want only the introduction's 2", n)
				}
				if bytes.Contains(page, []byte("<no value>")) {
					t.Error("the handout shows <no value>")
				}
			}
			golden(t, filepath.Join("testdata", "handouts", c.name+".md"), md)
			golden(t, filepath.Join("testdata", "handouts", c.name+".html"), html)
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./stacks/attendees -run Handout -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the handout rendered now (go test -run Handout -update rewrites it)", path)
	}
}

// TestHandoutReadsOutputsTheProgramExports guards against a renamed
// output: every key the handout reads must be one stacks/ exports.
func TestHandoutReadsOutputsTheProgramExports(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("reading the program's sources: %v", err)
	}
	var src strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	for _, key := range []string{outKubectlSetup, outNamespace, outTunnel, outDeckURL, outAdminPassword,
		outArtifactBucket, outCodeBuild, outECR, outAppURLCommand, outChaos} {
		if !strings.Contains(src.String(), `ctx.Export("`+key+`"`) {
			t.Errorf("the handout reads output %q, which stacks/ does not export", key)
		}
	}
}
