package experiment

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

func TestPulumiOutputs(t *testing.T) {
	contract := `{"appLoadBalancerName": "hello-dev-ui",
	  "chaos": {"region": "ap-northeast-2",
	            "templates": {"TerminateEKSNodes": "EXT123", "AppServerPodDelete": "EXT456", "AZPowerInterruption": "EXT789"},
	            "alarms": {"uiRunningPods": "hello-dev-yelb-ui-running-pods", "nodeCpu": "hello-dev-node-cpu", "steadyState": "hello-dev-steady-state"}},
	  "kubeconfig": "[secret made plain by --show-secrets]"}`
	cases := []struct {
		name    string
		out     string
		err     error
		wantErr string
	}{
		{name: "the output contract", out: contract},
		{name: "pulumi missing", err: &exec.Error{Name: "pulumi", Err: exec.ErrNotFound}, wantErr: "install the Pulumi CLI"},
		{name: "no such stack", err: errors.New("exit status 255: error: no stack named 'dev' found"), wantErr: "reading outputs of stack dev (run from the project directory or pass --cwd): exit status 255: error: no stack named 'dev' found"},
		{name: "not JSON", out: "Current stack outputs (0):", wantErr: "reading outputs of stack dev: not a JSON object"},
		{name: "JSON but not an object", out: `["x"]`, wantErr: "not a JSON object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ran []string
			p := PulumiOutputs{Dir: "/project", Run: func(_ context.Context, dir, name string, args ...string) ([]byte, error) {
				ran = append([]string{dir, name}, args...)
				return []byte(c.out), c.err
			}}
			outputs, err := p.Read(context.Background(), "dev")
			if got := strings.Join(ran, " "); got != "/project pulumi stack output --json --show-secrets --stack dev" {
				t.Errorf("ran %q", got)
			}
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Errorf("err %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			target, err := ParseTarget(outputs, "AppServerPodDelete")
			if err != nil {
				t.Fatal(err)
			}
			want := Target{Region: "ap-northeast-2", Template: "AppServerPodDelete", TemplateID: "EXT456", LoadBalancerName: "hello-dev-ui",
				Alarms: map[string]string{"uiRunningPods": "hello-dev-yelb-ui-running-pods", "nodeCpu": "hello-dev-node-cpu", "steadyState": "hello-dev-steady-state"}}
			if target.Region != want.Region || target.TemplateID != want.TemplateID || target.LoadBalancerName != want.LoadBalancerName ||
				len(target.Alarms) != 3 || target.Alarms["steadyState"] != want.Alarms["steadyState"] || target.Alarms["nodeCpu"] != want.Alarms["nodeCpu"] ||
				target.Alarms["uiRunningPods"] != want.Alarms["uiRunningPods"] {
				t.Errorf("target %+v, want %+v", target, want)
			}
		})
	}
}

// The real runner: a binary that is not on PATH must read as "install the CLI".
func TestExecRunnerMissingBinary(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := PulumiOutputs{Dir: "."}.Read(context.Background(), "dev")
	if err == nil || !strings.Contains(err.Error(), "install the Pulumi CLI") {
		t.Errorf("err %v", err)
	}
}

// The real runner passes on pulumi's stderr, where it explains the failure.
func TestExecRunnerStderr(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	_, err := execRunner(context.Background(), ".", "sh", "-c", "echo 'error: no stack named dev found' >&2; exit 255")
	if err == nil || !strings.Contains(err.Error(), "exit status 255: error: no stack named dev found") {
		t.Errorf("err %v", err)
	}
}
