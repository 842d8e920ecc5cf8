package plan

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"

	"github.com/workshop/spinnaker-modernization/stacks"
)

const workflowsDir = "../../.github/workflows"

// pulumiActionsV7Inputs are the inputs of pulumi/actions v7.0.0 (its
// action.yml; none is required). actionlint v1.7.12 knows the action only up
// to v6, so the test teaches it v7 and actionlint checks every `with:` key.
var pulumiActionsV7Inputs = []string{
	"command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir", "comment-on-pr",
	"comment-on-pr-number", "comment-on-summary", "github-token", "cloud-url", "secrets-provider", "parallel",
	"message", "config-map", "expect-no-changes", "diff", "replace", "exclude", "exclude-dependents", "target",
	"target-dependents", "policyPacks", "policyPackConfigs", "refresh", "upsert", "remove", "edit-pr-comment",
	"color", "exclude-protected", "plan", "suppress-outputs", "suppress-progress", "always-include-summary",
	"continue-on-error", "log-verbosity", "log-flow", "debug",
}

// The workflows pass actionlint (github.com/rhysd/actionlint v1.7.12, its
// Linter.LintFiles), with shellcheck on their scripts where it is installed.
func TestWorkflowsPassActionlint(t *testing.T) {
	inputs := actionlint.ActionMetadataInputs{}
	for _, name := range pulumiActionsV7Inputs {
		inputs[strings.ToLower(name)] = &actionlint.ActionMetadataInput{Name: name}
	}
	actionlint.PopularActions["pulumi/actions@v7"] = &actionlint.ActionMetadata{
		Name: "Pulumi CLI Action", Inputs: inputs,
		Outputs: actionlint.ActionMetadataOutputs{"output": {Name: "output"}},
	}
	shellcheck, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Log("shellcheck is not installed: scripts are not shellchecked")
		shellcheck = ""
	}
	files, err := filepath.Glob(filepath.Join(workflowsDir, "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows: %v", err)
	}
	var out strings.Builder
	linter, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{Shellcheck: shellcheck, Oneline: true})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := linter.LintFiles(files, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("%s:%d:%d: %s [%s]", e.Filepath, e.Line, e.Column, e.Message, e.Kind)
	}
}

