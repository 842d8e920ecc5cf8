package pipelines

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func inputs() Inputs {
	return Inputs{
		Application: "yelb", CodeBuildAccount: "platform", CodeBuildProject: "hello-dev-yelbv2",
		ArtifactAccount: "platform", ArtifactBucket: "hello-dev-artifacts-abc1234", KubernetesAccount: "eks",
		Namespace:  "hello-dev",
		StageFiles: []string{"1.app-v1.yaml", "2.app-v2.yaml", "3.weighted-route.yaml", "4.high-availability.yaml"},
	}
}

func TestGoldenPipelines(t *testing.T) {
	for _, p := range All(inputs()) {
		t.Run(p.Name, func(t *testing.T) { golden(t, p) })
	}
}

func golden(t *testing.T, p Pipeline) {
	got, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", p.Name+".json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s; review and run with -update", p.Name, path)
	}
}

type stage map[string]any

func stagesOf(t *testing.T, p Pipeline) []stage {
	t.Helper()
	b, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Application string  `json:"application"`
		ID          string  `json:"id"`
		Stages      []stage `json:"stages"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Application != "yelb" || !uuid5.MatchString(doc.ID) {
		t.Errorf("%s: application %s id %s", p.Name, doc.Application, doc.ID)
	}
	return doc.Stages
}

func TestServiceMeshStages(t *testing.T) {
	stages := stagesOf(t, ServiceMesh(inputs()))
	want := []struct{ typ, manifest string }{
		{"awsCodeBuild", ""}, {"deployManifest", "1.app-v1.yaml"}, {"manualJudgment", ""},
		{"deployManifest", "2.app-v2.yaml"}, {"manualJudgment", ""}, {"deployManifest", "3.weighted-route.yaml"},
	}
	if len(stages) != len(want) {
		t.Fatalf("%d stages", len(stages))
	}
	for i, w := range want {
		t.Run(fmt.Sprintf("%d %s", i+1, w.typ), func(t *testing.T) {
			s := stages[i]
			if s["type"] != w.typ || s["refId"] != fmt.Sprint(i+1) {
				t.Errorf("stage is %v with refId %v", s["type"], s["refId"])
			}
			reqs := s["requisiteStageRefIds"].([]any)
			if (i == 0 && len(reqs) != 0) || (i > 0 && (len(reqs) != 1 || reqs[0] != fmt.Sprint(i))) {
				t.Errorf("requires %v", reqs)
			}
			checkStage(t, s, w.manifest)
		})
	}
}

func checkStage(t *testing.T, s stage, manifest string) {
	t.Helper()
	switch s["type"] {
	case "awsCodeBuild":
		if s["account"] != "platform" || s["projectName"] != "hello-dev-yelbv2" {
			t.Errorf("build stage %v", s)
		}
	case "deployManifest":
		art := s["manifestArtifact"].(map[string]any)
		want := "s3://hello-dev-artifacts-abc1234/" + manifest
		if art["type"] != "s3/object" || art["reference"] != want || art["artifactAccount"] != "platform" {
			t.Errorf("artifact %v, want %s", art, want)
		}
		if s["account"] != "eks" || s["namespaceOverride"] != "hello-dev" || s["source"] != "artifact" || s["cloudProvider"] != "kubernetes" {
			t.Errorf("deploy stage %v", s)
		}
	case "manualJudgment":
		if s["instructions"] == "" || s["failPipeline"] != true {
			t.Errorf("judgment %v", s)
		}
	}
}

func TestChaosEngineeringStages(t *testing.T) {
	stages := stagesOf(t, ChaosEngineering(inputs()))
	if len(stages) != 1 || stages[0]["type"] != "deployManifest" ||
		stages[0]["manifestArtifact"].(map[string]any)["reference"] != "s3://hello-dev-artifacts-abc1234/4.high-availability.yaml" {
		t.Errorf("stages = %v", stages)
	}
}

var uuid5 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestPipelineIDs: saving again updates a pipeline rather than adding one
// only if its id stays the same; two pipelines never share one.
func TestPipelineIDs(t *testing.T) {
	a, b := PipelineID("yelb", "service-mesh"), PipelineID("yelb", "chaos-engineering")
	if a != PipelineID("yelb", "service-mesh") || a == b {
		t.Errorf("ids %s %s", a, b)
	}
	if !uuid5.MatchString(a) {
		t.Errorf("%s is not a version 5 UUID", a)
	}
}

func TestChainingAndValidation(t *testing.T) {
	for _, p := range All(inputs()) {
		t.Run(p.Name, func(t *testing.T) {
			if err := p.Check(); err != nil {
				t.Error(err)
			}
		})
	}
	broken := ServiceMesh(inputs())
	broken.Stages[1].RequisiteStageRefIDs = []string{"6"}
	if err := broken.Check(); err == nil || !strings.Contains(err.Error(), "does not come before it") {
		t.Errorf("err = %v", err)
	}
	for _, c := range []struct {
		name, want string
		mutate     func(*Inputs)
	}{
		{"no bucket", "ArtifactBucket", func(in *Inputs) { in.ArtifactBucket = "" }},
		{"three stages", "StageFiles", func(in *Inputs) { in.StageFiles = in.StageFiles[:3] }},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := inputs()
			c.mutate(&in)
			if err := in.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestApplicationTask(t *testing.T) {
	app := Application(inputs())
	job := app["job"].([]any)[0].(map[string]any)
	if job["type"] != "createApplication" || job["application"].(map[string]any)["name"] != "yelb" ||
		job["application"].(map[string]any)["cloudProviders"] != "kubernetes" {
		t.Errorf("task = %v", app)
	}
}

// Check verifies the chaining of a pipeline, as orca runs it: unique
// refIds, each stage requiring only earlier ones.
func (p Pipeline) Check() error {
	if len(p.Stages) == 0 {
		return errors.New("pipelines: a pipeline has no stages")
	}
	seen := map[string]bool{}
	for _, s := range p.Stages {
		if seen[s.RefID] {
			return fmt.Errorf("pipelines: %s: refId %s used twice", p.Name, s.RefID)
		}
		for _, r := range s.RequisiteStageRefIDs {
			if !seen[r] {
				return fmt.Errorf("pipelines: %s: stage %q requires %s, which does not come before it", p.Name, s.Name, r)
			}
		}
		seen[s.RefID] = true
	}
	return nil
}
