package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Engine runs Pulumi programs inline on the real CLI, built from source:
// a file backend and passphrase secrets in a temporary directory, the
// providers given in DebugProviders attached instead of launched, and the
// Kubernetes provider binary first on PATH.
type Engine struct {
	Dir    string
	Env    map[string]string
	pulumi auto.PulumiCommand
}

// EngineOptions choose the providers.
type EngineOptions struct {
	// DebugProviders is PULUMI_DEBUG_PROVIDERS: "aws:<port>,eks:<port>".
	DebugProviders string
	// Kubernetes puts the real Kubernetes provider first on PATH.
	Kubernetes bool
}

// Passphrase protects the stacks' secrets; the stacks are throwaway.
const Passphrase = "workshop-harness"

// NewEngine sets up a workspace for one test. It needs the pulumi binary,
// and pulumi-resource-kubernetes when asked (see Binary).
func NewEngine(t testing.TB, o EngineOptions) *Engine {
	t.Helper()
	short := testing.Short()
	cli := Binary(t, short, "pulumi")
	provider := ""
	if o.Kubernetes {
		provider = Binary(t, short, "pulumi-resource-kubernetes")
	}
	dir := t.TempDir()
	e, err := newEngine(dir, cli, provider, o)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func newEngine(dir, cli, provider string, o EngineOptions) (*Engine, error) {
	// The Automation API runs <root>/bin/pulumi.
	root := filepath.Join(dir, "cli")
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
		return nil, err
	}
	if err := os.Symlink(cli, filepath.Join(root, "bin", "pulumi")); err != nil {
		return nil, err
	}
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: root})
	if err != nil {
		return nil, fmt.Errorf("the pulumi CLI at %s: %w", cli, err)
	}
	state := filepath.Join(dir, "state")
	if err := os.MkdirAll(state, 0o755); err != nil {
		return nil, err
	}
	env := map[string]string{
		"PULUMI_HOME":              filepath.Join(dir, "home"),
		"PULUMI_BACKEND_URL":       "file://" + state,
		"PULUMI_CONFIG_PASSPHRASE": Passphrase,
		"PULUMI_SKIP_UPDATE_CHECK": "true",
		"PULUMI_DEBUG_PROVIDERS":   o.DebugProviders,
		"PATH":                     filepath.Dir(provider) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		// Helm (inside the Kubernetes provider) keeps its repositories and
		// cache here rather than in the user's home.
		"HELM_CACHE_HOME":  filepath.Join(dir, "helm", "cache"),
		"HELM_CONFIG_HOME": filepath.Join(dir, "helm", "config"),
		"HELM_DATA_HOME":   filepath.Join(dir, "helm", "data"),
	}
	if provider != "" {
		env["PATH"] = filepath.Dir(provider) + string(os.PathListSeparator) + env["PATH"]
	}
	return &Engine{Dir: dir, Env: env, pulumi: cmd}, nil
}

// Stack creates (or selects) a stack of an inline program with the given
// config: full keys, values as the CLI hands them to programs.
func (e *Engine) Stack(ctx context.Context, project, stack string, program pulumi.RunFunc, config map[string]string) (auto.Stack, error) {
	work := filepath.Join(e.Dir, "work", stack)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return auto.Stack{}, err
	}
	s, err := auto.UpsertStackInlineSource(ctx, stack, project, program,
		auto.Pulumi(e.pulumi),
		auto.WorkDir(work),
		auto.PulumiHome(e.Env["PULUMI_HOME"]),
		auto.EnvVars(e.Env),
		auto.SecretsProvider("passphrase"),
		auto.Project(workspace.Project{
			Name:    tokens.PackageName(project),
			Runtime: workspace.NewProjectRuntimeInfo("go", nil),
			Backend: &workspace.ProjectBackend{URL: e.Env["PULUMI_BACKEND_URL"]},
		}),
	)
	if err != nil {
		return auto.Stack{}, fmt.Errorf("stack %s: %w", stack, err)
	}
	values := auto.ConfigMap{}
	for k, v := range config {
		values[k] = auto.ConfigValue{Value: v}
	}
	if err := s.SetAllConfig(ctx, values); err != nil {
		return auto.Stack{}, fmt.Errorf("stack %s: setting config: %w", stack, err)
	}
	return s, nil
}
