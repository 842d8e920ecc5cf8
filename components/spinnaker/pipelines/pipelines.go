// Package pipelines is the workshop's Spinnaker application and its two
// pipelines as Go values, rendered to the JSON Deck would save. The original
// clicked them together by hand.
package pipelines

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
)

// Inputs are the names the pipelines refer to.
type Inputs struct {
	Application       string
	CodeBuildAccount  string
	CodeBuildProject  string
	ArtifactAccount   string
	ArtifactBucket    string
	KubernetesAccount string
	Namespace         string
	// StageFiles are the app's manifests in the artifact bucket, one per
	// workshop stage, in order.
	StageFiles []string
	// ArtifactPrefix, if set, is the key prefix ("alice/") of this app's
	// manifests, so the apps of a room share one bucket; the build is told it
	// as ARTIFACT_PREFIX.
	ArtifactPrefix string
}

// ArtifactPrefixVariable is the build's environment variable naming the
// key prefix of the manifests it renders (read by manifests/buildspec.yml).
const ArtifactPrefixVariable = "ARTIFACT_PREFIX"

// Stages is how many stage manifests the pipelines deploy.
const Stages = 4

// Validate names the first empty field.
func (in Inputs) Validate() error {
	if len(in.StageFiles) != Stages {
		return fmt.Errorf("pipelines: %d StageFiles, want %d", len(in.StageFiles), Stages)
	}
	for _, f := range []struct{ name, value string }{
		{"Application", in.Application}, {"CodeBuildAccount", in.CodeBuildAccount},
		{"CodeBuildProject", in.CodeBuildProject}, {"ArtifactAccount", in.ArtifactAccount},
		{"ArtifactBucket", in.ArtifactBucket}, {"KubernetesAccount", in.KubernetesAccount},
		{"Namespace", in.Namespace},
	} {
		if f.value == "" {
			return fmt.Errorf("pipelines: %s is empty", f.name)
		}
	}
	return nil
}

// ManifestURI is where a manifest lies in the artifact bucket.
func ManifestURI(bucket, name string) string { return "s3://" + bucket + "/" + name }

// Pipeline is a Spinnaker pipeline as front50 stores it.
type Pipeline struct {
	Application          string  `json:"application"`
	Name                 string  `json:"name"`
	ID                   string  `json:"id"`
	Description          string  `json:"description,omitempty"`
	KeepWaitingPipelines bool    `json:"keepWaitingPipelines"`
	LimitConcurrent      bool    `json:"limitConcurrent"`
	SpelEvaluator        string  `json:"spelEvaluator"`
	Stages               []Stage `json:"stages"`
	Triggers             []any   `json:"triggers"`
}

// Stage holds the fields common to every stage; Context carries the rest,
// flattened into the stage object as Spinnaker expects.
type Stage struct {
	Type                 string
	Name                 string
	RefID                string
	RequisiteStageRefIDs []string
	Context              map[string]any
}

// MarshalJSON flattens the stage's context next to its common fields.
func (s Stage) MarshalJSON() ([]byte, error) {
	out := map[string]any{}
	for k, v := range s.Context {
		out[k] = v
	}
	out["type"], out["name"], out["refId"] = s.Type, s.Name, s.RefID
	reqs := s.RequisiteStageRefIDs
	if reqs == nil {
		reqs = []string{}
	}
	out["requisiteStageRefIds"] = reqs
	return json.Marshal(out)
}

// JSON renders the pipeline, indented, the same bytes for the same inputs.
func (p Pipeline) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// idNamespace is a fixed UUID under which pipeline ids are derived.
var idNamespace = [16]byte{0x6c, 0x1d, 0x4e, 0x2a, 0x93, 0x0b, 0x4f, 0x51, 0x8a, 0x77, 0x0e, 0x35, 0xc2, 0x6a, 0x19, 0x84}

