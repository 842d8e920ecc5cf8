package mockcloud

import (
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Export is one stack output as `pulumi stack output` would show it.
type Export struct {
	Name string
	// Value is the plain value (strings, float64s, bools, []any,
	// map[string]any); nil when it is not known.
	Value  any
	Secret bool
	Known  bool
}

// Exports returns the stack outputs of the last run, by name.
func (c *Cloud) Exports() map[string]Export {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]Export, len(c.exports))
	for k, v := range c.exports {
		out[k] = v
	}
	return out
}

// ExportNames returns the names of the stack outputs, sorted.
func (c *Cloud) ExportNames() []string {
	var names []string
	for n := range c.Exports() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// recordingExports wraps program so that, once it has registered
// everything, the stack outputs it exported are resolved and kept. The SDK's
// mock monitor does not hand stack outputs to the mocks.
func (c *Cloud) recordingExports(program pulumi.RunFunc) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		if err := program(ctx); err != nil {
			return err
		}
		exports := map[string]Export{}
		for name, value := range ctx.GetCurrentExportMap() {
			exports[name] = resolveExport(name, value)
		}
		c.mu.Lock()
		c.exports = exports
		c.mu.Unlock()
		return nil
	}
}

func resolveExport(name string, value pulumi.Input) Export {
	e := Export{Name: name}
	resolved := pulumi.ToOutput(value).ApplyT(func(v any) any {
		e.Value = plainGo(v)
		e.Known = !holdsUnknown(e.Value)
		return v
	})
	// IsSecret waits for the output, and the apply above, to settle.
	e.Secret = pulumi.IsSecret(resolved)
	return e
}

// holdsUnknown reports whether a preview's unknown went into v.
func holdsUnknown(v any) bool {
	switch t := v.(type) {
	case string:
		return strings.Contains(t, UnknownMarker)
	case map[string]any:
		for _, e := range t {
			if holdsUnknown(e) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if holdsUnknown(e) {
				return true
			}
		}
	}
	return false
}

// plainGo turns what an apply sees (typed maps and slices) into the plain
// shapes Plain returns, so tests compare one kind of value.
func plainGo(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = plainGo(e)
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = e
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = plainGo(e)
		}
		return out
	case []string:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = e
		}
		return out
	case int:
		return float64(t)
	}
	return v
}
