package harness

import (
	"context"
	"os"
	"testing"
)

// StartForTest starts a control plane for one test and stops it when the
// test ends. Set WORKSHOP_HARNESS_LOG=1 to see the servers' output.
func StartForTest(t testing.TB, o Options) *ControlPlane {
	t.Helper()
	short := testing.Short()
	bins := Bins{
		Etcd:      Binary(t, short, "etcd"),
		APIServer: Binary(t, short, "kube-apiserver"),
	}
	if o.Controllers {
		bins.ControllerManager = Binary(t, short, "kube-controller-manager")
	}
	if o.Scheduler {
		bins.Scheduler = Binary(t, short, "kube-scheduler")
	}
	if o.KwokStages != "" {
		bins.Kwok = Binary(t, short, "kwok")
	}
	if o.Log == nil && os.Getenv("WORKSHOP_HARNESS_LOG") != "" {
		o.Log = os.Stderr
	}
	ctx, cancel := context.WithCancel(context.Background())
	cp, err := StartControlPlane(ctx, t.TempDir(), bins, o)
	if err != nil {
		cancel()
		t.Fatalf("starting the control plane: %v", err)
	}
	t.Cleanup(func() {
		cp.Stop()
		cancel()
	})
	return cp
}