// PipelineID is a name-based (version 5) UUID of the application and
// pipeline name: saving again updates the pipeline instead of adding one.
func PipelineID(application, name string) string {
	h := sha1.New()
	h.Write(idNamespace[:])
	h.Write([]byte(application + "/" + name))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

func newPipeline(in Inputs, name, description string, stages ...Stage) Pipeline {
	for i := range stages {
		stages[i].RefID = fmt.Sprint(i + 1)
		if i > 0 {
			stages[i].RequisiteStageRefIDs = []string{fmt.Sprint(i)}
		}
	}
	return Pipeline{
		Application: in.Application, Name: name, ID: PipelineID(in.Application, name),
		Description: description, LimitConcurrent: true, SpelEvaluator: "v4",
		Stages: stages, Triggers: []any{},
	}
}

func (in Inputs) build() Stage {
	env := map[string]any{}
	if in.ArtifactPrefix != "" {
		env[ArtifactPrefixVariable] = in.ArtifactPrefix
	}
	return Stage{Type: "awsCodeBuild", Name: "Build v2 image", Context: map[string]any{
		"account":              in.CodeBuildAccount,
		"projectName":          in.CodeBuildProject,
		"source":               map[string]any{"sourceOverride": false},
		"environmentVariables": env,
	}}
}

// deploy applies one manifest from the artifact bucket; the manifests name
// their namespace with SpEL, which this stage's namespaceOverride answers.
func (in Inputs) deploy(name, manifest string) Stage {
	uri := ManifestURI(in.ArtifactBucket, in.ArtifactPrefix+manifest)
	return Stage{Type: "deployManifest", Name: name, Context: map[string]any{
		"account":       in.KubernetesAccount,
		"cloudProvider": "kubernetes",
		"source":        "artifact",
		"manifestArtifact": map[string]any{
			"type": "s3/object", "name": uri, "reference": uri, "artifactAccount": in.ArtifactAccount,
		},
		"manifestArtifactAccount":  in.ArtifactAccount,
		"namespaceOverride":        in.Namespace,
		"moniker":                  map[string]any{"app": in.Application},
		"skipExpressionEvaluation": false,
		"trafficManagement":        map[string]any{"enabled": false},
	}}
}

func judgment(name, instructions string) Stage {
	return Stage{Type: "manualJudgment", Name: name, Context: map[string]any{
		"instructions":   instructions,
		"judgmentInputs": []any{},
		"notifications":  []any{},
		"failPipeline":   true,
	}}
}

// ServiceMesh builds v2, deploys v1, then v2 and the 50:50 route, each after
// a person agrees.
func ServiceMesh(in Inputs) Pipeline {
	return newPipeline(in, "service-mesh", "Build yelb-appserver v2, deploy v1, add v2, then split traffic 1:1.",
		in.build(),
		in.deploy("Deploy v1", in.StageFiles[0]),
		judgment("Deploy v2?", "Is v1 healthy in the app? Continue to deploy yelb-appserver v2."),
		in.deploy("Deploy v2", in.StageFiles[1]),
		judgment("Shift traffic?", "Is v2 running? Continue to send half of the app server traffic to v2."),
		in.deploy("Weighted route v1:v2 = 1:1", in.StageFiles[2]),
	)
}

// ChaosEngineering makes the app highly available before the chaos re-run.
func ChaosEngineering(in Inputs) Pipeline {
	return newPipeline(in, "chaos-engineering", "Make yelb highly available before running the chaos experiment again.",
		in.deploy("Deploy high availability", in.StageFiles[3]),
	)
}

// All are the workshop's pipelines.
func All(in Inputs) []Pipeline { return []Pipeline{ServiceMesh(in), ChaosEngineering(in)} }

// Application is the body of the createApplication task gate runs.
func Application(in Inputs) map[string]any {
	return map[string]any{
		"application": in.Application,
		"description": "Create Application: " + in.Application,
		"job": []any{map[string]any{
			"type": "createApplication",
			"application": map[string]any{
				"name":           in.Application,
				"email":          "workshop@example.com",
				"cloudProviders": "kubernetes",
				"description":    "The yelb demo app of the Spinnaker modernization workshop",
			},
		}},
	}
}
