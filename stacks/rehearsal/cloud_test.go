package rehearsal

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/workshop/spinnaker-modernization/components/cluster"
)

var zones = []string{"z-a", "z-b", "z-c"}

func zonesOf(is []*instance) []string {
	out := make([]string, len(is))
	for i, in := range is {
		out[i] = in.Zone
	}
	return out
}

// Auto Scaling keeps the group balanced over its zones, so a terminated
// instance's replacement lands in the zone that lost it.
func TestNodeGroupBalancesZones(t *testing.T) {
	g := &nodeGroup{Name: "ng", Desired: 5, Max: 9, Zones: zones, cutZonesUntil: map[string]time.Duration{}}
	if got := zonesOf(g.launch(0)); !slices.Equal(got, []string{"z-a", "z-b", "z-c", "z-a", "z-b"}) {
		t.Fatalf("first launch in %v", got)
	}
	g.instances[1].State = terminated // the z-b one
	if got := zonesOf(g.launch(time.Minute)); !slices.Equal(got, []string{"z-b"}) {
		t.Fatalf("replacement in %v, want z-b", got)
	}
	if got := g.launch(2 * time.Minute); len(got) != 0 {
		t.Fatalf("launched %d more at desired size", len(got))
	}
}

// A node launched into a cut-off zone cannot register until the zone is
// back; elsewhere it joins after the launch delay.
func TestNodesJoinAfterTheDelayUnlessCutOff(t *testing.T) {
	g := &nodeGroup{Name: "ng", Desired: 2, Max: 9, Zones: zones, LaunchDelay: 2 * time.Minute, cutZonesUntil: map[string]time.Duration{"z-b": time.Hour}}
	g.launch(0)
	if got := g.joining(time.Minute); len(got) != 0 {
		t.Fatalf("%d joined before the delay", len(got))
	}
	if got := zonesOf(g.joining(2 * time.Minute)); !slices.Equal(got, []string{"z-a"}) {
		t.Fatalf("joined %v, want only z-a's", got)
	}
}

func TestShareRoundsUp(t *testing.T) {
	for _, c := range []struct{ percent, n, want int }{{40, 3, 2}, {40, 5, 2}, {40, 6, 3}, {50, 2, 1}, {50, 12, 6}, {100, 4, 4}, {1, 4, 1}} {
		if got := share(c.percent, c.n); got != c.want {
			t.Errorf("%d%% of %d = %d, want %d", c.percent, c.n, got, c.want)
		}
	}
}

// templateShape is a t3.small group with the dev stack's add-ons.
func templateShape(t *testing.T) Shape {
	t.Helper()
	in, err := LookupInstance("t3.small")
	if err != nil {
		t.Fatal(err)
	}
	return Shape{Instance: in, NodeGroup: cluster.NodeGroupArgs{Name: "ng", DiskSizeGiB: 20}, Workloads: Workloads(devConfig(t, nil).AddOns)}
}

func readyNode(s Shape, name, zone string) corev1.Node {
	n := nodeObject(s, name, zone, "i-1")
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	return n
}

func pendingPod(name string, labels map[string]string, antiAffinity bool, claim string) corev1.Pod {
	p := corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "app", Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
		}}}},
		Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable}}},
	}
	if antiAffinity {
		p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{TopologyKey: hostnameLabel, LabelSelector: &metav1.LabelSelector{MatchLabels: labels}}},
		}}
	}
	if claim != "" {
		p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}}
	}
	return p
}

func autoscalerPod(node string) corev1.Pod {
	return corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "ca", Namespace: "kube-system", Labels: map[string]string{appLabel: "cluster-autoscaler"}},
		Spec:       corev1.PodSpec{NodeName: node},
		Status:     corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}
}

