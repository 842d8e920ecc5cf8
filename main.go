// Command workshop is the Pulumi program of the Spinnaker modernization
// workshop; `go run . plan --stack NAME` previews it offline (--diff and
// --cost review a change), `go run . chaos --stack NAME` runs its chaos
// experiment and `go run . attendees up --roster FILE` drives a stack per
// attendee.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/stacks"
	"github.com/workshop/spinnaker-modernization/stacks/attendees"
	"github.com/workshop/spinnaker-modernization/stacks/experiment"
	"github.com/workshop/spinnaker-modernization/stacks/plan"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "plan":
			os.Exit(plan.Command(os.Args[2:], os.Stdout, os.Stderr))
		case "attendees":
			os.Exit(attendees.Main(os.Args[2:], os.Stdout, os.Stderr))
		case "chaos":
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			code := experiment.Command(ctx, os.Args[2:], os.Stdout, os.Stderr)
			stop()
			os.Exit(code)
		}
	}
	raw, err := stacks.ConfigFromEnvironment()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pulumi.Run(stacks.Program(raw))
}
