package rehearsal

import (
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// At speed 1 the components run with upstream's defaults; at speed 5 every
// period is a fifth, so that in simulated time nothing changes. Expected
// values are upstream's defaults (k8s.io/kubernetes v1.34.1: node monitor
// grace 50s, startup grace 60s, eviction rates 0.1 and 0.01, tolerations
// 300s, scheduler max backoff 10s; cloud-provider node monitor period 5s;
// kwok node lease 40s) worked by hand.
func TestComponentsRunAtTheRehearsalSpeed(t *testing.T) {
	cases := []struct {
		speed      float64
		controller []string
		apiServer  []string
		kwok       []string
		maxBackoff string
	}{
		{1,
			[]string{"--node-monitor-period=5s", "--node-monitor-grace-period=50s", "--node-startup-grace-period=1m0s", "--node-eviction-rate=0.1", "--secondary-node-eviction-rate=0.01"},
			[]string{"--default-not-ready-toleration-seconds=300", "--default-unreachable-toleration-seconds=300"},
			[]string{"--node-lease-duration-seconds=40"}, "podMaxBackoffSeconds: 10"},
		{5,
			[]string{"--node-monitor-period=1s", "--node-monitor-grace-period=10s", "--node-startup-grace-period=12s", "--node-eviction-rate=0.5", "--secondary-node-eviction-rate=0.05"},
			[]string{"--default-not-ready-toleration-seconds=60", "--default-unreachable-toleration-seconds=60"},
			[]string{"--node-lease-duration-seconds=8"}, "podMaxBackoffSeconds: 2"},
	}
	for _, c := range cases {
		t.Run(time.Duration(c.speed).String(), func(t *testing.T) {
			tm := timing{speed: c.speed}
			for _, want := range c.controller {
				if !slices.Contains(tm.controllerFlags(), want) {
					t.Errorf("controller flags %v lack %s", tm.controllerFlags(), want)
				}
			}
			if got := tm.apiServerFlags(); !slices.Equal(got, c.apiServer) {
				t.Errorf("API server flags %v, want %v", got, c.apiServer)
			}
			if got := tm.kwokFlags(); !slices.Equal(got, c.kwok) {
				t.Errorf("kwok flags %v, want %v", got, c.kwok)
			}
			cfg := tm.schedulerConfig("/k")
			var parsed map[string]any
			if err := yaml.Unmarshal([]byte(cfg), &parsed); err != nil || !strings.Contains(cfg, c.maxBackoff) {
				t.Errorf("scheduler config %q (%v): want %s", cfg, err, c.maxBackoff)
			}
		})
	}
}

// The PV binder must run, or the claims of yelb's data tier stay unbound
// and the database never starts.
func TestControllerManagerBindsVolumes(t *testing.T) {
	if !slices.Contains(timing{speed: 5}.controllerFlags(), "--controllers=persistentvolume-binder") {
		t.Fatal("the persistentvolume-binder controller is not enabled")
	}
}
