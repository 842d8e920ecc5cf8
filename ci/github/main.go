// Command workshop-ci is the companion Pulumi program that creates the IAM
// roles the repository's workflows assume (package stacks/githubci).
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/stacks/githubci"
)

func main() {
	raw, err := githubci.ConfigFromEnvironment()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pulumi.Run(githubci.Program(raw))
}
