package attendees

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/stacks"
)

// Program is the inline program of a target's stack: the workshop program
// with the target's config. In the shared topology that config wires the
// stack into the room (workshop:sharedPlatform, workshop:attendeeStacks).
func Program(t Target) pulumi.RunFunc { return ProgramOf(stacks.Program)(t) }

// ProgramOf makes the inline programs from a program given its config, so
// tests drive the runner with programs of their own.
func ProgramOf(program func(config map[string]string) pulumi.RunFunc) func(Target) pulumi.RunFunc {
	return func(t Target) pulumi.RunFunc { return program(t.Config) }
}
