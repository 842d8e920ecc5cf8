package attendees

import (
	"bytes"
	_ "embed"
	"fmt"
	htmltemplate "html/template"
	"os"
	"path/filepath"
	"sort"
	"text/template"

	"github.com/workshop/spinnaker-modernization/components/spinnaker/pipelines"
	"github.com/workshop/spinnaker-modernization/components/yelb"
	"github.com/workshop/spinnaker-modernization/stacks"
)

// Spinnaker names the pipelines use, as components/spinnaker/seed.go seeds
// them (the accounts halconfig.sh registered).
const (
	spinnakerApplication = "yelb"
	codeBuildAccount     = "platform"
	artifactAccount      = "platform"
	kubernetesAccount    = "eks"
)

// Stack outputs a handout reads.
const (
	outKubectlSetup   = "kubectlSetup"
	outNamespace      = "appNamespace"
	outTunnel         = "spinnakerTunnel"
	outDeckURL        = "spinnakerDeckUrl"
	outAdminPassword  = "spinnakerAdminPassword"
	outArtifactBucket = "artifactBucket"
	outCodeBuild      = "codeBuildProject"
	outECR            = "ecrRepositoryUrl"
	outAppURLCommand  = "appUrlCommand"
	outChaos          = "chaos"
)

// Handout is one attendee's page: the original guide with their own values
// where it had artifact-xxxx-yyyy and hello-xxxxx-yyyyy.
type Handout struct {
	Name, Email, Stack       string
	Region, Account, Profile string
	Role, RoleProfile        string
	PlatformStack            string
	KubectlSetup             string
	Namespace                string
	SpinnakerTunnel, DeckURL string
	AdminPassword            string
	ArtifactBucket           string
	// Application is the Spinnaker application with the attendee's pipelines.
	Application           string
	CodeBuildProject      string
	ECRRepository         string
	AppURL, AppURLCommand string
	// Pipelines are the walk through Spinnaker; empty when Pulumi delivers.
	Pipelines []HandoutPipeline
	Delivery  string
	Chaos     *HandoutChaos
}

// HandoutPipeline is one pipeline's stages, in order.
type HandoutPipeline struct {
	Name, Description string
	Steps             []string
}

// HandoutChaos is the chaos part: the experiment templates by name.
type HandoutChaos struct {
	Region, Dashboard string
	Templates         []HandoutTemplate
}

// HandoutTemplate is one experiment template.
type HandoutTemplate struct{ Name, ID string }

// NewHandout fills a handout from the target and its stack outputs.
func NewHandout(t Target, res Result, delivery string) Handout {
	h := Handout{
		Name: t.Name, Email: t.Email, Stack: t.Stack(), Region: t.Region, Account: t.Account,
		Profile: t.Profile, Role: t.Role, PlatformStack: t.PlatformStack, AppURL: res.AppURL, Delivery: delivery,
	}
	if t.Role != "" {
		h.RoleProfile = roleProfile(t.Member)
	}
	str := func(key string) string { s, _ := res.Outputs[key].Value.(string); return s }
	h.KubectlSetup, h.Namespace = str(outKubectlSetup), str(outNamespace)
	h.SpinnakerTunnel, h.DeckURL, h.AdminPassword = str(outTunnel), str(outDeckURL), str(outAdminPassword)
	h.ArtifactBucket, h.CodeBuildProject, h.ECRRepository = str(outArtifactBucket), str(outCodeBuild), str(outECR)
	h.AppURLCommand = str(outAppURLCommand)
	h.Application = spinnakerApplication
	if delivery == "spinnaker" && h.ArtifactBucket != "" && h.CodeBuildProject != "" && h.Namespace != "" {
		in := pipelines.Inputs{
			Application: spinnakerApplication, CodeBuildAccount: codeBuildAccount, CodeBuildProject: h.CodeBuildProject,
			ArtifactAccount: artifactAccount, ArtifactBucket: h.ArtifactBucket, KubernetesAccount: kubernetesAccount,
			Namespace: h.Namespace, StageFiles: yelb.StageFiles,
		}
		if t.PlatformStack != "" {
			// The room's Spinnaker names the attendee's own.
			in.Application, in.KubernetesAccount = stacks.RoomApplication(t.Stack()), stacks.RoomAccount(t.Stack())
			in.ArtifactPrefix = stacks.RoomArtifactPrefix(t.Stack())
			h.Application = in.Application
		}
		h.Pipelines = walk(in)
	}
	h.Chaos = chaosOf(res.Outputs[outChaos].Value)
	return h
}

