// Command buildtools builds the real systems the tests run (all of them, or
// those named) into the cache, once per version:
//
//	go run ./internal/harness/cmd/buildtools [NAME...]
package main

import (
	"fmt"
	"os"

	"github.com/workshop/spinnaker-modernization/internal/harness"
)

func main() {
	fmt.Fprintf(os.Stderr, "building into %s\n", harness.CacheDir())
	if err := harness.BuildAll(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
