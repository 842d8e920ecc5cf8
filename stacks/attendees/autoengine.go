package attendees

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"
)

// fingerprintTag is the stack tag holding the fingerprint of the config and
// program the stack was last brought up to date with.
const fingerprintTag = "workshop:fingerprint"

// AutoEngine drives stacks through the Automation API with inline programs:
// the program runs in this process, so N stacks share one build of it.
type AutoEngine struct {
	// Project is the Pulumi project name, the config namespace.
	Project string
	// StateDir holds a workspace directory per stack (its Pulumi.yaml and
	// Pulumi.<stack>.yaml) and one for project-wide commands.
	StateDir string
	// Home is PULUMI_HOME, shared so plugins are installed once.
	Home string
	// Backend is PULUMI_BACKEND_URL.
	Backend         string
	SecretsProvider string
	Command         auto.PulumiCommand
	// Program is the inline program of a target's stack.
	Program func(Target) pulumi.RunFunc
	// Plugins are installed before stacks run in parallel.
	Plugins []Plugin
	// Env is added to every CLI run: PULUMI_DEBUG_PROVIDERS, for instance.
	Env map[string]string
	// Credentials is the AWS environment of a target's CLI and providers.
	Credentials func(ctx context.Context, t Target) (map[string]string, error)
}

// Plugin is a resource plugin the program needs.
type Plugin struct{ Name, Version string }

func (e *AutoEngine) env(extra map[string]string) map[string]string {
	env := map[string]string{
		"PULUMI_SKIP_UPDATE_CHECK": "true",
		"PULUMI_BACKEND_URL":       e.Backend,
	}
	maps.Copy(env, e.Env)
	maps.Copy(env, extra)
	return env
}

func (e *AutoEngine) options(dir string, env map[string]string) []auto.LocalWorkspaceOption {
	opts := []auto.LocalWorkspaceOption{
		auto.WorkDir(dir), auto.PulumiHome(e.Home), auto.Pulumi(e.Command), auto.EnvVars(env),
	}
	if e.SecretsProvider != "" {
		opts = append(opts, auto.SecretsProvider(e.SecretsProvider))
	}
	return opts
}

// projectWorkspace runs the commands about the project rather than a stack.
func (e *AutoEngine) projectWorkspace(ctx context.Context) (auto.Workspace, error) {
	dir := filepath.Join(e.StateDir, "project")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	opts := append(e.options(dir, e.env(nil)), auto.Project(inlineProject(e.Project)))
	return auto.NewLocalWorkspace(ctx, opts...)
}

func inlineProject(name string) workspace.Project {
	return workspace.Project{Name: tokens.PackageName(name), Runtime: workspace.NewProjectRuntimeInfo("go", nil)}
}

// Stacks implements Engine.
func (e *AutoEngine) Stacks(ctx context.Context) ([]StackInfo, error) {
	ws, err := e.projectWorkspace(ctx)
	if err != nil {
		return nil, err
	}
	summaries, err := ws.ListStacks(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]StackInfo, 0, len(summaries))
	for _, s := range summaries {
		info := StackInfo{Name: s.Name, UpdateInProgress: s.UpdateInProgress}
		if s.ResourceCount != nil {
			info.Resources = *s.ResourceCount
		}
		info.LastUpdate, _ = time.Parse(time.RFC3339, s.LastUpdate)
		out = append(out, info)
	}
	return out, nil
}

// InstallPlugins implements Engine: each plugin the program needs, once,
// so stacks running in parallel never install one at the same time
// (pulumi/pulumi#22784).
func (e *AutoEngine) InstallPlugins(ctx context.Context) error {
	if len(e.Plugins) == 0 {
		return nil
	}
	ws, err := e.projectWorkspace(ctx)
	if err != nil {
		return err
	}
	installed, err := ws.ListPlugins(ctx)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, p := range installed {
		if p.Version != nil {
			have[p.Name+"@v"+p.Version.String()] = true
		}
	}
	for _, p := range e.Plugins {
		if have[p.Name+"@"+p.Version] {
			continue
		}
		if err := ws.InstallPlugin(ctx, p.Name, p.Version); err != nil {
			return fmt.Errorf("plugin %s %s: %w", p.Name, p.Version, err)
		}
	}
	return nil
}

func (e *AutoEngine) stackDir(stack string) string {
	return filepath.Join(e.StateDir, "stacks", stack)
}

