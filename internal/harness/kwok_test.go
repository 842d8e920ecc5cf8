package harness

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// eventually polls cond until it returns "" or a minute passes.
func eventually(t *testing.T, cp *ControlPlane, what string, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		why := cond()
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s\nkwok:\n%s", what, why, cp.Tail("kwok"))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func field(obj Object, path ...string) any {
	var v any = obj
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}

// What the scenarios rely on kwok and our Stages for: a Ready node that
// pods schedule onto, a StatefulSet's claim on an EBS (ebs.csi.aws.com)
// class bound once its pod is scheduled (WaitForFirstConsumer), a Job
// completing, an ALB Ingress given a hostname, and all of it gone with its
// namespace, volume included.
func TestKwokRunsWorkloadsAndStandsInForTheAWSControllers(t *testing.T) {
	cp := StartForTest(t, Options{Controllers: true, Scheduler: true, KwokStages: KwokStages() + "---\n" + AWSControllerStages()})
	ctx := context.Background()
	get := func(obj Object) Object {
		live, found, err := cp.Get(ctx, obj)
		if err != nil || !found {
			return nil
		}
		return live
	}
	meta := func(name string) map[string]any { return map[string]any{"name": name, "namespace": "kw"} }
	labels := map[string]any{"app": "db"}
	podSpec := func(restart string) map[string]any {
		return map[string]any{"restartPolicy": restart, "containers": []any{map[string]any{"name": "c", "image": "x"}}}
	}
	objects := []Object{
		{"apiVersion": "v1", "kind": "Node", "metadata": map[string]any{
			"name": "node-1", "annotations": map[string]any{"kwok.x-k8s.io/node": "fake"},
			"labels": map[string]any{"topology.kubernetes.io/zone": "ap-northeast-2a"},
		}, "status": map[string]any{"allocatable": map[string]any{"cpu": "2", "memory": "2Gi", "pods": "11"}, "capacity": map[string]any{"cpu": "2", "memory": "2Gi", "pods": "11"}}},
		{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "kw"}},
		{"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": map[string]any{"name": "kw-gp3"},
			"provisioner": "ebs.csi.aws.com", "volumeBindingMode": "WaitForFirstConsumer", "reclaimPolicy": "Delete"},
		{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta("db"), "spec": map[string]any{
			"replicas": 1, "serviceName": "db", "selector": map[string]any{"matchLabels": labels},
			"template": map[string]any{"metadata": map[string]any{"labels": labels}, "spec": podSpec("Always")},
			"volumeClaimTemplates": []any{map[string]any{"metadata": map[string]any{"name": "data"}, "spec": map[string]any{
				"accessModes": []any{"ReadWriteOnce"}, "storageClassName": "kw-gp3",
				"resources": map[string]any{"requests": map[string]any{"storage": "1Gi"}},
			}}},
		}},
		{"apiVersion": "batch/v1", "kind": "Job", "metadata": meta("seed"), "spec": map[string]any{
			"template": map[string]any{"spec": podSpec("Never")},
		}},
		{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta("ui"), "spec": map[string]any{
			"ingressClassName": "alb",
			"defaultBackend":   map[string]any{"service": map[string]any{"name": "ui", "port": map[string]any{"number": 80}}},
		}},
	}
	for _, o := range objects {
		if err := cp.Create(ctx, o); err != nil {
			t.Fatalf("%s %s: %v", o["kind"], Name(o), err)
		}
	}
	statefulSet, job, ingress, claim := objects[3], objects[4], objects[5],
		Object{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta("data-db-0")}
	eventually(t, cp, "StatefulSet ready", func() string {
		if r := field(get(statefulSet), "status", "readyReplicas"); r != float64(1) {
			return fmt.Sprintf("readyReplicas %v; claim %v", r, field(get(claim), "status"))
		}
		return ""
	})
	volume, _ := field(get(claim), "spec", "volumeName").(string)
	if field(get(claim), "status", "phase") != "Bound" || volume == "" {
		t.Fatalf("claim %v", get(claim))
	}
	eventually(t, cp, "Job complete", func() string {
		for _, c := range asList(field(get(job), "status", "conditions")) {
			if c["type"] == "Complete" && c["status"] == "True" {
				return ""
			}
		}
		return fmt.Sprintf("status %v", field(get(job), "status"))
	})
	eventually(t, cp, "Ingress hostname", func() string {
		lbs := asList(field(get(ingress), "status", "loadBalancer", "ingress"))
		if len(lbs) == 0 || !strings.HasSuffix(fmt.Sprint(lbs[0]["hostname"]), ".elb.amazonaws.com") {
			return fmt.Sprintf("status %v", field(get(ingress), "status"))
		}
		return ""
	})
	if err := cp.Delete(ctx, objects[1]); err != nil {
		t.Fatal(err)
	}
	pv := Object{"apiVersion": "v1", "kind": "PersistentVolume", "metadata": map[string]any{"name": volume}}
	eventually(t, cp, "namespace and volume gone", func() string {
		if get(objects[1]) != nil || get(pv) != nil {
			return fmt.Sprintf("namespace %v, volume %v", field(get(objects[1]), "status"), field(get(pv), "status"))
		}
		return ""
	})
}

func asList(v any) []map[string]any {
	items, _ := v.([]any)
	out := make([]map[string]any, 0, len(items))
	for _, i := range items {
		m, _ := i.(map[string]any)
		out = append(out, m)
	}
	return out
}

// The node controller marks a node NotReady, and its pods unready, once
// neither its Lease nor its status has been renewed for the grace period
// (50 s); kwok's heartbeat Stage updates the status only every 10 minutes,
// so kwok must hold and renew each node's Lease as the kubelet does
// (kwok pkg/kwok/controllers/controller.go, initNodeLeaseController: a
// quarter of the lease duration).
func TestKwokRenewsNodeLeases(t *testing.T) {
	cp := StartForTest(t, Options{Controllers: true, KwokStages: KwokStages()})
	ctx := context.Background()
	node := Object{"apiVersion": "v1", "kind": "Node", "metadata": map[string]any{
		"name": "node-1", "annotations": map[string]any{"kwok.x-k8s.io/node": "fake"},
	}}
	if err := cp.Create(ctx, node); err != nil {
		t.Fatal(err)
	}
	lease := Object{"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": map[string]any{"name": "node-1", "namespace": "kube-node-lease"}}
	renewals := map[any]bool{}
	eventually(t, cp, "the node's Lease renewed", func() string {
		live, found, err := cp.Get(ctx, lease)
		if err != nil || !found {
			return fmt.Sprintf("no Lease (%v)", err)
		}
		renewals[field(live, "spec", "renewTime")] = true
		if len(renewals) < 2 {
			return fmt.Sprintf("renewed at %v only", field(live, "spec", "renewTime"))
		}
		return ""
	})
}
