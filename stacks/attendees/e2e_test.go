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
		if err := roomWiring(ctx, raw, prefix); err != nil {
			return err
		}
		if err := ctx.RegisterResourceOutputs(&app, pulumi.Map{}); err != nil {
			return err
		}
		return ctx.RegisterResourceOutputs(&attendee, pulumi.Map{"prefix": pulumi.String(prefix)})
	}
}

// roomWiring reads the other stacks of a room as the program does: an
// attendee stack re-exports the platform's Spinnaker, a platform reads the
// namespace of every attendee stack it serves.
func roomWiring(ctx *pulumi.Context, raw map[string]string, prefix string) error {
	if platform := raw[keySharedPlatform]; platform != "" {
		ref, err := pulumi.NewStackReference(ctx, "platform", &pulumi.StackReferenceArgs{Name: pulumi.String(platform)})
		if err != nil {
			return err
		}
		ctx.Export(outTunnel, ref.GetOutput(pulumi.String(outTunnel)))
		ctx.Export(outAdminPassword, ref.GetOutput(pulumi.String(outAdminPassword)))
		ctx.Export("platformStack", pulumi.String(platform))
		return nil
	}
	ctx.Export(outTunnel, pulumi.Sprintf("tunnel to %s", prefix))
	ctx.Export(outAdminPassword, pulumi.ToSecret(pulumi.String("pw-"+prefix)))
	if _, platform := raw[keyAttendeeStacks]; !platform {
		return nil
	}
	served := pulumi.Map{}
	for _, stack := range servedIn(raw) {
		ref, err := pulumi.NewStackReference(ctx, "attendee-"+stack, &pulumi.StackReferenceArgs{Name: pulumi.String(stack)})
		if err != nil {
			return err
		}
		served[stack] = ref.GetStringOutput(pulumi.String(outNamespace))
	}
	ctx.Export("served", served)
	return nil
}

// targetsOn plans the room as the command does, from the config the
// stacks already have.
func targetsOn(t *testing.T, r *Roster, e Engine) []Target {
	t.Helper()
	existing := map[string]map[string]string{}
	for _, m := range r.Members() {
		existing[m.Name] = e.ExistingConfig(m.Name)
	}
	targets, err := r.Targets(nil, existing)
	if err != nil {
		t.Fatal(err)
	}
	return targets
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
	cmd, err := NewPulumiCommand(bin, time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &AutoEngine{
		Project: configNamespace, StateDir: filepath.Join(dir, "workspaces"), Home: filepath.Join(dir, "home"),
		Backend: "file://" + state, Command: cmd, Program: ProgramOf(program),
		// In the engine's environment rather than the test's, so the
		// real-CLI tests run in parallel: they wait on CLI runs.
		Env: map[string]string{"PULUMI_CONFIG_PASSPHRASE": "end-to-end"},
	}
}

// runReal runs one operation and logs the table the command prints.
func runReal(t *testing.T, e *AutoEngine, op Op, targets []Target) *Report {
	t.Helper()
	r := &Runner{Engine: e, Parallel: 3, Retry: DefaultRetry, ProgramID: "cloudless",
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
	t.Parallel()
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

	up := runReal(t, e, OpUp, targets)
	for _, res := range up.Results {
		if res.Changes["create"] != 3 {
			t.Errorf("up %s created %v; want the stack and the program's two components", res.Stack, res.Changes)
		}
	}
	status := runReal(t, e, OpStatus, targets)
	for _, res := range status.Results {
		if res.LastUpdate == nil || res.LastUpdate.Kind != "update" || res.LastUpdate.Result != "succeeded" || res.Resources != 3 {
			t.Errorf("status %s: last update %+v, %d resources", res.Stack, res.LastUpdate, res.Resources)
		}
	}
	outputs := runReal(t, e, OpOutputs, targets)
	for _, res := range outputs.Results {
		if got := res.Outputs[outNamespace].Value; got != res.Stack+"-"+res.Stack {
			t.Errorf("outputs %s: namespace %v", res.Stack, got)
		}
		if pw := res.Outputs[outAdminPassword]; !pw.Secret || pw.Value != "pw-"+res.Stack+"-"+res.Stack {
			t.Errorf("outputs %s: password %+v; want the secret revealed for the handout and marked secret", res.Stack, pw)
		}
	}
	again := runReal(t, e, OpUp, targets)
	for _, res := range again.Results {
		if res.Result != ResultUnchanged {
			t.Errorf("second up %s: %s; a stack already up to date is a no-op", res.Stack, res.Result)
		}
	}
	// The engine agrees that the skipped update had nothing to do.
	preview := runReal(t, e, OpPreview, targets)
	for _, res := range preview.Results {
		if res.Changes["same"] != 3 || len(res.Changes) != 1 {
			t.Errorf("preview %s: %v; the engine must see no changes", res.Stack, res.Changes)
		}
	}
	runReal(t, e, OpDown, targets)
	left, err := e.Stacks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("stacks left after down: %+v", left)
	}
	t.Logf("three attendees through up, status, outputs, up, preview, down: %s", time.Since(start).Round(time.Second))
}

// TestRealCLISharedPlatform: the platform comes up first, attendee stacks
// read its outputs through a StackReference, the platform comes up again to
// read theirs (where the workshop program makes each attendee's Spinnaker
// account and pipelines), a second up changes nothing, and the platform
// goes down last.
func TestRealCLISharedPlatform(t *testing.T) {
	t.Parallel()
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
	up := runReal(t, e, OpUp, targets)
	platform := up.Results[0]
	for _, res := range up.Results[1:] {
		if res.SpinnakerTunnel != platform.SpinnakerTunnel || res.Outputs["platformStack"].Value != "platform" {
			t.Errorf("%s reads tunnel %q from the platform; want the platform's %q", res.Stack, res.SpinnakerTunnel, platform.SpinnakerTunnel)
		}
		if pw := res.Outputs[outAdminPassword]; !pw.Secret || pw.Value != "pw-platform-platform" {
			t.Errorf("%s: the platform's password arrives as %+v; want it, still secret", res.Stack, pw)
		}
	}
	served, _ := platform.Outputs["served"].Value.(map[string]any)
	if served["alice"] != "alice-alice" || served["bob"] != "bob-bob" {
		t.Errorf("the platform serves %v after up; want alice and bob, read from their stacks", served)
	}
	again := runReal(t, e, OpUp, targetsOn(t, r, e))
	for _, res := range again.Results {
		if res.Result != ResultUnchanged {
			t.Errorf("second up: %s %s; want it unchanged", res.Stack, res.Result)
		}
	}
	runReal(t, e, OpDown, targets)
	if left, err := e.Stacks(context.Background()); err != nil || len(left) != 0 {
		t.Errorf("stacks left after down: %+v %v", left, err)
	}
}
