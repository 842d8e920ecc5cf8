package rehearsal

import (
	"embed"
	"fmt"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

//go:embed kwok/*.yaml
var kwokFiles embed.FS

// Which pods wait for an EBS attach before they start.
const (
	withVolume    = `has(self.spec.volumes) && self.spec.volumes.exists(v, has(v.persistentVolumeClaim))`
	withoutVolume = `!(` + withVolume + `)`
)

// kwokStages are the Stage documents kwok runs with: upstream's node and pod
// Stages (kwok/README.md), the pod-ready one split so that a pod turns
// ready podStart after it is bound, and one with a volume attach later.
func kwokStages(podStart, volumeAttach time.Duration) (string, error) {
	var docs []string
	for _, f := range []string{"node-initialize", "node-heartbeat-with-lease", "pod-delete"} {
		b, err := kwokFiles.ReadFile("kwok/" + f + ".yaml")
		if err != nil {
			return "", err
		}
		docs = append(docs, strings.TrimSpace(string(b)))
	}
	for _, v := range []struct {
		suffix, cel string
		delay       time.Duration
	}{{"", withoutVolume, podStart}, {"-with-volume", withVolume, podStart + volumeAttach}} {
		doc, err := delayedPodReady(v.suffix, v.cel, v.delay)
		if err != nil {
			return "", err
		}
		docs = append(docs, doc)
	}
	return strings.Join(docs, "\n---\n") + "\n", nil
}

// delayedPodReady is upstream's pod-ready Stage for the pods cel selects,
// played delay after they match.
func delayedPodReady(suffix, cel string, delay time.Duration) (string, error) {
	b, err := kwokFiles.ReadFile("kwok/pod-ready.yaml")
	if err != nil {
		return "", err
	}
	var stage map[string]any
	if err := yaml.Unmarshal(b, &stage); err != nil {
		return "", fmt.Errorf("kwok/pod-ready.yaml: %w", err)
	}
	meta, _ := stage["metadata"].(map[string]any)
	spec, _ := stage["spec"].(map[string]any)
	selector, _ := spec["selector"].(map[string]any)
	exprs, _ := selector["matchExpressions"].([]any)
	if meta == nil || spec == nil || exprs == nil {
		return "", fmt.Errorf("kwok/pod-ready.yaml: not the Stage shape the rehearsal edits (metadata, spec.selector.matchExpressions)")
	}
	meta["name"] = "pod-ready" + suffix
	selector["matchExpressions"] = append(exprs, map[string]any{"cel": map[string]any{"expression": cel}})
	spec["delay"] = map[string]any{"durationMilliseconds": delay.Milliseconds()}
	out, err := yaml.Marshal(stage)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}
