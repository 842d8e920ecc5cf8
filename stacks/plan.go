package stacks

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

// PlanCommand implements `go run . plan --stack NAME`: the whole program run
// offline against the simulated cloud, printed like `pulumi preview --json`.
func PlanCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "", "stack whose Pulumi.<stack>.yaml to read (required)")
	dir := fs.String("dir", ".", "directory holding Pulumi.yaml")
	overrides := map[string]string{}
	fs.Func("config", "KEY=VALUE overriding the stack file, as `pulumi config set` would (repeatable)", func(kv string) error {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("%q is not KEY=VALUE", kv)
		}
		if !strings.Contains(k, ":") {
			k = Namespace + ":" + k
		}
		overrides[k] = v
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *stack == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: go run . plan --stack NAME [--dir DIR] [--config KEY=VALUE]...: --stack is required and nothing else may follow")
		return 2
	}
	out, warnings, err := PlanWith(*dir, *stack, overrides)
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	_, _ = stdout.Write(out)
	return 0
}

// PlanStep is one step of the plan, in the shape of `pulumi preview --json`.
type PlanStep struct {
	Op       string    `json:"op"`
	URN      string    `json:"urn"`
	NewState PlanState `json:"newState"`
}

// PlanState is the state a step would create.
type PlanState struct {
	Type         string         `json:"type"`
	URN          string         `json:"urn"`
	Custom       bool           `json:"custom"`
	Parent       string         `json:"parent,omitempty"`
	Provider     string         `json:"provider,omitempty"`
	Inputs       map[string]any `json:"inputs"`
	Dependencies []string       `json:"dependencies"`
	Protect      bool           `json:"protect"`
}

// Plan runs the program for one stack of the project in dir and returns the
// plan as JSON. A config problem fails before any resource is registered.
func Plan(dir, stack string) ([]byte, error) {
	out, _, err := PlanWith(dir, stack, nil)
	return out, err
}

// PlanWith is Plan with config values replacing the stack file's; it also
// returns the warnings preview would show.
func PlanWith(dir, stack string, overrides map[string]string) ([]byte, []string, error) {
	project, raw, secretKeys, err := ReadStackConfig(dir, stack)
	if err != nil {
		return nil, nil, err
	}
	maps.Copy(raw, overrides)
	cfg, err := Parse(stack, raw)
	if err != nil {
		return nil, nil, err
	}
	cloud := mockcloud.New(project, stack, cfg.Region)
	if err := cloud.Run(raw, secretKeys, Program(raw)); err != nil {
		return nil, nil, err
	}
	steps := []PlanStep{planStep(mockcloud.Resource{
		Type: "pulumi:pulumi:Stack",
		URN:  fmt.Sprintf("urn:pulumi:%s::%s::pulumi:pulumi:Stack::%s-%s", stack, project, project, stack),
	})}
	for _, r := range cloud.Resources() {
		steps = append(steps, planStep(r))
	}
	out, err := json.MarshalIndent(map[string]any{"steps": steps}, "", "  ")
	if err != nil {
		return nil, nil, fmt.Errorf("encoding plan: %w", err)
	}
	return append(out, '\n'), Warnings(cfg), nil
}

func planStep(r mockcloud.Resource) PlanStep {
	deps := r.Dependencies
	if deps == nil {
		deps = []string{}
	}
	return PlanStep{Op: "create", URN: r.URN, NewState: PlanState{
		Type:         r.Type,
		URN:          r.URN,
		Custom:       r.Custom,
		Parent:       r.Parent,
		Provider:     r.Provider,
		Inputs:       mockcloud.PlainMap(r.Inputs, true),
		Dependencies: deps,
		Protect:      r.Protect,
	}}
}

// ReadStackConfig reads Pulumi.yaml and Pulumi.<stack>.yaml from dir the way
// the Pulumi CLI hands config to a program: full keys, structured values as
// JSON, project defaults filled in. Secure values cannot be decrypted offline
// and read as "[secret]".
func ReadStackConfig(dir, stack string) (project string, raw map[string]string, secretKeys []string, err error) {
	var proj struct {
		Name   string                    `yaml:"name"`
		Config map[string]map[string]any `yaml:"config"`
	}
	if err := readYAML(filepath.Join(dir, "Pulumi.yaml"), &proj); err != nil {
		return "", nil, nil, err
	}
	if proj.Name == "" {
		return "", nil, nil, errors.New("Pulumi.yaml: no project name")
	}
	var st struct {
		Config map[string]any `yaml:"config"`
	}
	stackFile := filepath.Join(dir, "Pulumi."+stack+".yaml")
	if err := readYAML(stackFile, &st); err != nil {
		return "", nil, nil, err
	}

	raw = map[string]string{}
	for key, value := range st.Config {
		if !strings.Contains(key, ":") {
			key = proj.Name + ":" + key
		}
		if m, ok := value.(map[string]any); ok && len(m) == 1 && m["secure"] != nil {
			raw[key] = "[secret]"
			secretKeys = append(secretKeys, key)
			continue
		}
		s, err := configString(value)
		if err != nil {
			return "", nil, nil, fmt.Errorf("%s: config %s: %w", stackFile, key, err)
		}
		raw[key] = s
	}
	for key, decl := range proj.Config {
		if !strings.Contains(key, ":") {
			key = proj.Name + ":" + key
		}
		def, ok := decl["default"]
		if _, set := raw[key]; set || !ok {
			continue
		}
		s, err := configString(def)
		if err != nil {
			return "", nil, nil, fmt.Errorf("Pulumi.yaml: default of %s: %w", key, err)
		}
		raw[key] = s
	}
	sort.Strings(secretKeys)
	return proj.Name, raw, secretKeys, nil
}

func readYAML(path string, into any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		return fmt.Errorf("parsing %s: %w", path, err)
	}
	return nil
}

// configString renders a YAML config value as the CLI passes it to programs.
func configString(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case bool:
		return strconv.FormatBool(t), nil
	case int:
		return strconv.Itoa(t), nil
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), nil
	case nil:
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
