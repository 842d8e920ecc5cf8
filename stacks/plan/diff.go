package plan

import (
	"encoding/json"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Kind is what a change does to a resource.
type Kind int

// The kinds, in the order a reviewer should read them.
const (
	Replaced Kind = iota
	Removed
	Changed
	Added
)

func (k Kind) String() string {
	return [...]string{"replace", "remove", "change", "add"}[k]
}

// Change is one resource that differs between two plans.
type Change struct {
	Kind    Kind
	URN     string
	Type    string
	Name    string
	Protect bool
	Inputs  []InputChange
}

// InputChange is one input path whose value differs.
type InputChange struct {
	Path     Path
	Old, New any
	// OldSet and NewSet are false where the path is absent.
	OldSet, NewSet bool
	// Forces is set when the path forces replacement of its resource type.
	Forces bool
}

// secretMarker is how the plan prints a secret value.
const secretMarker = "[secret]"

// Compare returns the resources that differ between old and new, ordered by
// kind and then URN. Secrets stay masked: a secret that changes shows as
// "[secret]" on both sides.
func Compare(old, new Plan, rules Replacements) []Change {
	before := byURN(old)
	after := byURN(new)
	var out []Change
	for urn, s := range after {
		prev, ok := before[urn]
		if !ok {
			out = append(out, change(Added, s.NewState, nil))
			continue
		}
		inputs := withoutIgnored(diffValues(nil, prev.NewState.Inputs, s.NewState.Inputs), s.NewState.IgnoreChanges)
		if len(inputs) == 0 {
			continue
		}
		kind := Changed
		for i := range inputs {
			if rules.Forces(s.NewState.Type, inputs[i].Path) {
				inputs[i].Forces = true
				kind = Replaced
			}
		}
		out = append(out, change(kind, s.NewState, inputs))
	}
	for urn, s := range before {
		if _, ok := after[urn]; !ok {
			out = append(out, change(Removed, s.NewState, nil))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].URN < out[j].URN
	})
	return out
}

// withoutIgnored drops changes at or below a path the resource's
// ignoreChanges option names: Pulumi keeps those values on update.
func withoutIgnored(inputs []InputChange, ignore []string) []InputChange {
	patterns := parsePatterns(ignore)
	var out []InputChange
	for _, in := range inputs {
		ignored := false
		for _, p := range patterns {
			ignored = ignored || (len(p) <= len(in.Path) && overlaps(p, in.Path))
		}
		if !ignored {
			out = append(out, in)
		}
	}
	return out
}

func byURN(p Plan) map[string]Step {
	m := make(map[string]Step, len(p.Steps))
	for _, s := range p.Steps {
		m[s.URN] = s
	}
	return m
}

func change(kind Kind, s State, inputs []InputChange) Change {
	name := s.URN
	if i := strings.LastIndex(name, "::"); i >= 0 {
		name = name[i+2:]
	}
	return Change{Kind: kind, URN: s.URN, Type: s.Type, Name: name, Protect: s.Protect, Inputs: inputs}
}

// diffValues walks two decoded JSON values and returns the leaf paths that
// differ. Strings holding JSON documents (IAM policies, dashboards) are
// compared inside, so a reviewer sees which statement changed.
func diffValues(path Path, a, b any) []InputChange {
	if a == nil && b == nil {
		return nil
	}
	if isSecret(a) || isSecret(b) {
		if reflect.DeepEqual(a, b) {
			return nil
		}
		return []InputChange{masked(path, a, b)}
	}
	switch av := a.(type) {
	case map[string]any:
		if bv, ok := b.(map[string]any); ok {
			return diffMaps(path, av, bv)
		}
	case []any:
		if bv, ok := b.([]any); ok {
			return diffArrays(path, av, bv)
		}
	case string:
		if bs, ok := b.(string); ok && av != bs {
			ja, okA := embeddedJSON(av)
			jb, okB := embeddedJSON(bs)
			if okA && okB {
				return diffValues(path.Embedded(), ja, jb)
			}
		}
	}
	if reflect.DeepEqual(a, b) {
		return nil
	}
	return []InputChange{{Path: path, Old: a, New: b, OldSet: a != nil, NewSet: b != nil}}
}

func diffMaps(path Path, a, b map[string]any) []InputChange {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var out []InputChange
	for _, k := range sorted {
		out = append(out, diffValues(path.Key(k), a[k], b[k])...)
	}
	return out
}

func diffArrays(path Path, a, b []any) []InputChange {
	var out []InputChange
	for i := range max(len(a), len(b)) {
		var x, y any
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		out = append(out, diffValues(path.Index(i), x, y)...)
	}
	return out
}

func isSecret(v any) bool {
	s, ok := v.(string)
	return ok && s == secretMarker
}

func masked(path Path, a, b any) InputChange {
	c := InputChange{Path: path, OldSet: a != nil, NewSet: b != nil}
	if c.OldSet {
		c.Old = secretMarker
	}
	if c.NewSet {
		c.New = secretMarker
	}
	return c
}

// embeddedJSON decodes a string holding a JSON object or array.
func embeddedJSON(s string) (any, bool) {
	t := strings.TrimSpace(s)
	if t == "" || (t[0] != '{' && t[0] != '[') {
		return nil, false
	}
	var v any
	if err := json.Unmarshal([]byte(t), &v); err != nil {
		return nil, false
	}
	return v, true
}

// Path is an input path as Pulumi prints it: `spec.template`, `tags["a/b"]`,
// `ingress[0].cidrBlocks`. A segment "" marks the start of a JSON document
// held in a string.
type Path []string

// Key returns the path extended by a map key.
func (p Path) Key(k string) Path { return append(append(Path(nil), p...), k) }

// Index returns the path extended by an array index.
func (p Path) Index(i int) Path { return p.Key("[" + strconv.Itoa(i) + "]") }

// Embedded returns the path extended into a JSON document held in a string.
func (p Path) Embedded() Path { return p.Key("") }

func (p Path) String() string {
	var b strings.Builder
	for i, seg := range p {
		switch {
		case seg == "":
			b.WriteString(" » ")
		case strings.HasPrefix(seg, "["):
			b.WriteString(seg)
		case isIdentifier(seg):
			if i > 0 && p[i-1] != "" {
				b.WriteByte('.')
			}
			b.WriteString(seg)
		default:
			b.WriteString("[" + strconv.Quote(seg) + "]")
		}
	}
	return b.String()
}

func isIdentifier(s string) bool {
	for i, r := range s {
		letter := r == '_' || r == '$' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !letter && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return s != ""
}

// Dependents returns the resources of the plan, not themselves replaced or
// removed, that take an input from a resource the change replaces. Their
// inputs from it are known only after apply, and may replace them too; the
// offline plan cannot tell, since the simulated cloud keeps IDs stable.
func Dependents(changes []Change, p Plan) []Change {
	replaced := map[string]bool{}
	listed := map[string]bool{}
	for _, c := range changes {
		if c.Kind == Replaced {
			replaced[c.URN] = true
		}
		if c.Kind == Replaced || c.Kind == Removed {
			listed[c.URN] = true
		}
	}
	var out []Change
	for _, s := range p.Steps {
		// Our own components hold no state; remote ones (eks:index:Cluster,
		// charts) pass their inputs to resources of their own.
		if listed[s.URN] || strings.HasPrefix(s.NewState.Type, "workshop:") || strings.HasPrefix(s.NewState.Type, "pulumi:pulumi:") {
			continue
		}
		for _, dep := range s.NewState.Dependencies {
			if replaced[dep] {
				out = append(out, change(Changed, s.NewState, nil))
				break
			}
		}
	}
	return out
}
