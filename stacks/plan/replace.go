package plan

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

//go:embed replacements.json
var replacementsJSON []byte

// Replacements knows, per resource type, the inputs whose change replaces
// the resource.
type Replacements struct {
	byType            map[string][]Path
	kubernetesDefault []Path
}

type replacementRule struct {
	Source string   `json:"source"`
	Inputs []string `json:"inputs"`
}

// LoadReplacements reads the rules shipped in replacements.json.
func LoadReplacements() (Replacements, error) {
	var doc struct {
		Types             map[string]replacementRule `json:"types"`
		KubernetesDefault replacementRule            `json:"kubernetesDefault"`
	}
	if err := json.Unmarshal(replacementsJSON, &doc); err != nil {
		return Replacements{}, fmt.Errorf("replacements.json: %w", err)
	}
	r := Replacements{byType: map[string][]Path{}, kubernetesDefault: parsePatterns(doc.KubernetesDefault.Inputs)}
	for typ, rule := range doc.Types {
		if rule.Source == "" {
			return Replacements{}, fmt.Errorf("replacements.json: %s has no source", typ)
		}
		r.byType[typ] = parsePatterns(rule.Inputs)
	}
	return r, nil
}

// Forces reports whether a change at path replaces a resource of type typ.
func (r Replacements) Forces(typ string, path Path) bool {
	patterns, ok := r.byType[typ]
	if !ok && strings.HasPrefix(typ, "kubernetes:") {
		patterns = r.kubernetesDefault
	}
	for _, p := range patterns {
		if overlaps(p, path) {
			return true
		}
	}
	return false
}

func parsePatterns(inputs []string) []Path {
	out := make([]Path, 0, len(inputs))
	for _, in := range inputs {
		var p Path
		for _, seg := range strings.Split(in, ".") {
			name, index, hasIndex := strings.Cut(seg, "[")
			p = append(p, name)
			if hasIndex {
				p = append(p, "["+index)
			}
		}
		out = append(out, p)
	}
	return out
}

// overlaps is true when one path lies at or below the other: changing
// `spec` as a whole touches `spec.selector`, and `spec.selector.matchLabels`
// is a change of `spec.selector`. A JSON document inside a string is one
// value of its input.
func overlaps(pattern, path Path) bool {
	for i, seg := range path {
		if seg == "" || i >= len(pattern) {
			return true
		}
		if seg != pattern[i] && !(pattern[i] == "[*]" && strings.HasPrefix(seg, "[")) {
			return false
		}
	}
	return true
}