// The autoscaler adds a node per pod that refuses to share a host, counts
// what t3.small leaves after six daemonsets (11 - 6 = 5 pods), stops at the
// group's maximum, and adds nothing for a pod whose volume lives in a zone
// its template node is not in.
func TestAutoscalerSizesTheScaleUp(t *testing.T) {
	shape := templateShape(t)
	spread := map[string]string{"app": "ui"}
	cases := []struct {
		name    string
		pods    []corev1.Pod
		desired int
		max     int
		want    int
	}{
		{"anti-affine pods get a node each", []corev1.Pod{pendingPod("ui-1", spread, true, ""), pendingPod("ui-2", spread, true, ""), pendingPod("ui-3", spread, true, "")}, 3, 9, 6},
		{"plain pods pack five to a node", []corev1.Pod{pendingPod("a", nil, false, ""), pendingPod("b", nil, false, ""), pendingPod("c", nil, false, ""), pendingPod("d", nil, false, ""), pendingPod("e", nil, false, ""), pendingPod("f", nil, false, "")}, 3, 9, 5},
		{"up to the maximum", []corev1.Pod{pendingPod("ui-1", spread, true, ""), pendingPod("ui-2", spread, true, ""), pendingPod("ui-3", spread, true, "")}, 3, 4, 4},
		{"a volume in another zone", []corev1.Pod{pendingPod("db-0", nil, false, "data-db-0")}, 3, 9, 3},
		{"a volume in the template's zone", []corev1.Pod{pendingPod("db-0", nil, false, "data-db-1")}, 3, 9, 4},
		{"room on a node already there", []corev1.Pod{pendingPod("a", nil, false, "")}, 3, 9, 3},
		{"a node still starting", []corev1.Pod{pendingPod("a", nil, false, "")}, 3, 9, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := &world{
				shape:   shape,
				group:   &nodeGroup{Name: "ng", Desired: c.desired, Max: c.max, Zones: zones, cutZonesUntil: map[string]time.Duration{}},
				volumes: &ebsVolumes{zones: map[string]string{"app/data-db-0": "z-b", "app/data-db-1": "z-a"}},
			}
			w.group.launch(0)
			for _, i := range w.group.instances {
				i.State = running
			}
			first := w.group.instances[0].Node
			s := snapshot{At: time.Minute, Nodes: []corev1.Node{readyNode(shape, first, "z-a")}}
			s.Pods = append(c.pods, autoscalerPod(first))
			if c.name == "a node still starting" {
				// Registered, its CNI not up yet (objects.go, networkNotReady).
				s.Nodes = append(s.Nodes, nodeObject(shape, w.group.instances[1].Node, "z-b", "i-2"))
			}
			if c.name != "room on a node already there" {
				s.Pods = append(s.Pods, filler(first, shape.Instance.MaxPods()-1)...)
			}
			if err := w.autoscale(context.Background(), s); err != nil {
				t.Fatal(err)
			}
			if w.group.Desired != c.want {
				t.Errorf("desired %d, want %d", w.group.Desired, c.want)
			}
		})
	}
}

// filler are n pods bound to node, which leave it no room for more.
func filler(node string, n int) []corev1.Pod {
	out := make([]corev1.Pod, n)
	for i := range out {
		out[i] = corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("filler-%d", i)}, Spec: corev1.PodSpec{NodeName: node}}
	}
	return out
}

// With its own pod gone, cluster-autoscaler scales nothing.
func TestAutoscalerNeedsItsPod(t *testing.T) {
	shape := templateShape(t)
	w := &world{shape: shape, group: &nodeGroup{Name: "ng", Desired: 1, Max: 9, Zones: zones, cutZonesUntil: map[string]time.Duration{}}, volumes: &ebsVolumes{}}
	w.group.launch(0)
	w.group.instances[0].State = running
	s := snapshot{At: time.Minute, Nodes: []corev1.Node{readyNode(shape, w.group.instances[0].Node, "z-a")}, Pods: []corev1.Pod{pendingPod("x", nil, false, "")}}
	if err := w.autoscale(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if w.group.Desired != 1 {
		t.Fatalf("desired %d without a running autoscaler, want 1", w.group.Desired)
	}
}

// The hypothesis pick takes the nodes with yelb-ui first, then those with
// the single-replica data tier, then the busiest.
func TestPickHypothesisHitsTheUIThenTheDataTier(t *testing.T) {
	pod := func(app, node, owner string) corev1.Pod {
		yes := true
		return corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: app + "-" + node, Namespace: "app", Labels: map[string]string{appLabel: app},
				OwnerReferences: []metav1.OwnerReference{{Kind: owner, Controller: &yes}}},
			Spec:   corev1.PodSpec{NodeName: node},
			Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
		}
	}
	s := snapshot{Pods: []corev1.Pod{
		pod("yelb-ui", "n1", "ReplicaSet"), pod("yelb-appserver", "n1", "ReplicaSet"),
		pod("yelb-ui", "n2", "ReplicaSet"), pod("yelb-db", "n2", "StatefulSet"),
		pod("yelb-appserver", "n3", "ReplicaSet"), pod("yelb-appserver", "n3", "ReplicaSet"), pod("redis-server", "n3", "StatefulSet"),
		pod("yelb-appserver", "n4", "ReplicaSet"), pod("yelb-appserver", "n4", "ReplicaSet"), pod("yelb-appserver", "n4", "ReplicaSet"),
	}}
	w := &world{shape: Shape{Namespace: "app"}, opts: Options{Pick: PickHypothesis}}
	if got := w.pickNodes(s, []string{"n4", "n3", "n2", "n1"}, 3); !slices.Equal(got, []string{"n2", "n1", "n3"}) {
		t.Fatalf("picked %v, want n2 (ui and db), n1 (ui), n3 (redis)", got)
	}
	w.opts = Options{Pick: PickRandom, Seed: 7}
	a, b := w.pickNodes(s, []string{"n1", "n2", "n3", "n4"}, 2), w.pickNodes(s, []string{"n4", "n3", "n2", "n1"}, 2)
	if !slices.Equal(a, b) {
		t.Fatalf("a random pick with one seed differs: %v and %v", a, b)
	}
}
