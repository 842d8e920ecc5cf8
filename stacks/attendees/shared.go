package attendees

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/stacks"
)

// platformOutputs are what an attendee stack of the shared topology
// re-exports from the platform stack, so its handout finds the room's
// Spinnaker.
var platformOutputs = []string{outTunnel, outDeckURL, outAdminPassword}

// Program is the inline program of a target's stack: the workshop program
// with the target's config.
func Program(t Target) pulumi.RunFunc { return ProgramOf(stacks.Program)(t) }

// ProgramOf makes the inline programs from a program given its config, so
// tests drive the runner with programs of their own. In the shared
// topology an attendee stack also reads the platform stack's outputs
// through a StackReference.
func ProgramOf(program func(config map[string]string) pulumi.RunFunc) func(Target) pulumi.RunFunc {
	return func(t Target) pulumi.RunFunc {
		run := program(t.Config)
		if t.PlatformStack == "" {
			return run
		}
		return func(ctx *pulumi.Context) error {
			if err := run(ctx); err != nil {
				return err
			}
			ref, err := pulumi.NewStackReference(ctx, "platform", &pulumi.StackReferenceArgs{Name: pulumi.String(t.PlatformStack)})
			if err != nil {
				return err
			}
			for _, key := range platformOutputs {
				ctx.Export(key, ref.GetOutput(pulumi.String(key)))
			}
			ctx.Export("platformStack", pulumi.String(t.PlatformStack))
			return nil
		}
	}
}
