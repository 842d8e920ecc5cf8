package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"
)

// Outputs reads a stack's outputs.
type Outputs interface {
	Read(ctx context.Context, stack string) (map[string]any, error)
}

// Runner runs a command in dir and returns its standard output; tests fake it.
type Runner func(ctx context.Context, dir, name string, args ...string) ([]byte, error)

// PulumiOutputs reads outputs with the Pulumi CLI, which knows the state
// backend and the secrets provider of the project in Dir.
type PulumiOutputs struct {
	Dir string
	Run Runner // nil runs the real command
}

func execRunner(ctx context.Context, dir, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		// Pulumi explains itself on stderr; the exit status alone says nothing.
		return nil, fmt.Errorf("%w: %s", err, strings.TrimSpace(string(exit.Stderr)))
	}
	return out, err
}

// Read runs `pulumi stack output --json --show-secrets --stack <stack>`.
func (p PulumiOutputs) Read(ctx context.Context, stack string) (map[string]any, error) {
	run := p.Run
	if run == nil {
		run = execRunner
	}
	out, err := run(ctx, p.Dir, "pulumi", "stack", "output", "--json", "--show-secrets", "--stack", stack)
	if errors.Is(err, exec.ErrNotFound) {
		return nil, errors.New("reading stack outputs: the pulumi command is not on PATH; install the Pulumi CLI (https://www.pulumi.com/docs/install/)")
	}
	if err != nil {
		return nil, fmt.Errorf("reading outputs of stack %s (run from the project directory or pass --cwd): %w", stack, err)
	}
	var outputs map[string]any
	if err := json.Unmarshal(out, &outputs); err != nil {
		return nil, fmt.Errorf("reading outputs of stack %s: not a JSON object: %w", stack, err)
	}
	return outputs, nil
}

// Target is what one run needs from the stack outputs.
type Target struct {
	Region           string
	Template         string
	TemplateID       string
	LoadBalancerName string
	Alarms           map[string]string // by role, see AlarmRoles
}

// AlarmRoles are the keys of chaos.alarms, in the order they print.
var AlarmRoles = []string{"uiRunningPods", "nodeCpu", "steadyState"}

// SteadyStateRole is the composite alarm: the whole steady state in one state.
const SteadyStateRole = "steadyState"

// OutputError is a missing or malformed stack output, named by its key path.
type OutputError struct{ Key, Problem string }

func (e *OutputError) Error() string { return "stack output " + e.Key + ": " + e.Problem }

// TemplateError is a --template the stack does not export.
type TemplateError struct {
	Template  string
	Available []string
}

func (e *TemplateError) Error() string {
	return fmt.Sprintf("--template %s: the stack has no such experiment template; expected one of %s",
		e.Template, strings.Join(e.Available, ", "))
}

const (
	yelbHint  = "missing; deploy the stack with workshop:yelb enabled"
	chaosHint = "missing; deploy the stack with workshop:chaos enabled"
)

// ParseTarget picks the run's target out of the stack outputs.
func ParseTarget(outputs map[string]any, template string) (Target, error) {
	t := Target{Template: template}
	var err error
	if t.LoadBalancerName, err = str(outputs, "appLoadBalancerName", "appLoadBalancerName", yelbHint); err != nil {
		return t, err
	}
	chaos, err := obj(outputs, "chaos", "chaos")
	if err != nil {
		return t, err
	}
	if t.Region, err = str(chaos, "region", "chaos.region", chaosHint); err != nil {
		return t, err
	}
	templates, err := obj(chaos, "templates", "chaos.templates")
	if err != nil {
		return t, err
	}
	if _, ok := templates[template]; !ok {
		available := make([]string, 0, len(templates))
		for name := range templates {
			available = append(available, name)
		}
		sort.Strings(available)
		return t, &TemplateError{Template: template, Available: available}
	}
	if t.TemplateID, err = str(templates, template, "chaos.templates."+template, chaosHint); err != nil {
		return t, err
	}
	alarms, err := obj(chaos, "alarms", "chaos.alarms")
	if err != nil {
		return t, err
	}
	t.Alarms = map[string]string{}
	for _, role := range AlarmRoles {
		if t.Alarms[role], err = str(alarms, role, "chaos.alarms."+role, chaosHint); err != nil {
			return t, err
		}
	}
	return t, nil
}

func str(m map[string]any, key, path, hint string) (string, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return "", &OutputError{path, hint}
	}
	s, ok := v.(string)
	if !ok {
		return "", &OutputError{path, fmt.Sprintf("expected a string, got %T", v)}
	}
	if s == "" {
		return "", &OutputError{path, hint}
	}
	return s, nil
}

func obj(m map[string]any, key, path string) (map[string]any, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, &OutputError{path, chaosHint}
	}
	o, ok := v.(map[string]any)
	if !ok {
		return nil, &OutputError{path, fmt.Sprintf("expected an object, got %T", v)}
	}
	return o, nil
}
