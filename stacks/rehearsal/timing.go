package rehearsal

import (
	"fmt"
	"math"
	"time"
)

// Upstream defaults of the periods that decide how fast a lost node is
// noticed and its pods replaced. The rehearsal divides each by the speed so
// that, in simulated time, the components behave as with their defaults.
const (
	// k8s.io/kubernetes v1.34.1 pkg/controller/nodelifecycle/config/v1alpha1/defaults.go
	nodeMonitorGracePeriod = 50 * time.Second
	nodeStartupGracePeriod = 60 * time.Second
	// k8s.io/cloud-provider v0.34.1 config/v1alpha1/defaults.go
	nodeMonitorPeriod = 5 * time.Second
	// cmd/kube-controller-manager/app/options/nodelifecyclecontroller.go
	nodeEvictionRate          = 0.1  // nodes per second, healthy zone
	secondaryNodeEvictionRate = 0.01 // nodes per second, unhealthy zone
	// plugin/pkg/admission/defaulttolerationseconds/admission.go
	defaultTolerationSeconds = 300
	// kwok's default, the kubelet's nodeLeaseDurationSeconds
	// (sigs.k8s.io/kwok v0.8.0 pkg/apis/config/v1alpha1/zz_generated.defaults.go)
	nodeLeaseDurationSeconds = 40
	// pkg/scheduler/apis/config/v1/defaults.go (SetDefaults_KubeSchedulerConfiguration)
	podMaxBackoffSeconds = 10
)

// maxSpeed keeps a node's lease renewed at least every two wall seconds
// (a quarter of its duration), which a busy machine can still keep up.
const maxSpeed = nodeLeaseDurationSeconds / 2

// timing holds the flags that run each component at the rehearsal's speed.
type timing struct {
	speed float64
}

func (t timing) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) / t.speed).Round(time.Millisecond)
}

func (t timing) scaledSeconds(s float64) int {
	return max(1, int(math.Round(s/t.speed)))
}

// controllerFlags are kube-controller-manager's. The PV binder joins the
// harness's controllers: it binds yelb's claims to the volumes the
// rehearsal's EBS driver creates.
func (t timing) controllerFlags() []string {
	return []string{
		"--node-monitor-period=" + t.scaled(nodeMonitorPeriod).String(),
		"--node-monitor-grace-period=" + t.scaled(nodeMonitorGracePeriod).String(),
		"--node-startup-grace-period=" + t.scaled(nodeStartupGracePeriod).String(),
		fmt.Sprintf("--node-eviction-rate=%g", nodeEvictionRate*t.speed),
		fmt.Sprintf("--secondary-node-eviction-rate=%g", secondaryNodeEvictionRate*t.speed),
		"--controllers=persistentvolume-binder",
	}
}

// apiServerFlags shorten the 300 s pods tolerate an unreachable node.
func (t timing) apiServerFlags() []string {
	s := t.scaledSeconds(defaultTolerationSeconds)
	return []string{
		fmt.Sprintf("--default-not-ready-toleration-seconds=%d", s),
		fmt.Sprintf("--default-unreachable-toleration-seconds=%d", s),
	}
}

// kwokFlags shorten the node leases; kwok renews each every quarter of it.
func (t timing) kwokFlags() []string {
	return []string{fmt.Sprintf("--node-lease-duration-seconds=%d", t.scaledSeconds(nodeLeaseDurationSeconds))}
}

// schedulerConfig is a KubeSchedulerConfiguration with the retry backoff
// shortened; one wall second is the least it takes, so a retry may come up
// to speed-1 simulated seconds late.
func (t timing) schedulerConfig(kubeconfig string) string {
	return fmt.Sprintf(`apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: %q
leaderElection:
  leaderElect: false
podInitialBackoffSeconds: 1
podMaxBackoffSeconds: %d
`, kubeconfig, t.scaledSeconds(podMaxBackoffSeconds))
}

// effectiveToleration is the toleration the pods get, in simulated seconds:
// the flag is whole wall seconds.
func (t timing) effectiveToleration() time.Duration {
	return time.Duration(float64(t.scaledSeconds(defaultTolerationSeconds))*t.speed) * time.Second
}
