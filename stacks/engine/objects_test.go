package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/workshop/spinnaker-modernization/internal/harness"
)

// object is a Kubernetes object of the stack and the API server it is in.
type object struct {
	urn     string
	cluster string
	ref     harness.Object // apiVersion, kind, metadata.name and namespace
}

func (o object) String() string {
	return fmt.Sprintf("%s %s/%s in %s", o.ref["kind"], harness.Namespace(o.ref), harness.Name(o.ref), o.cluster)
}

// state is the stack's checkpoint.
func (w *world) state() []apitype.ResourceV3 {
	w.t.Helper()
	exported, err := w.stack.Export(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	var d apitype.DeploymentV3
	if err := json.Unmarshal(exported.Deployment, &d); err != nil {
		w.t.Fatal(err)
	}
	return d.Resources
}

// objects are the Kubernetes objects the stack holds, each found in the
// API server of its cluster.
func (w *world) objects() []object {
	w.t.Helper()
	ctx := context.Background()
	var out []object
	for _, r := range w.state() {
		if !r.Custom || !strings.HasPrefix(string(r.Type), "kubernetes:") || strings.HasPrefix(string(r.Type), "pulumi:providers:") {
			continue
		}
		ref := harness.Object{"apiVersion": r.Outputs["apiVersion"], "kind": r.Outputs["kind"], "metadata": r.Outputs["metadata"]}
		o := object{urn: string(r.URN), ref: ref}
		for _, name := range slices.Sorted(maps.Keys(w.clusters)) {
			if _, found, err := w.clusters[name].Get(ctx, ref); err == nil && found {
				o.cluster = name
				break
			}
		}
		if o.cluster == "" {
			w.t.Errorf("%s (%s %s) is in state but in no API server", r.URN, ref["kind"], harness.Name(ref))
			continue
		}
		out = append(out, o)
	}
	return out
}

// notReady says why a live object is not ready, or "" when it is: what the
// Kubernetes provider's await logic and kubectl rollout status look at.
func notReady(live harness.Object) string {
	kind, _ := live["kind"].(string)
	spec, _ := live["spec"].(map[string]any)
	status, _ := live["status"].(map[string]any)
	num := func(m map[string]any, k string) float64 { v, _ := m[k].(float64); return v }
	want := num(spec, "replicas")
	switch kind {
	case "Deployment":
		if got := num(status, "availableReplicas"); got < want {
			return fmt.Sprintf("%v of %v replicas available", got, want)
		}
	case "StatefulSet":
		if got := num(status, "readyReplicas"); got < want {
			return fmt.Sprintf("%v of %v replicas ready", got, want)
		}
	case "DaemonSet":
		if num(status, "numberReady") < num(status, "desiredNumberScheduled") {
			return "not every scheduled pod is ready"
		}
	case "Job":
		conditions, _ := status["conditions"].([]any)
		for _, c := range conditions {
			cm, _ := c.(map[string]any)
			if cm["type"] == "Complete" && cm["status"] == "True" {
				return ""
			}
		}
		return "not complete"
	}
	return ""
}

// requireReady fails for every object of the stack that is missing from
// its API server or not ready there. It allows a minute: on a loaded
// machine kwok's node heartbeats lag, the node controller marks a node
// NotReady and its pods unready until the next heartbeat.
func (w *world) requireReady() int {
	w.t.Helper()
	objects := w.objects()
	deadline := time.Now().Add(time.Minute)
	for {
		problems := w.notReady(objects)
		if len(problems) == 0 || time.Now().After(deadline) {
			report(w.t, problems)
			return len(objects)
		}
		time.Sleep(2 * time.Second)
	}
}

func (w *world) notReady(objects []object) []string {
	ctx := context.Background()
	var out []string
	for _, o := range objects {
		live, found, err := w.clusters[o.cluster].Get(ctx, o.ref)
		if err != nil || !found {
			out = append(out, fmt.Sprintf("%s: gone (%v)", o, err))
			continue
		}
		if why := notReady(live); why != "" {
			out = append(out, fmt.Sprintf("%s: %s", o, why))
		}
	}
	return out
}

// requireGone fails for every object still in its API server.
func (w *world) requireGone(objects []object) {
	w.t.Helper()
	ctx := context.Background()
	for _, o := range objects {
		if _, found, err := w.clusters[o.cluster].Get(ctx, o.ref); err != nil || found {
			w.t.Errorf("%s: still there after destroy (%v)", o, err)
		}
	}
}
