// Command workshop is the Pulumi program of the Spinnaker modernization
// workshop; `go run . plan --stack NAME` previews it offline.
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/stacks"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "plan" {
		os.Exit(stacks.PlanCommand(os.Args[2:], os.Stdout, os.Stderr))
	}
	raw, err := stacks.ConfigFromEnvironment()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pulumi.Run(stacks.Program(raw))
}
