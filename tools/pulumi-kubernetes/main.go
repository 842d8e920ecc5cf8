// Command pulumi-resource-kubernetes is the real Kubernetes provider.
// Upstream's own main embeds a schema generated at release time, which the
// module does not ship; this one reads the module's schema.json, which the
// harness copies beside the binary.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
)

// version is set with -ldflags by the harness that builds this.
var version = "4.0.0-dev"

func main() {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	schema, err := os.ReadFile(exe + ".schema.json")
	if err != nil {
		fmt.Fprintln(os.Stderr, "reading the provider schema:", err)
		os.Exit(1)
	}
	mapping, _ := os.ReadFile(filepath.Join(filepath.Dir(exe), "terraform-mapping.json"))
	provider.Serve("kubernetes", version, schema, mapping)
}
