package stacks

import (
	"testing"

	"github.com/workshop/spinnaker-modernization/components/addons"
)

// With workshop:chartMirror every chart, the OCI-hosted Lattice controller
// included, comes from the mirror by its name and pinned version; without
// it each comes from its upstream repository.
func TestChartMirrorServesEveryChart(t *testing.T) {
	const mirror = "https://charts.internal.example.com/workshop"
	pinned := map[string]addons.Chart{}
	for _, c := range []addons.Chart{
		addons.LoadBalancerControllerChart, addons.ClusterAutoscalerChart, addons.MetricsServerChart,
		addons.GatewayAPIControllerChart, addons.ExternalDNSChart, addons.AppMeshControllerChart,
	} {
		pinned[c.Name] = c
	}
	t.Run("mirror", func(t *testing.T) {
		cloud, _ := graphOf(t, map[string]string{"workshop:chartMirror": mirror})
		charts := cloud.OfType("kubernetes:helm.sh/v4:Chart")
		if len(charts) == 0 {
			t.Fatal("no charts in the dev graph")
		}
		for _, r := range charts {
			opts, _ := r.Input("repositoryOpts").(map[string]any)
			c, ok := pinned[r.String("chart")]
			if !ok || opts["repo"] != mirror || r.String("version") != c.Version {
				t.Errorf("%s: chart %q %s from %v, want a pinned chart by name from the mirror", r.Name, r.String("chart"), r.String("version"), opts["repo"])
			}
		}
	})
	t.Run("upstream", func(t *testing.T) {
		cloud, _ := graphOf(t, nil)
		lattice := addons.GatewayAPIControllerChart
		r, ok := cloud.Find("kubernetes:helm.sh/v4:Chart", "hello-dev-app-"+lattice.Name)
		if !ok {
			t.Fatal("no Lattice controller chart")
		}
		if r.String("chart") != lattice.Repo+"/"+lattice.Name {
			t.Errorf("without a mirror the Lattice controller comes from %q, want %s", r.String("chart"), lattice.Repo)
		}
	})
}
