// Package plan previews a stack offline: it runs the program under the SDK's
// mocks and prints what `pulumi preview --json` would, compares two such
// plans as GitHub Markdown, and prices them.
package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"

	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
	"github.com/workshop/spinnaker-modernization/stacks"
)

// Plan is the JSON document the plan command prints.
type Plan struct {
	Steps []Step `json:"steps"`
}

// Step is one step of the plan, in the shape of `pulumi preview --json`.
type Step struct {
	Op       string `json:"op"`
	URN      string `json:"urn"`
	NewState State  `json:"newState"`
}

// State is the state a step would create.
type State struct {
	Type         string         `json:"type"`
	URN          string         `json:"urn"`
	Custom       bool           `json:"custom"`
	Parent       string         `json:"parent,omitempty"`
	Provider     string         `json:"provider,omitempty"`
	Inputs       map[string]any `json:"inputs"`
	Dependencies []string       `json:"dependencies"`
	Protect      bool           `json:"protect"`
	// IgnoreChanges are the input paths an update leaves as they are.
	IgnoreChanges []string `json:"ignoreChanges,omitempty"`
}

// Build runs the program for one stack of the project in dir, with config
// values in overrides replacing the stack file's, and returns the plan, the
// stack's region and the warnings preview would show. A config problem fails
// before any resource is registered.
func Build(dir, stack string, overrides map[string]string) (Plan, string, []string, error) {
	project, raw, secretKeys, err := stacks.ReadStackConfig(dir, stack)
	if err != nil {
		return Plan{}, "", nil, err
	}
	maps.Copy(raw, overrides)
	cfg, err := stacks.Parse(stack, raw)
	if err != nil {
		return Plan{}, "", nil, err
	}
	cloud := mockcloud.New(project, stack, cfg.Region)
	cloud.Stacks = peerStandIns(cfg)
	if err := cloud.Run(raw, secretKeys, stacks.Program(raw)); err != nil {
		return Plan{}, "", nil, err
	}
	steps := []Step{step(mockcloud.Resource{
		Type: "pulumi:pulumi:Stack",
		URN:  fmt.Sprintf("urn:pulumi:%s::%s::pulumi:pulumi:Stack::%s-%s", stack, project, project, stack),
	})}
	for _, r := range cloud.Resources() {
		steps = append(steps, step(r))
	}
	return Plan{Steps: steps}, cfg.Region, stacks.Warnings(cfg), nil
}

// peerStandIns are made-up outputs of the other stacks of a room that the
// config reads through StackReferences: an offline plan has no backend to
// read them from.
func peerStandIns(cfg stacks.Config) map[string]map[string]any {
	out := map[string]map[string]any{}
	if p := cfg.SharedPlatform; p != "" {
		out[p] = map[string]any{
			stacks.OutArtifactBucket:     p + "-artifacts",
			stacks.OutClouddriverRoleArn: "arn:aws:iam::" + mockcloud.AccountID + ":role/" + p + "-clouddriver",
			stacks.OutPlatformNatIps:     []any{"198.51.100.1"},
			stacks.OutCodeBuildProject:   p + "-yelb",
			stacks.OutECRRepository:      mockcloud.AccountID + ".dkr.ecr." + cfg.Region + ".amazonaws.com/" + p + "/yelbv2",
			stacks.OutSpinnakerTunnel:    "", stacks.OutSpinnakerDeckURL: "", stacks.OutSpinnakerPassword: "",
		}
	}
	for _, a := range cfg.AttendeeStacks {
		out[a] = map[string]any{
			stacks.OutAppClusterName: a + "-app",
			stacks.OutAppKubeconfig:  `{"clusters":[{"cluster":{"server":"https://` + a + `.eks.amazonaws.com","certificate-authority-data":""}}]}`,
			stacks.OutAppNamespace:   a,
		}
	}
	return out
}

// Encode prints a plan as indented JSON; equal plans print identical bytes.
func Encode(p Plan) ([]byte, error) {
	out, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding plan: %w", err)
	}
	return append(out, '\n'), nil
}

// Read loads a plan printed earlier, refusing anything not in its shape.
func Read(path string) (Plan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Plan{}, fmt.Errorf("reading plan: %w", err)
	}
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Plan{}, fmt.Errorf("%s is not a plan printed by `go run . plan`: %w", path, err)
	}
	for i, s := range p.Steps {
		if s.URN == "" || s.NewState.Type == "" {
			return Plan{}, fmt.Errorf("%s: step %d has no urn or type", path, i)
		}
	}
	return p, nil
}

func step(r mockcloud.Resource) Step {
	deps := r.Dependencies
	if deps == nil {
		deps = []string{}
	}
	provider := r.Provider
	if !r.Custom {
		// The engine keeps a provider for custom resources only; a
		// component's children carry it.
		provider = ""
	}
	return Step{Op: "create", URN: r.URN, NewState: State{
		Type:          r.Type,
		URN:           r.URN,
		Custom:        r.Custom,
		Parent:        r.Parent,
		Provider:      provider,
		Inputs:        mockcloud.PlainMap(r.Inputs, true),
		Dependencies:  deps,
		Protect:       r.Protect,
		IgnoreChanges: r.IgnoreChanges,
	}}
}