// workflow is the part of a workflow file the tests below read.
type workflow struct {
	On          map[string]any `yaml:"on"`
	Permissions any            `yaml:"permissions"`
	Jobs        map[string]struct {
		If          string            `yaml:"if"`
		Needs       any               `yaml:"needs"`
		Permissions map[string]string `yaml:"permissions"`
		Environment any               `yaml:"environment"`
		Concurrency map[string]any    `yaml:"concurrency"`
		Strategy    struct {
			MaxParallel int `yaml:"max-parallel"`
		} `yaml:"strategy"`
		Steps []struct {
			Uses string            `yaml:"uses"`
			With map[string]string `yaml:"with"`
			Run  string            `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func readWorkflow(t *testing.T, name string) workflow {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(workflowsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	return w
}

// Credentials come from role assumption by OIDC, never keys; the preview
// role on pull requests, the apply role only on pushes to main, whose jobs
// run without an environment so GitHub's subject is ref:refs/heads/main, the
// one the apply role trusts (stacks/githubci).
func TestWorkflowsAssumeRolesByOIDC(t *testing.T) {
	cases := []struct {
		file, job, role, command string
		permissions              map[string]string
	}{
		{"pull-request.yml", "preview", "${{ vars.AWS_PREVIEW_ROLE_ARN }}", "preview",
			map[string]string{"contents": "read", "id-token": "write", "pull-requests": "write"}},
		{"main.yml", "up", "${{ vars.AWS_APPLY_ROLE_ARN }}", "up",
			map[string]string{"contents": "read", "id-token": "write"}},
	}
	for _, c := range cases {
		t.Run(c.file+" "+c.job, func(t *testing.T) {
			job, ok := readWorkflow(t, c.file).Jobs[c.job]
			if !ok {
				t.Fatalf("no job %s", c.job)
			}
			if !maps.Equal(job.Permissions, c.permissions) || job.Environment != nil {
				t.Errorf("permissions %v, environment %v", job.Permissions, job.Environment)
			}
			var creds, pulumi map[string]string
			for _, s := range job.Steps {
				switch {
				case s.Uses == "aws-actions/configure-aws-credentials@v6":
					creds = s.With
				case s.Uses == "pulumi/actions@v7":
					pulumi = s.With
				}
			}
			if creds == nil || creds["role-to-assume"] != c.role || creds["aws-access-key-id"] != "" || creds["aws-secret-access-key"] != "" {
				t.Errorf("credentials %v", creds)
			}
			if pulumi["command"] != c.command || pulumi["cloud-url"] != "${{ vars.PULUMI_BACKEND_URL }}" || pulumi["secrets-provider"] != "${{ vars.PULUMI_SECRETS_PROVIDER }}" {
				t.Errorf("pulumi/actions with %v", pulumi)
			}
		})
	}
	for _, name := range []string{"pull-request.yml", "main.yml", "offline-plan-comment.yml"} {
		b, _ := os.ReadFile(filepath.Join(workflowsDir, name))
		if strings.Contains(string(b), "secrets.AWS_") || strings.Contains(string(b), "aws-access-key-id") {
			t.Errorf("%s mentions long-lived AWS keys", name)
		}
	}
}

func TestPreviewCommentsAndUpdatesOneCommentPerStack(t *testing.T) {
	w := readWorkflow(t, "pull-request.yml")
	preview := w.Jobs["preview"]
	for _, s := range preview.Steps {
		if s.Uses == "pulumi/actions@v7" {
			for k, v := range map[string]string{"diff": "true", "comment-on-pr": "true", "edit-pr-comment": "true", "always-include-summary": "true"} {
				if s.With[k] != v {
					t.Errorf("%s = %q, want %q", k, s.With[k], v)
				}
			}
		}
	}
	if preview.If != "github.event.pull_request.head.repo.full_name == github.repository" {
		t.Errorf("preview runs for forks, which get no credentials: if %q", preview.If)
	}
	if needs, _ := preview.Needs.([]any); !slices.Contains(needs, any("test")) {
		t.Errorf("preview does not wait for the tests: needs %v", preview.Needs)
	}
	offline := w.Jobs["offline-plan"]
	if offline.If != "" || offline.Permissions != nil {
		t.Errorf("the offline plan must run for every pull request with the read-only default: if %q, permissions %v", offline.If, offline.Permissions)
	}
}

func TestUpsRunOneAtATimePerStack(t *testing.T) {
	up := readWorkflow(t, "main.yml").Jobs["up"]
	if up.Strategy.MaxParallel != 1 {
		t.Errorf("max-parallel %d", up.Strategy.MaxParallel)
	}
	if up.Concurrency["group"] != "pulumi-up-${{ matrix.stack.name }}" || up.Concurrency["cancel-in-progress"] != false {
		t.Errorf("concurrency %v", up.Concurrency)
	}
}

// Every listed stack exists with the region the workflows give it.
func TestListedStacksExist(t *testing.T) {
	b, err := os.ReadFile("../../.github/stacks.json")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Stacks []struct {
			Name   string `json:"name"`
			Region string `json:"region"`
			Up     bool   `json:"up"`
		} `json:"stacks"`
	}
	if err := json.Unmarshal(b, &list); err != nil || len(list.Stacks) == 0 {
		t.Fatalf("stacks.json: %v, %d stacks", err, len(list.Stacks))
	}
	for _, s := range list.Stacks {
		t.Run(s.Name, func(t *testing.T) {
			_, raw, _, err := stacks.ReadStackConfig("../..", s.Name)
			if err != nil {
				t.Fatal(err)
			}
			if raw["aws:region"] != s.Region {
				t.Errorf("stacks.json says %s, Pulumi.%s.yaml says %s", s.Region, s.Name, raw["aws:region"])
			}
		})
	}
}
