package attendees

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/workshop/spinnaker-modernization/internal/harness"
)

// cloudlessProgram stands in for the workshop program where no cloud is
// at hand: components, outputs named like the program's, and a short
// sleep. It also checks that the engine hands it the very config the
// runner set on the stack, which the real program receives in process.
func cloudlessProgram(raw map[string]string) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		for key, want := range raw {
			ns, name, _ := cutKey(key)
			if got := config.Get(ctx, ns+":"+name); got != want {
				return fmt.Errorf("config %s: the engine has %q, the runner gave the program %q", key, got, want)
			}
		}
		prefix := raw[keyName] + "-" + ctx.Stack()
		var attendee, app struct{ pulumi.ResourceState }
		if err := ctx.RegisterComponentResource("workshop:e2e:Attendee", prefix, &attendee); err != nil {
			return err
		}
		if err := ctx.RegisterComponentResource("workshop:e2e:App", prefix+"-app", &app, pulumi.Parent(&attendee)); err != nil {
			return err
		}
		time.Sleep(500 * time.Millisecond)
		ctx.Export(outNamespace, pulumi.String(prefix))
		ctx.Export(outKubectlSetup, pulumi.Sprintf("aws eks update-kubeconfig --region %s --name %s-app", raw[keyRegion], prefix))
		ctx.Export(outTunnel, pulumi.Sprintf("tunnel to %s", prefix))
		ctx.Export(outAdminPassword, pulumi.ToSecret(pulumi.String("pw-"+prefix)))
		if err := ctx.RegisterResourceOutputs(&app, pulumi.Map{}); err != nil {
			return err
		}
		return ctx.RegisterResourceOutputs(&attendee, pulumi.Map{"prefix": pulumi.String(prefix)})
	}
}

func cutKey(key string) (string, string, bool) {
	for i := range key {
		if key[i] == ':' {
			return key[:i], key[i+1:], true
		}
	}
	return "", key, false
}