// ExistingConfig implements Engine from the stack's settings file.
func (e *AutoEngine) ExistingConfig(stack string) map[string]string {
	b, err := os.ReadFile(filepath.Join(e.stackDir(stack), "Pulumi."+stack+".yaml"))
	if err != nil {
		return nil
	}
	var settings struct {
		Config map[string]any `yaml:"config"`
	}
	if yaml.Unmarshal(b, &settings) != nil {
		return nil
	}
	out := map[string]string{}
	for k, v := range settings.Config {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// Open implements Engine. Each stack has its own workspace directory, so
// no two stacks share the CLI's workspace files.
func (e *AutoEngine) Open(ctx context.Context, t Target, create bool) (Stack, error) {
	dir := e.stackDir(t.Stack())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var creds map[string]string
	if e.Credentials != nil {
		var err error
		if creds, err = e.Credentials(ctx, t); err != nil {
			return nil, fmt.Errorf("AWS credentials: %w", err)
		}
	}
	opts := append(e.options(dir, e.env(creds)), auto.Project(inlineProject(e.Project)))
	program := e.Program(t)
	var st auto.Stack
	var err error
	if create {
		st, err = auto.UpsertStackInlineSource(ctx, t.Stack(), e.Project, program, opts...)
	} else {
		st, err = auto.SelectStackInlineSource(ctx, t.Stack(), e.Project, program, opts...)
		if auto.IsSelectStack404Error(err) {
			return nil, ErrNoStack
		}
	}
	if err != nil {
		return nil, err
	}
	return &autoStack{s: st}, nil
}

// autoStack is one stack of the Automation API.
type autoStack struct{ s auto.Stack }

// Configure implements Stack: keys no longer wanted are removed, the rest
// set as plain values (structured ones as JSON, as the CLI hands them over).
func (a *autoStack) Configure(ctx context.Context, cfg map[string]string) error {
	current, err := a.s.GetAllConfig(ctx)
	if err != nil {
		return err
	}
	var stale []string
	same := len(current) == len(cfg)
	for k, v := range current {
		want, keep := cfg[k]
		if !keep {
			stale = append(stale, k)
		}
		same = same && keep && want == v.Value && !v.Secret
	}
	if same {
		return nil
	}
	if len(stale) > 0 {
		if err := a.s.RemoveAllConfig(ctx, stale); err != nil {
			return err
		}
	}
	values := auto.ConfigMap{}
	for k, v := range cfg {
		values[k] = auto.ConfigValue{Value: v}
	}
	return a.s.SetAllConfig(ctx, values)
}

func (a *autoStack) Preview(ctx context.Context, w Watch) (Changes, error) {
	ch, wait := watch(w)
	res, err := a.s.Preview(ctx, optpreview.EventStreams(ch), optpreview.ProgressStreams(w.Log), optpreview.ErrorProgressStreams(w.Log))
	wait()
	changes := Changes{}
	for op, n := range res.ChangeSummary {
		changes[string(op)] = n
	}
	return changes, err
}

func (a *autoStack) Up(ctx context.Context, w Watch) (Changes, Outputs, error) {
	ch, wait := watch(w)
	res, err := a.s.Up(ctx, optup.EventStreams(ch), optup.ProgressStreams(w.Log), optup.ErrorProgressStreams(w.Log))
	wait()
	return summaryChanges(res.Summary), outputs(res.Outputs), err
}

func (a *autoStack) Destroy(ctx context.Context, w Watch) (Changes, error) {
	ch, wait := watch(w)
	res, err := a.s.Destroy(ctx, optdestroy.EventStreams(ch), optdestroy.ProgressStreams(w.Log), optdestroy.ErrorProgressStreams(w.Log))
	wait()
	return summaryChanges(res.Summary), err
}

func (a *autoStack) Remove(ctx context.Context) error {
	return a.s.Workspace().RemoveStack(ctx, a.s.Name())
}

func (a *autoStack) Outputs(ctx context.Context) (Outputs, error) {
	outs, err := a.s.Outputs(ctx)
	return outputs(outs), err
}

func (a *autoStack) LastUpdate(ctx context.Context) (Update, error) {
	history, err := a.s.History(ctx, 1, 1)
	if err != nil || len(history) == 0 {
		return Update{}, err
	}
	h := history[0]
	u := Update{Kind: h.Kind, Result: h.Result}
	if h.EndTime != nil {
		u.End, _ = time.Parse(time.RFC3339, *h.EndTime)
	}
	return u, nil
}

func (a *autoStack) Fingerprint(ctx context.Context) (string, error) {
	tags, err := a.s.ListTags(ctx)
	return tags[fingerprintTag], err
}

func (a *autoStack) SetFingerprint(ctx context.Context, fp string) error {
	if fp != "" {
		return a.s.SetTag(ctx, fingerprintTag, fp)
	}
	tags, err := a.s.ListTags(ctx)
	if err != nil {
		return err
	}
	if _, ok := tags[fingerprintTag]; !ok {
		return nil
	}
	return a.s.RemoveTag(ctx, fingerprintTag)
}

func summaryChanges(s auto.UpdateSummary) Changes {
	changes := Changes{}
	if s.ResourceChanges != nil {
		maps.Copy(changes, *s.ResourceChanges)
	}
	return changes
}

func outputs(outs auto.OutputMap) Outputs {
	out := Outputs{}
	for k, v := range outs {
		out[k] = Output{Value: v.Value, Secret: v.Secret}
	}
	return out
}

// watch forwards an operation's engine events to w until the operation
// returns; the returned func waits for the forwarding to end. Events sent
// after the operation returned, if the CLI never connected, are dropped.
func watch(w Watch) (chan<- events.EngineEvent, func()) {
	ch := make(chan events.EngineEvent, 64)
	stop, finished := make(chan struct{}), make(chan struct{})
	forward := func(e events.EngineEvent) {
		if w.Event == nil {
			return
		}
		switch {
		case e.ResourcePreEvent != nil:
			w.Event(Event{Kind: ResourceStarted, URN: e.ResourcePreEvent.Metadata.URN, Op: string(e.ResourcePreEvent.Metadata.Op)})
		case e.ResOutputsEvent != nil:
			w.Event(Event{Kind: ResourceDone, URN: e.ResOutputsEvent.Metadata.URN, Op: string(e.ResOutputsEvent.Metadata.Op)})
		case e.ResOpFailedEvent != nil:
			w.Event(Event{Kind: ResourceFailed, URN: e.ResOpFailedEvent.Metadata.URN, Op: string(e.ResOpFailedEvent.Metadata.Op)})
		}
	}
	go func() {
		defer close(finished)
		for {
			select {
			case e, ok := <-ch:
				if !ok {
					return
				}
				forward(e)
			case <-stop:
				for {
					select {
					case e, ok := <-ch:
						if !ok {
							return
						}
						forward(e)
					default:
						return
					}
				}
			}
		}
	}()
	return ch, func() { close(stop); <-finished }
}