// walk turns the pipelines the program seeds into steps to follow in Deck.
func walk(in pipelines.Inputs) []HandoutPipeline {
	var out []HandoutPipeline
	for _, p := range pipelines.All(in) {
		hp := HandoutPipeline{Name: p.Name, Description: p.Description}
		for _, s := range p.Stages {
			hp.Steps = append(hp.Steps, stageStep(s))
		}
		out = append(out, hp)
	}
	return out
}

func stageStep(s pipelines.Stage) string {
	get := func(m map[string]any, k string) string { v, _ := m[k].(string); return v }
	switch s.Type {
	case "awsCodeBuild":
		return fmt.Sprintf("%s: AWS CodeBuild, account %s, project %s", s.Name, get(s.Context, "account"), get(s.Context, "projectName"))
	case "deployManifest":
		artifact, _ := s.Context["manifestArtifact"].(map[string]any)
		return fmt.Sprintf("%s: Deploy (Manifest), account %s, namespace %s, artifact %s (account %s)", s.Name,
			get(s.Context, "account"), get(s.Context, "namespaceOverride"), get(artifact, "reference"), get(artifact, "artifactAccount"))
	case "manualJudgment":
		return fmt.Sprintf("%s: Manual Judgment: %s", s.Name, get(s.Context, "instructions"))
	}
	return s.Name
}

func chaosOf(v any) *HandoutChaos {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	c := &HandoutChaos{}
	c.Region, _ = m["region"].(string)
	c.Dashboard, _ = m["dashboard"].(string)
	templates, _ := m["templates"].(map[string]any)
	for name, id := range templates {
		s, _ := id.(string)
		c.Templates = append(c.Templates, HandoutTemplate{Name: name, ID: s})
	}
	sort.Slice(c.Templates, func(i, j int) bool { return c.Templates[i].Name < c.Templates[j].Name })
	return c
}

//go:embed handout.md.tmpl
var markdownTemplate string

//go:embed handout.html.tmpl
var htmlTemplate string

var (
	markdownPage = template.Must(template.New("handout.md").Funcs(template.FuncMap{"add": add}).Parse(markdownTemplate))
	htmlPage     = htmltemplate.Must(htmltemplate.New("handout.html").Parse(htmlTemplate))
)

func add(a, b int) int { return a + b }

// Render writes the handout as Markdown and as HTML that prints well.
func (h Handout) Render() (markdown, html []byte, err error) {
	var md, page bytes.Buffer
	if err := markdownPage.Execute(&md, h); err != nil {
		return nil, nil, fmt.Errorf("handout %s: %w", h.Stack, err)
	}
	if err := htmlPage.Execute(&page, h); err != nil {
		return nil, nil, fmt.Errorf("handout %s: %w", h.Stack, err)
	}
	return md.Bytes(), page.Bytes(), nil
}

// WriteHandouts writes <stack>.md and <stack>.html for every attendee whose
// stack is up. They hold the attendee's Spinnaker password, so only the
// owner may read them.
func WriteHandouts(dir string, targets []Target, report *Report) ([]string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	results := map[string]Result{}
	for _, res := range report.Results {
		results[res.Stack] = res
	}
	var written []string
	for _, t := range targets {
		res := results[t.Stack()]
		if t.Platform || (res.Result != ResultOK && res.Result != ResultUnchanged) {
			continue
		}
		md, html, err := NewHandout(t, res, delivery(t)).Render()
		if err != nil {
			return written, err
		}
		for ext, b := range map[string][]byte{".md": md, ".html": html} {
			path := filepath.Join(dir, t.Stack()+ext)
			if err := os.WriteFile(path, b, 0o600); err != nil {
				return written, err
			}
			written = append(written, path)
		}
	}
	sort.Strings(written)
	return written, nil
}

// delivery is how the target's app is delivered, as the program reads its
// config; "" when the app is off.
func delivery(t Target) string {
	cfg, err := stacks.Parse(t.Stack(), t.Config)
	if err != nil || !cfg.Yelb.Enabled {
		return ""
	}
	return cfg.Yelb.Delivery
}