// realEngine is the Automation API engine on the real CLI and a file
// backend in a temporary directory.
func realEngine(t *testing.T, program func(map[string]string) pulumi.RunFunc) *AutoEngine {
	t.Helper()
	bin := harness.Binary(t, testing.Short(), "pulumi")
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	if err := os.MkdirAll(state, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", "end-to-end")
	cmd, err := NewPulumiCommand(bin, time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &AutoEngine{
		Project: configNamespace, StateDir: filepath.Join(dir, "workspaces"), Home: filepath.Join(dir, "home"),
		Backend: "file://" + state, Command: cmd, Program: ProgramOf(program),
	}
}

// runReal runs one operation and logs the table the command prints.
func runReal(t *testing.T, e *AutoEngine, op Op, targets []Target, force bool) *Report {
	t.Helper()
	r := &Runner{Engine: e, Parallel: 3, Retry: DefaultRetry, ProgramID: "cloudless", Force: force,
		Logs: fileLogs(filepath.Join(e.StateDir, "..", "logs"))}
	report, err := r.Run(context.Background(), op, targets)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	var out bytes.Buffer
	report.PrintTable(&out)
	if op == OpOutputs {
		report.PrintOutputs(&out)
	}
	t.Logf("go run . attendees %s\n%s", op, out.String())
	for _, res := range report.Results {
		if res.Result != ResultOK && res.Result != ResultUnchanged {
			t.Errorf("%s %s: %s: %s (log %s)", op, res.Stack, res.Result, res.Error, res.Log)
		}
	}
	return report
}

// TestRealCLIThreeAttendees takes a room of three through up, status,
// outputs, a second up, preview and down with the real Pulumi CLI on a
// file backend, in parallel.
func TestRealCLIThreeAttendees(t *testing.T) {
	e := realEngine(t, cloudlessProgram)
	r, err := ParseRoster("attendees.yaml", []byte(`
defaults: {region: ap-northeast-2, account: "111111111111"}
attendees:
  - {name: alice, email: alice@example.com}
  - {name: bob, email: bob@example.com, overrides: {nodeGroup: {maxSize: 9, instanceType: t3.medium}}}
  - {name: carol, email: carol@example.com, region: us-west-2}
`))
	if err != nil {
		t.Fatal(err)
	}
	targets := targetsOf(t, r)
	start := time.Now()

	up := runReal(t, e, OpUp, targets, false)
	for _, res := range up.Results {
		if res.Changes["create"] != 3 {
			t.Errorf("up %s created %v; want the stack and the program's two components", res.Stack, res.Changes)
		}
	}
	status := runReal(t, e, OpStatus, targets, false)
	for _, res := range status.Results {
		if res.LastUpdate == nil || res.LastUpdate.Kind != "update" || res.LastUpdate.Result != "succeeded" || res.Resources != 3 {
			t.Errorf("status %s: last update %+v, %d resources", res.Stack, res.LastUpdate, res.Resources)
		}
	}
	outputs := runReal(t, e, OpOutputs, targets, false)
	for _, res := range outputs.Results {
		if got := res.Outputs[outNamespace].Value; got != res.Stack+"-"+res.Stack {
			t.Errorf("outputs %s: namespace %v", res.Stack, got)
		}
		if pw := res.Outputs[outAdminPassword]; !pw.Secret || pw.Value != "pw-"+res.Stack+"-"+res.Stack {
			t.Errorf("outputs %s: password %+v; want the secret revealed for the handout and marked secret", res.Stack, pw)
		}
	}
	again := runReal(t, e, OpUp, targets, false)
	for _, res := range again.Results {
		if res.Result != ResultUnchanged {
			t.Errorf("second up %s: %s; a stack already up to date is a no-op", res.Stack, res.Result)
		}
	}
	preview := runReal(t, e, OpPreview, targets, false)
	forced := runReal(t, e, OpUp, targets, true)
	for i, res := range preview.Results {
		if res.Changes["same"] != 3 || len(res.Changes) != 1 {
			t.Errorf("preview %s: %v; the engine must see no changes", res.Stack, res.Changes)
		}
		if f := forced.Results[i]; f.Changes["same"] != 3 || len(f.Changes) != 1 {
			t.Errorf("forced up %s: %v; want no changes", f.Stack, f.Changes)
		}
	}
	runReal(t, e, OpDown, targets, false)
	left, err := e.Stacks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("stacks left after down: %+v", left)
	}
	t.Logf("three attendees through up, status, outputs, up, preview, up --force, down: %s", time.Since(start).Round(time.Second))
}

// TestRealCLISharedPlatform: the platform comes up first, attendee stacks
// read its outputs through a StackReference, and it goes down last.
func TestRealCLISharedPlatform(t *testing.T) {
	e := realEngine(t, cloudlessProgram)
	r, err := ParseRoster("attendees.yaml", []byte(`
topology: shared
defaults: {region: ap-northeast-2}
attendees:
  - {name: alice, email: alice@example.com}
  - {name: bob, email: bob@example.com}
`))
	if err != nil {
		t.Fatal(err)
	}
	targets := targetsOf(t, r)
	up := runReal(t, e, OpUp, targets, false)
	platform := up.Results[0]
	for _, res := range up.Results[1:] {
		if res.SpinnakerTunnel != platform.SpinnakerTunnel || res.Outputs["platformStack"].Value != "platform" {
			t.Errorf("%s reads tunnel %q from the platform; want the platform's %q", res.Stack, res.SpinnakerTunnel, platform.SpinnakerTunnel)
		}
		if pw := res.Outputs[outAdminPassword]; !pw.Secret || pw.Value != "pw-platform-platform" {
			t.Errorf("%s: the platform's password arrives as %+v; want it, still secret", res.Stack, pw)
		}
	}
	runReal(t, e, OpDown, targets, false)
	if left, err := e.Stacks(context.Background()); err != nil || len(left) != 0 {
		t.Errorf("stacks left after down: %+v %v", left, err)
	}
}
