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

// Runner runs a command in a directory and returns its standard output.
type Runner func(ctx context.Context, dir, name string, args ...string) ([]byte, error)

// PulumiOutputs reads outputs with the Pulumi CLI.
type PulumiOutputs struct {
	Dir string
	Run Runner
}

func execRunner(ctx context.Context, dir, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return nil, fmt.Errorf("%w: %s", err, strings.TrimSpace(string(exit.Stderr)))
	}
	return out, err
}

func (p PulumiOutputs) Read(ctx context.Context, stack string) (map[string]any, error) {
	run := p.Run
	if run == nil {
		run = execRunner
	}
	out, err := run(ctx, p.Dir, "pulumi", "stack", "output", "--json", "--show-secrets", "--stack", stack)
	if errors.Is(err, exec.ErrNotFound) {
		return nil, fmt.Errorf("reading stack outputs: the pulumi CLI is not installed (https://www.pulumi.com/docs/install/)")
	}
	if err != nil {
		return nil, fmt.Errorf("reading outputs of stack %s (run from the project directory, or pass --cwd): %w", stack, err)
	}
	var outputs map[string]any
	if err := json.Unmarshal(out, &outputs); err != nil {
		return nil, fmt.Errorf("reading outputs of stack %s: %w", stack, err)
	}
	return outputs, nil
}

// Target is what one run needs from the stack.
type Target struct {
	Region           string
	TemplateID       string
	LoadBalancerName string
	// Alarms by role: uiRunningPods, nodeCpu, steadyState.
	Alarms map[string]string
}

// AlarmRoles are the alarms the stack exports, in the order they print.
var AlarmRoles = []string{"uiRunningPods", "nodeCpu", "steadyState"}

// OutputError is a missing or malformed stack output.
type OutputError struct{ Key, Problem string }

func (e *OutputError) Error() string { return "stack output " + e.Key + ": " + e.Problem }

// ParseTarget picks the run's target out of the stack outputs.
func ParseTarget(outputs map[string]any, template string) (Target, error) {
	str := func(m map[string]any, key, path string) (string, error) {
		s, _ := m[key].(string)
		if s == "" {
			return "", &OutputError{path, "missing; deploy the stack with workshop:chaos and workshop:yelb enabled"}
		}
		return s, nil
	}
	obj := func(m map[string]any, key, path string) (map[string]any, error) {
		o, ok := m[key].(map[string]any)
		if !ok {
			return nil, &OutputError{path, "missing; deploy the stack with workshop:chaos enabled"}
		}
		return o, nil
	}
	var t Target
	var err error
	if t.LoadBalancerName, err = str(outputs, "appLoadBalancerName", "appLoadBalancerName"); err != nil {
		return t, err
	}
	ch, err := obj(outputs, "chaos", "chaos")
	if err != nil {
		return t, err
	}
	if t.Region, err = str(ch, "region", "chaos.region"); err != nil {
		return t, err
	}
	templates, err := obj(ch, "templates", "chaos.templates")
	if err != nil {
		return t, err
	}
	if _, ok := templates[template]; !ok {
		names := make([]string, 0, len(templates))
		for k := range templates {
			names = append(names, k)
		}
		sort.Strings(names)
		return t, &OutputError{"chaos.templates." + template, fmt.Sprintf("no such template; the stack has %s", strings.Join(names, ", "))}
	}
	if t.TemplateID, err = str(templates, template, "chaos.templates."+template); err != nil {
		return t, err
	}
	alarms, err := obj(ch, "alarms", "chaos.alarms")
	if err != nil {
		return t, err
	}
	t.Alarms = map[string]string{}
	for _, role := range AlarmRoles {
		if t.Alarms[role], err = str(alarms, role, "chaos.alarms."+role); err != nil {
			return t, err
		}
	}
	return t, nil
}
