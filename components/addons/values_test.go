package addons

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"sigs.k8s.io/yaml"
)

// freeForm are values the chart's templates range over, whose keys are the
// program's own: cluster-autoscaler renders each extraArgs entry as a flag
// (kubernetes/autoscaler chart 9.59.0 templates/deployment.yaml,
// `range $key, $value := .Values.extraArgs`).
var freeForm = map[string]map[string]bool{
	"cluster-autoscaler": {"extraArgs": true},
}

// TestEveryHelmValueExistsInItsChart: Helm ignores a value its chart does not
// read, so a misspelt or outdated key silently leaves the default in force.
// Every value set here must exist in the values.yaml of the pinned chart
// version, copied from upstream into testdata/charts (see its README).
func TestEveryHelmValueExistsInItsChart(t *testing.T) {
	cloud := mustBuild(t, Flags{
		LoadBalancerController: true, ClusterAutoscaler: true, MetricsServer: true,
		GatewayAPIController: true, AppMeshController: true,
	}).cloud
	charts := cloud.OfType("kubernetes:helm.sh/v4:Chart")
	if len(charts) != 6 {
		t.Fatalf("%d charts installed, want 6", len(charts))
	}
	for _, c := range charts {
		name := chartBaseName(c.String("chart"))
		t.Run(name, func(t *testing.T) {
			file := filepath.Join("testdata", "charts", name+"-"+c.String("version")+".values.yaml")
			text, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("no upstream values.yaml for %s %s: %v", name, c.String("version"), err)
			}
			var upstream map[string]any
			if err := yaml.Unmarshal(text, &upstream); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			ours, _ := c.Input("values").(map[string]any)
			for _, key := range unknownKeys(ours, upstream, "", freeForm[name]) {
				t.Errorf("%s %s has no value %s", name, c.String("version"), key)
			}
		})
	}
}

// unknownKeys lists the key paths of ours that upstream does not have. A
// value upstream leaves empty ({} or null) takes keys of the user's choosing.
func unknownKeys(ours, upstream map[string]any, prefix string, free map[string]bool) []string {
	var out []string
	for k, v := range ours {
		key := prefix + k
		theirs, ok := upstream[k]
		switch {
		case free[key]:
			continue
		case !ok:
			out = append(out, key)
			continue
		}
		sub, isMap := v.(map[string]any)
		if !isMap || theirs == nil {
			continue
		}
		theirSub, ok := theirs.(map[string]any)
		if !ok {
			out = append(out, key+" (upstream is not a map)")
			continue
		}
		if len(theirSub) > 0 {
			out = append(out, unknownKeys(sub, theirSub, key+".", free)...)
		}
	}
	sort.Strings(out)
	return out
}

func TestUnknownKeysFindsWhatTheChartLacks(t *testing.T) {
	upstream := map[string]any{
		"serviceAccount": map[string]any{"create": true, "name": nil, "annotations": map[string]any{}},
		"region":         nil,
		"extraArgs":      map[string]any{"v": 4},
	}
	for _, c := range []struct {
		name string
		ours map[string]any
		free map[string]bool
		want []string
	}{
		{"known keys", map[string]any{"region": "x", "serviceAccount": map[string]any{"name": "a"}}, nil, nil},
		{"misspelt key", map[string]any{"regoin": "x"}, nil, []string{"regoin"}},
		{"nested", map[string]any{"serviceAccount": map[string]any{"nmae": "a"}}, nil, []string{"serviceAccount.nmae"}},
		{"empty map takes any key", map[string]any{"serviceAccount": map[string]any{"annotations": map[string]any{"k": "v"}}}, nil, nil},
		{"free-form", map[string]any{"extraArgs": map[string]any{"expander": "least-waste"}}, map[string]bool{"extraArgs": true}, nil},
		{"not free-form", map[string]any{"extraArgs": map[string]any{"expander": "least-waste"}}, nil, []string{"extraArgs.expander"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := unknownKeys(c.ours, upstream, "", c.free)
			if len(got) != len(c.want) || (len(got) > 0 && got[0] != c.want[0]) {
				t.Errorf("unknownKeys = %v, want %v", got, c.want)
			}
		})
	}
}
