package attendees

import (
	"regexp"
	"runtime/debug"
	"sort"
)

// providerSDK matches the Go SDK of a Pulumi provider; the provider's
// plugin has the SDK's name and version, which is how the Go language host
// finds a program's plugins.
var providerSDK = regexp.MustCompile(`^github\.com/pulumi/pulumi-([a-z0-9-]+)/sdk(/v[0-9]+)?$`)

// ProgramPlugins are the resource plugins of the provider SDKs built into
// this binary.
func ProgramPlugins() []Plugin {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	return pluginsOf(info.Deps)
}

func pluginsOf(deps []*debug.Module) []Plugin {
	var out []Plugin
	for _, d := range deps {
		m := providerSDK.FindStringSubmatch(d.Path)
		if m == nil {
			continue
		}
		version := d.Version
		if d.Replace != nil && d.Replace.Version != "" {
			version = d.Replace.Version
		}
		out = append(out, Plugin{Name: m[1], Version: version})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
