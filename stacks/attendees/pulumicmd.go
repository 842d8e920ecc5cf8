package attendees

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// DefaultGrace is how long a cancelled CLI may take to finish its in-flight
// steps before it is killed.
const DefaultGrace = 5 * time.Minute

// gracefulCommand runs the Pulumi CLI like the Automation API's own command
// (sdk/go/auto/cmd.go), except in how it stops. The SDK's sends one
// interrupt and kills after 10 s, and leaves the CLI in the terminal's
// process group, where Ctrl-C reaches it too: two interrupts make the CLI
// abandon in-flight steps, and the kill can leave a DIY backend's lock file
// behind. Here the CLI has a process group of its own, gets one interrupt
// when the context ends (it then finishes the steps in flight and saves its
// state), and is killed only after Grace, or at once when Hard closes.
type gracefulCommand struct {
	auto.PulumiCommand
	bin   string
	grace time.Duration
	hard  <-chan struct{}
}

// NewPulumiCommand checks the CLI at bin (its version must be one the
// Automation API accepts) and returns a command that stops gracefully.
// hard, when closed, kills running CLIs at once.
func NewPulumiCommand(bin string, grace time.Duration, hard <-chan struct{}) (auto.PulumiCommand, error) {
	root, err := os.MkdirTemp("", "pulumi-cli-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(root)
	// auto.NewPulumiCommand finds the CLI as <Root>/bin/pulumi.
	if err := os.Mkdir(filepath.Join(root, "bin"), 0o755); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		return nil, err
	}
	if err := os.Symlink(abs, filepath.Join(root, "bin", "pulumi")); err != nil {
		return nil, err
	}
	checked, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: root})
	if err != nil {
		return nil, fmt.Errorf("checking the Pulumi CLI %s: %w", bin, err)
	}
	return gracefulCommand{PulumiCommand: checked, bin: abs, grace: grace, hard: hard}, nil
}

// pathOf is the PATH the engine's environment sets (the last one wins, as
// in exec), or this process's: plugins on it, such as a provider built
// from source, are found by the CLI.
func pathOf(env []string) string {
	path := os.Getenv("PATH")
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	return path
}

// Run implements auto.PulumiCommand.
func (c gracefulCommand) Run(ctx context.Context, workdir string, stdin io.Reader,
	additionalOutput, additionalErrorOutput []io.Writer, additionalEnv []string, args ...string,
) (string, string, int, error) {
	if !slices.Contains(args, "--non-interactive") {
		args = append([]string{"--non-interactive"}, args...)
	}
	cmd := exec.Command(c.bin, args...)
	cmd.Dir = workdir
	cmd.Env = append(append(os.Environ(), additionalEnv...), "PULUMI_AUTOMATION_API=true",
		"PATH="+filepath.Dir(c.bin)+string(os.PathListSeparator)+pathOf(additionalEnv))
	var stdout, stderr bytes.Buffer
	cmd.Stdout = io.MultiWriter(append(additionalOutput, &stdout)...)
	cmd.Stderr = io.MultiWriter(append(additionalErrorOutput, &stderr)...)
	cmd.Stdin = stdin
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return "", "", -2, err
	}
	err := c.wait(ctx, cmd)
	code := -2
	var exit *exec.ExitError
	switch {
	case err == nil:
		code = 0
	case errors.As(err, &exit):
		code = exit.ExitCode()
	}
	return stdout.String(), stderr.String(), code, err
}

// wait waits for the CLI, interrupting it once when ctx ends and killing it
// after the grace period or on a hard stop.
func (c gracefulCommand) wait(ctx context.Context, cmd *exec.Cmd) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	case <-c.hard:
	}
	_ = cmd.Process.Signal(os.Interrupt)
	grace := time.NewTimer(c.grace)
	defer grace.Stop()
	select {
	case err := <-done:
		return errors.Join(ctx.Err(), err)
	case <-grace.C:
	case <-c.hard:
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	return errors.Join(ctx.Err(), <-done, errors.New("killed: the CLI did not stop within its grace period"))
}
