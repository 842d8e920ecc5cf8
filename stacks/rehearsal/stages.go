package rehearsal

import (
	"fmt"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/workshop/spinnaker-modernization/internal/harness"
)

// claimKey finds a pod's claims, in the jq form upstream's Stages use:
// no volumes (an error iterating null) or none with a claim reads as absent.
const claimKey = ".spec.volumes.[].persistentVolumeClaim.claimName"

// kwokStages are the Stage documents kwok runs with: upstream's node and pod
// Stages (kwok/README.md), node-initialize delayed by nodeReady, and the
// pod-ready one split so that a pod turns ready podStart after it is bound,
// and one with a volume attach later.
func kwokStages(nodeReady, podStart, volumeAttach time.Duration) (string, error) {
	var docs []string
	for _, f := range []string{"node-heartbeat-with-lease", "pod-delete"} {
		b, err := harness.KwokStage(f)
		if err != nil {
			return "", err
		}
		docs = append(docs, strings.TrimSpace(string(b)))
	}
	doc, err := editStage("node-initialize", func(meta, spec map[string]any) error {
		spec["delay"] = map[string]any{"durationMilliseconds": nodeReady.Milliseconds()}
		return nil
	})
	if err != nil {
		return "", err
	}
	docs = append(docs, doc)
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
	return editStage("pod-ready", func(meta, spec map[string]any) error {
		selector, _ := spec["selector"].(map[string]any)
		exprs, _ := selector["matchExpressions"].([]any)
		if exprs == nil {
			return fmt.Errorf("no spec.selector.matchExpressions to add the volume split to")
		}
		meta["name"] = "pod-ready" + suffix
		selector["matchExpressions"] = append(exprs, map[string]any{"key": claimKey, "operator": operator})
		spec["delay"] = map[string]any{"durationMilliseconds": delay.Milliseconds()}
		return nil
	})
}

// editStage reads kwok's Stage name, lets edit change its metadata and
// spec, and returns the document.
func editStage(name string, edit func(meta, spec map[string]any) error) (string, error) {
	file := name + ".yaml"
	b, err := harness.KwokStage(name)
	if err != nil {
		return "", err
	}
	var stage map[string]any
	if err := yaml.Unmarshal(b, &stage); err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	meta, _ := stage["metadata"].(map[string]any)
	spec, _ := stage["spec"].(map[string]any)
	if meta == nil || spec == nil {
		return "", fmt.Errorf("%s: not a Stage (no metadata or spec)", file)
	}
	if err := edit(meta, spec); err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	out, err := yaml.Marshal(stage)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}
