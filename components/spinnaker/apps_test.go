package spinnaker

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

// room is a shared platform's install: one app per attendee, each on its
// own cluster with its manifests under its own prefix.
func room(attendees ...string) SpinnakerArgs {
	a := example("room-build")
	a.Apps = nil
	for _, who := range attendees {
		a.Apps = append(a.Apps, AppTarget{
			Account: "eks-" + who, Application: "yelb-" + who,
			ClusterName:    pulumi.String(who + "-app"),
			KubeconfigJSON: pulumi.String(strings.ReplaceAll(appKubeconfig, "APP", strings.ToUpper(who))),
			Namespace:      pulumi.String(who + "-ns"),
			ArtifactPrefix: who + "/",
		})
	}
	return a
}

// TestEveryAppGetsItsOwnAccount: clouddriver has one kubernetes account per
// app cluster, each reaching that cluster's endpoint with a token for that
// cluster and limited to that app's namespace
// (clouddriver-kubernetes/.../config/KubernetesAccountProperties.java:
// name, context, kubeconfigContents, namespaces).
func TestEveryAppGetsItsOwnAccount(t *testing.T) {
	g := buildArgs(t, room("alice", "bob", "carol"))
	secret, ok := g.Find("kubernetes:core/v1:Secret", "spin-config")
	if !ok {
		t.Fatal("no config secret")
	}
	var local struct {
		Kubernetes struct {
			Accounts []struct {
				Name               string   `yaml:"name"`
				KubeconfigContents string   `yaml:"kubeconfigContents"`
				Namespaces         []string `yaml:"namespaces"`
			} `yaml:"accounts"`
		} `yaml:"kubernetes"`
	}
	text := secret.Input("stringData").(map[string]any)["clouddriver-local.yml"].(string)
	if err := yaml.Unmarshal([]byte(text), &local); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, acc := range local.Kubernetes.Accounts {
		names = append(names, acc.Name)
		who := strings.TrimPrefix(acc.Name, "eks-")
		if !strings.Contains(acc.KubeconfigContents, "https://"+strings.ToUpper(who)+".eks") || !strings.Contains(acc.KubeconfigContents, who+"-app") {
			t.Errorf("account %s does not reach %s's cluster:\n%s", acc.Name, who, acc.KubeconfigContents)
		}
		if !slices.Equal(acc.Namespaces, []string{who + "-ns"}) {
			t.Errorf("account %s namespaces %v, want only %s-ns", acc.Name, acc.Namespaces, who)
		}
	}
	if !slices.Equal(names, []string{"eks-alice", "eks-bob", "eks-carol"}) {
		t.Errorf("kubernetes accounts %v", names)
	}
}

// TestEveryAppIsSeeded: the one seed Job saves every application: its
// -dir flags name one directory per app, the config map's items put each
// app's files in its directory, and each app's pipelines deploy through
// its own account from its own prefix, and tell the build that prefix
// (orca-igor/.../model/AwsCodeBuildStageDefinition.java: environmentVariables
// is a Map<String, String>, sent to StartBuild as PLAINTEXT overrides by
// tasks/StartAwsCodeBuildTask.java).
func TestEveryAppIsSeeded(t *testing.T) {
	g := buildArgs(t, room("alice", "bob"))
	spec := podSpec(seedJob(t, g))
	command := strings.Join(toStrings(spec["containers"].([]any)[0].(map[string]any)["command"]), " ")
	for _, who := range []string{"alice", "bob"} {
		if !strings.Contains(command, "-dir /pipelines/yelb-"+who) {
			t.Errorf("the seeder is not told %s's directory: %s", who, command)
		}
	}
	var items []any
	for _, v := range spec["volumes"].([]any) {
		if v.(map[string]any)["name"] == "pipelines" {
			items, _ = v.(map[string]any)["configMap"].(map[string]any)["items"].([]any)
		}
	}
	cms := byName(g, "kubernetes:core/v1:ConfigMap")
	var data map[string]any
	for n, cm := range cms {
		if strings.HasPrefix(n, "spin-pipelines-") {
			data = cm.Input("data").(map[string]any)
		}
	}
	if len(items) != len(data) || len(items) != 6 {
		t.Fatalf("%d items for %d files, want 6 (2 apps x application and 2 pipelines)", len(items), len(data))
	}
	for _, it := range items {
		key, path := it.(map[string]any)["key"].(string), it.(map[string]any)["path"].(string)
		app, file, _ := strings.Cut(path, "/")
		if key != app+"."+file || data[key] == nil {
			t.Errorf("item %s -> %s: no such file, or in another app's directory", key, path)
		}
	}
	var mesh struct {
		Application string `json:"application"`
		Stages      []struct {
			Type    string         `json:"type"`
			Account string         `json:"account"`
			Context map[string]any `json:"-"`
		} `json:"stages"`
	}
	body := data["yelb-bob.service-mesh.json"].(string)
	if err := json.Unmarshal([]byte(body), &mesh); err != nil {
		t.Fatal(err)
	}
	if mesh.Application != "yelb-bob" || !strings.Contains(body, `"account": "eks-bob"`) ||
		!strings.Contains(body, "s3://artifacts-1/bob/1.app-v1.yaml") || !strings.Contains(body, `"ARTIFACT_PREFIX": "bob/"`) {
		t.Errorf("bob's pipeline does not deploy bob's app through bob's account from bob's prefix:\n%s", body)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestAppsThatWouldCollideAreRefused: two apps of one name would share
// pipelines (their ids derive from the name), and Deck refuses names
// outside its pattern.
func TestAppsThatWouldCollideAreRefused(t *testing.T) {
	for name, mutate := range map[string]func(*SpinnakerArgs){
		"no app":             func(a *SpinnakerArgs) { a.Apps = nil },
		"same application":   func(a *SpinnakerArgs) { a.Apps[1].Application = a.Apps[0].Application },
		"same account":       func(a *SpinnakerArgs) { a.Apps[1].Account = a.Apps[0].Account },
		"underscore in name": func(a *SpinnakerArgs) { a.Apps[0].Application = "yelb_alice" },
	} {
		t.Run(name, func(t *testing.T) {
			a := room("alice", "bob")
			mutate(&a)
			if _, err := run(a); err == nil {
				t.Error("accepted")
			}
		})
	}
}

// TestSeedingIsNotSecret: the seeding objects are named after what they
// hold; built from the secret kubeconfig too, their names and data turned
// secret, which a preview shows as [secret] and the engine test could not
// find by name after destroy.
func TestSeedingIsNotSecret(t *testing.T) {
	g := buildArgs(t, example("yelbv2"))
	job := seedJob(t, g)
	var pipelines mockcloud.Resource
	for n, cm := range byName(g, "kubernetes:core/v1:ConfigMap") {
		if strings.HasPrefix(n, "spin-pipelines-") {
			pipelines = cm
		}
	}
	for _, r := range []mockcloud.Resource{job, pipelines} {
		if r.Inputs == nil || r.Inputs.ContainsSecrets() {
			t.Errorf("%s %s: inputs hold a secret (or it is missing)", r.Type, r.Name)
		}
	}
}
