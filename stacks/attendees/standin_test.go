package attendees

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/workshop/spinnaker-modernization/components/addons"
	"github.com/workshop/spinnaker-modernization/internal/harness"
	"github.com/workshop/spinnaker-modernization/internal/harness/standin"
	"github.com/workshop/spinnaker-modernization/stacks"
)

// standInRoom is a shared room run by the runner with the workshop program
// itself on the real CLI and the real Kubernetes provider, with the
// in-process AWS and EKS stand-ins and an API server per EKS cluster.
type standInRoom struct {
	engine   *AutoEngine
	clusters standin.Clusters
	aws      *standin.AWS
	roster   *Roster
}

func newStandInRoom(t *testing.T) *standInRoom {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the stand-in room takes minutes")
	}
	var charts []standin.Chart
	for _, c := range addons.Charts {
		charts = append(charts, standin.Chart{Name: c.Name, Version: c.Version})
	}
	mirror, err := standin.ServeCharts(charts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mirror.Close() })
	r, err := ParseRoster("attendees.yaml", []byte(fmt.Sprintf(`
topology: shared
defaults: {region: ap-northeast-2, overrides: {chartMirror: %q}}
attendees:
  - {name: alice, email: alice@example.com}
  - {name: bob, email: bob@example.com}
  - {name: carol, email: carol@example.com}
`, mirror.URL)))
	if err != nil {
		t.Fatal(err)
	}
	room := &standInRoom{clusters: standin.Clusters{}, roster: r}
	for _, name := range []string{"platform-platform-app", "platform-platform-platform", "alice-alice-app", "bob-bob-app", "carol-carol-app"} {
		room.clusters[name] = harness.StartForTest(t, harness.Options{
			Controllers: true, Scheduler: true,
			KwokStages: harness.KwokStages() + "---\n" + harness.AWSControllerStages(),
		})
	}
	providers, err := standin.Start("ap-northeast-2", room.clusters)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(providers.Stop)
	room.aws = providers.AWS
	room.engine = standInEngine(t, providers.DebugProviders())
	return room
}

// standInEngine is the runner's engine on the real CLI in the harness
// engine's environment: attached to the stand-ins, with the real
// Kubernetes provider first on PATH and Helm's files in the test's
// directory.
func standInEngine(t *testing.T, debugProviders string) *AutoEngine {
	t.Helper()
	h := harness.NewEngine(t, harness.EngineOptions{DebugProviders: debugProviders, Kubernetes: true})
	e := realEngine(t, stacks.Program)
	maps.Copy(e.Env, h.Env)
	e.Backend, e.Home = h.Env["PULUMI_BACKEND_URL"], h.Env["PULUMI_HOME"]
	return e
}

// run runs one operation on the whole room and logs the command's table.
func (room *standInRoom) run(t *testing.T, op Op) *Report {
	t.Helper()
	start := time.Now()
	report := runReal(t, room.engine, op, targetsOn(t, room.roster, room.engine))
	t.Logf("FIGURE stand-in room %s: %s", op, time.Since(start).Round(time.Second))
	return report
}

// clouddriverAccounts is clouddriver's config on the platform cluster.
func (room *standInRoom) clouddriverConfig(t *testing.T) string {
	t.Helper()
	secret, found, err := room.clusters["platform-platform-platform"].Get(context.Background(), harness.Object{
		"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{"name": "spinnaker-secrets", "namespace": stacks.SpinnakerNamespace},
	})
	if err != nil || !found {
		t.Fatalf("Spinnaker's config secret: found %v, %v", found, err)
	}
	data, _ := secret["data"].(map[string]any)
	b64, _ := data["clouddriver-local.yml"].(string)
	text, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	return string(text)
}

// TestStandInSharedRoom runs a shared room of three attendees with the
// workshop program through the runner: the platform comes up, the
// attendees read it and come up in parallel, the platform comes up again
// and gives each attendee's cluster a clouddriver account; status and
// outputs read every stack, a second up changes nothing, and down leaves
// nothing in the stand-in AWS.
func TestStandInSharedRoom(t *testing.T) {
	room := newStandInRoom(t)
	up := room.run(t, OpUp)
	results := resultsByStack(up)
	attendees := []string{"alice", "bob", "carol"}
	for _, a := range attendees {
		if results[a].SpinnakerTunnel == "" || results[a].SpinnakerTunnel != results["platform"].SpinnakerTunnel {
			t.Errorf("%s's tunnel %q is not the room's %q", a, results[a].SpinnakerTunnel, results["platform"].SpinnakerTunnel)
		}
	}
	config := room.clouddriverConfig(t)
	for _, a := range attendees {
		server := room.clusters[a+"-"+a+"-app"].URL
		if !strings.Contains(config, "name: "+stacks.RoomAccount(a)) || !strings.Contains(config, server) {
			t.Errorf("clouddriver has no account %s reaching %s:\n%s", stacks.RoomAccount(a), server, config)
		}
	}
	room.run(t, OpStatus)
	outputs := resultsByStack(room.run(t, OpOutputs))
	for _, a := range attendees {
		if outputs[a].Outputs["platformStack"].Value != "platform" || !outputs[a].Outputs[stacks.OutSpinnakerPassword].Secret {
			t.Errorf("%s's outputs do not point at the room's platform, with its password secret: %v", a, outputs[a].Outputs["platformStack"])
		}
	}
	again := room.run(t, OpUp)
	for _, res := range again.Results {
		if res.Result != ResultUnchanged {
			t.Errorf("second up: %s %s", res.Stack, res.Result)
		}
	}
	room.run(t, OpDown)
	if left, err := room.engine.Stacks(context.Background()); err != nil || len(left) != 0 {
		t.Errorf("stacks left after down: %+v %v", left, err)
	}
	if left := room.aws.Resources(); len(left) > 0 {
		t.Errorf("AWS resources left after down: %v", left)
	}
}
