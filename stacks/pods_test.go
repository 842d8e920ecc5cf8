package stacks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/workshop/spinnaker-modernization/components/yelb"
	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

// pod is one pod spec the program has the cluster run, and where it is from.
type pod struct {
	from string
	spec map[string]any
}

// podSpecPaths is where each kind keeps its pod spec.
var podSpecPaths = map[string][]string{
	"Pod":         {"spec"},
	"Deployment":  {"spec", "template", "spec"},
	"StatefulSet": {"spec", "template", "spec"},
	"DaemonSet":   {"spec", "template", "spec"},
	"ReplicaSet":  {"spec", "template", "spec"},
	"Job":         {"spec", "template", "spec"},
	"CronJob":     {"spec", "jobTemplate", "spec", "template", "spec"},
}

// podsOf collects every pod spec of the graph: typed Kubernetes resources,
// the objects of ConfigGroup YAML, and the stage manifests uploaded for
// Spinnaker to deploy.
func podsOf(t *testing.T, cloud *mockcloud.Cloud) []pod {
	t.Helper()
	var out []pod
	add := func(from, kind string, obj map[string]any) {
		if path, ok := podSpecPaths[kind]; ok {
			spec, _ := dig(obj, path...).(map[string]any)
			if spec == nil {
				t.Errorf("%s: %s without a pod spec", from, kind)
				return
			}
			out = append(out, pod{from, spec})
		}
	}
	manifest := func(from, text string) {
		objs, err := yelb.Objects(text)
		if err != nil {
			t.Fatalf("%s: %v", from, err)
		}
		for _, o := range objs {
			add(fmt.Sprintf("%s %s/%s", from, o.Kind(), o.Name()), o.Kind(), o)
		}
	}
	for _, r := range cloud.Resources() {
		switch {
		case strings.HasPrefix(r.Type, "kubernetes:") && r.Custom:
			kind := r.Type[strings.LastIndex(r.Type, ":")+1:]
			add(r.URN, kind, map[string]any{"spec": r.Input("spec")})
		case r.Type == "kubernetes:yaml/v2:ConfigGroup":
			manifest(r.URN, r.String("yaml"))
		case r.Type == "aws:s3/bucketObjectv2:BucketObjectv2" && strings.HasSuffix(r.String("key"), ".yaml"):
			manifest(r.URN, r.String("content"))
		}
	}
	return out
}

func dig(v any, path ...string) any {
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}

// nonRootProblems names each container that sets runAsNonRoot without a
// numeric, non-zero runAsUser, container settings over the pod's.
func nonRootProblems(p pod) []string {
	podSC, _ := p.spec["securityContext"].(map[string]any)
	var problems []string
	for _, list := range []string{"initContainers", "containers", "ephemeralContainers"} {
		containers, _ := p.spec[list].([]any)
		for _, c := range containers {
			c := c.(map[string]any)
			sc, _ := c["securityContext"].(map[string]any)
			nonRoot, user := effective(sc, podSC, "runAsNonRoot"), effective(sc, podSC, "runAsUser")
			if nonRoot != true {
				continue
			}
			if uid, ok := user.(float64); !ok || uid <= 0 {
				problems = append(problems, fmt.Sprintf("%s container %s: runAsNonRoot with runAsUser %v (image %v)", p.from, c["name"], user, c["image"]))
			}
		}
	}
	return problems
}

func effective(container, pod map[string]any, key string) any {
	if v, ok := container[key]; ok && v != nil {
		return v
	}
	return pod[key]
}

// TestRunAsNonRootHasANumericUser: the kubelet checks runAsNonRoot against
// the user it will run: runAsUser, else the image's USER, and refuses a
// USER given by name, since it cannot tell that name's number
// ("container has runAsNonRoot and image has non-numeric user";
// kubernetes pkg/kubelet/kuberuntime/security_context_others.go,
// verifyRunAsNonRoot). Images name their users (curl/curl-container:
// USER curl_user; Spinnaker's: USER spinnaker), so every container that
// sets runAsNonRoot gives a number, here or on its pod. Checked on every pod
// spec of the example stack (Spinnaker delivery: the stage manifests go to
// S3) and of a stack that applies all four stages itself.
func TestRunAsNonRootHasANumericUser(t *testing.T) {
	for _, c := range []struct {
		name      string
		overrides map[string]string
		mustSee   []string
	}{
		{"dev", nil, []string{"batch/v1:Job", "apps/v1:Deployment::hello-dev-platform-clouddriver", "hello-dev-yelb-4.high-availability"}},
		{"pulumi delivery stage 4", map[string]string{
			"workshop:yelb": `{"enabled":true,"backend":"lattice","delivery":"pulumi","stage":4,` +
				`"appServerV2Image":"123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/hello-dev/yelbv2@sha256:` + strings.Repeat("a", 64) + `"}`,
		}, []string{"ConfigGroup", "Deployment/yelb-appserver-v2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pods := podsOf(t, graphWith(t, c.overrides))
			var seen []string
			for _, p := range pods {
				seen = append(seen, p.from)
				for _, problem := range nonRootProblems(p) {
					t.Error(problem)
				}
			}
			all := strings.Join(seen, "\n")
			for _, want := range c.mustSee {
				if !strings.Contains(all, want) {
					t.Errorf("no pod from %s among the %d checked:\n%s", want, len(pods), all)
				}
			}
		})
	}
}

// TestNonRootCheckCatchesANamedUser guards the check itself: the seeding
// Job as it was (runAsNonRoot, curl's image, no runAsUser) is caught, a
// pod-level number is accepted, and a container's own setting wins.
func TestNonRootCheckCatchesANamedUser(t *testing.T) {
	container := func(sc map[string]any) []any {
		return []any{map[string]any{"name": "seed", "image": "curlimages/curl:8.11.0", "securityContext": sc}}
	}
	for _, c := range []struct {
		name string
		spec map[string]any
		bad  bool
	}{
		{"runAsNonRoot alone", map[string]any{"containers": container(map[string]any{"runAsNonRoot": true})}, true},
		{"user 0", map[string]any{"containers": container(map[string]any{"runAsNonRoot": true, "runAsUser": 0.0})}, true},
		{"number on the pod", map[string]any{"securityContext": map[string]any{"runAsUser": 10111.0},
			"containers": container(map[string]any{"runAsNonRoot": true})}, false},
		{"pod non-root, container number", map[string]any{"securityContext": map[string]any{"runAsNonRoot": true},
			"containers": container(map[string]any{"runAsUser": 65534.0})}, false},
		{"container turns it off", map[string]any{"securityContext": map[string]any{"runAsNonRoot": true},
			"containers": container(map[string]any{"runAsNonRoot": false})}, false},
		{"init container", map[string]any{"initContainers": container(map[string]any{"runAsNonRoot": true})}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := len(nonRootProblems(pod{c.name, c.spec})) > 0; got != c.bad {
				t.Errorf("reported %v, want %v", got, c.bad)
			}
		})
	}
}
