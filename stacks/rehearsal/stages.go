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

// claimKey finds a pod's claims, in the jq form upstream's Stages use:
// no volumes (an error iterating null) or none with a claim reads as absent.
const claimKey = ".spec.volumes.[].persistentVolumeClaim.claimName"

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
		suffix, operator string
		delay            time.Duration
	}{{"", "DoesNotExist", podStart}, {"-with-volume", "Exists", podStart + volumeAttach}} {
		doc, err := delayedPodReady(v.suffix, v.operator, v.delay)
		if err != nil {
			return "", err
		}
		docs = append(docs, doc)
	}
	return strings.Join(docs, "\n---\n") + "\n", nil
}

// delayedPodReady is upstream's pod-ready Stage for the pods with (operator
// Exists) or without (DoesNotExist) a claim, played delay after they match.
func delayedPodReady(suffix, operator string, delay time.Duration) (string, error) {
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
	selector["matchExpressions"] = append(exprs, map[string]any{"key": claimKey, "operator": operator})
	spec["delay"] = map[string]any{"durationMilliseconds": delay.Milliseconds()}
	out, err := yaml.Marshal(stage)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}
