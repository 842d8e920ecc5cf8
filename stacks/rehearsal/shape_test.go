package rehearsal

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/workshop/spinnaker-modernization/components/chaos"
	"github.com/workshop/spinnaker-modernization/components/yelb"
	"github.com/workshop/spinnaker-modernization/stacks"
)

// devConfig is the repository's example stack, as `pulumi` would hand it over.
func devConfig(t *testing.T, overrides map[string]string) stacks.Config {
	t.Helper()
	_, raw, _, err := stacks.ReadStackConfig(filepath.Join("..", ".."), "dev")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range overrides {
		raw[k] = v
	}
	cfg, err := stacks.Parse("dev", raw)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The tiers are counted through their Services' endpoints: every Service a
// tier names must be one the stage's manifests create, or that tier would
// read as down for the whole rehearsal.
func TestTiersAreServicesOfTheStage(t *testing.T) {
	cfg := devConfig(t, nil)
	for stage := 1; stage <= len(yelb.StageFiles); stage++ {
		t.Run(yelb.StageFiles[stage-1], func(t *testing.T) {
			shape, err := NewShape(cfg, stage, chaos.TerminateEKSNodes)
			if err != nil {
				t.Fatal(err)
			}
			var services []string
			for _, o := range shape.Yelb {
				if o.Kind() == "Service" {
					services = append(services, o.Name())
				}
			}
			for _, tier := range shape.Tiers() {
				for _, svc := range tier.Services {
					if !slices.Contains(services, svc) {
						t.Errorf("tier %s reads Service %s, which stage %d does not create (it has %v)", tier.Name, svc, stage, services)
					}
				}
			}
		})
	}
}

// The experiment is the stack's own FIS template (components/chaos), read
// for what it does, not a copy of its numbers.
func TestExperimentComesFromTheStackTemplates(t *testing.T) {
	cfg := devConfig(t, map[string]string{
		"workshop:chaos": `{"enabled":true,"terminationPercentage":25,"availabilityZone":"ap-northeast-2b"}`,
	})
	cases := []struct {
		template string
		want     Experiment
	}{
		{chaos.TerminateEKSNodes, Experiment{Template: chaos.TerminateEKSNodes, Percent: 25}},
		{chaos.AppServerPodDelete, Experiment{Template: chaos.AppServerPodDelete, Percent: 50, Selector: map[string]string{"app": "yelb-appserver"}}},
		{chaos.AZPowerInterruption, Experiment{Template: chaos.AZPowerInterruption, Zone: "ap-northeast-2b", DurationSeconds: 300}},
	}
	for _, c := range cases {
		t.Run(c.template, func(t *testing.T) {
			shape, err := NewShape(cfg, 1, c.template)
			if err != nil {
				t.Fatal(err)
			}
			got := shape.Experiment
			if got.Template != c.want.Template || got.Percent != c.want.Percent || got.Zone != c.want.Zone ||
				got.DurationSeconds != c.want.DurationSeconds || selectorString(got.Selector) != selectorString(c.want.Selector) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestShapeRefusesWhatItCannotRehearseByName(t *testing.T) {
	cases := []struct {
		name      string
		overrides map[string]string
		stage     int
		template  string
		wantKey   string
	}{
		{"app mesh", map[string]string{"workshop:yelb": `{"enabled":true,"backend":"appmesh","delivery":"spinnaker"}`}, 1, chaos.TerminateEKSNodes, "workshop:yelb"},
		{"stage 5", nil, 5, chaos.TerminateEKSNodes, "--stage"},
		{"unknown template", nil, 1, "TerminateEverything", "--template"},
		{"unknown instance", map[string]string{"workshop:nodeGroup": `{"name":"default","instanceType":"c7gn.large","minSize":1,"maxSize":9,"desiredSize":3,"diskSizeGiB":20}`}, 1, chaos.TerminateEKSNodes, "workshop:nodeGroup"},
		{"chaos off", map[string]string{"workshop:chaos": `{"enabled":false}`}, 1, chaos.TerminateEKSNodes, "workshop:chaos"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewShape(devConfig(t, c.overrides), c.stage, c.template)
			if err == nil || !strings.Contains(err.Error(), c.wantKey) {
				t.Fatalf("want an error naming %s, got %v", c.wantKey, err)
			}
		})
	}
}

// The rehearsal leaves out objects that schedule nothing, and says which.
func TestYelbObjectsKeepWhatSchedulesPods(t *testing.T) {
	shape, err := NewShape(devConfig(t, nil), 4, chaos.TerminateEKSNodes)
	if err != nil {
		t.Fatal(err)
	}
	apply, skipped := yelbObjects(shape.Yelb)
	kinds := map[string]int{}
	for _, o := range apply {
		kinds[o.Kind()]++
	}
	if kinds["Deployment"] < 2 || kinds["StatefulSet"] != 2 || kinds["PodDisruptionBudget"] < 2 {
		t.Errorf("applied kinds %v: want the app's Deployments, its two StatefulSets and the stage-4 budgets", kinds)
	}
	for _, k := range []string{"Ingress", "HTTPRoute", "Gateway"} {
		if !slices.Contains(skipped, k) {
			t.Errorf("skipped %v: want %s among them", skipped, k)
		}
	}
}
