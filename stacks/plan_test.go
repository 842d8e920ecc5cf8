package stacks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"gopkg.in/yaml.v3"
)

func TestSecureConfigReadsAsSecret(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "../Pulumi.yaml", filepath.Join(dir, "Pulumi.yaml"))
	stack := "config:\n  workshop:name: hi\n  workshop:token:\n    secure: v1:abc\n"
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.s.yaml"), []byte(stack), 0o644); err != nil {
		t.Fatal(err)
	}
	_, raw, secrets, err := ReadStackConfig(dir, "s")
	if err != nil {
		t.Fatal(err)
	}
	if raw["workshop:token"] != "[secret]" || !reflect.DeepEqual(secrets, []string{"workshop:token"}) {
		t.Errorf("raw = %v, secrets = %v", raw, secrets)
	}
	if raw["workshop:name"] != "hi" || raw["workshop:logRetentionDays"] != "3" {
		t.Errorf("stack value or project default missing: %v", raw)
	}
}

// Pulumi.yaml documents exactly the keys the program reads, with the same
// types and defaults, and the Pulumi CLI's own schema accepts it.
func TestProjectFileDocumentsEveryKey(t *testing.T) {
	proj, err := workspace.LoadProject("../Pulumi.yaml")
	if err != nil {
		t.Fatalf("the Pulumi CLI would reject Pulumi.yaml: %v", err)
	}
	if proj.Name.String() != ConfigNamespace {
		t.Errorf("project name %s, config namespace %s", proj.Name, ConfigNamespace)
	}
	documented := map[string]bool{}
	for name, decl := range proj.Config {
		documented[ConfigNamespace+":"+name] = true
		key, ok := keyNamed(ConfigNamespace + ":" + name)
		if !ok {
			t.Errorf("Pulumi.yaml documents %s, which the program does not read", name)
			continue
		}
		declType := ""
		if decl.Type != nil {
			declType = *decl.Type
		}
		if declType != key.Type || decl.Description != key.Description {
			t.Errorf("%s: Pulumi.yaml says %s %q, program says %s %q", name, declType, decl.Description, key.Type, key.Description)
		}
		if !sameJSON(t, decl.Default, key.Default) {
			t.Errorf("%s: default %v in Pulumi.yaml, %v in the program", name, decl.Default, key.Default)
		}
	}
	for _, k := range Keys() {
		if strings.HasPrefix(k.Name, ConfigNamespace+":") && !documented[k.Name] {
			t.Errorf("%s is not documented in Pulumi.yaml", k.Name)
		}
	}
}

func TestExampleStackIsValid(t *testing.T) {
	proj, err := workspace.LoadProject("../Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := workspace.LoadProjectStack(nil, proj, "../Pulumi.dev.yaml"); err != nil {
		t.Fatalf("the Pulumi CLI would reject Pulumi.dev.yaml: %v", err)
	}
	_, raw, _, err := ReadStackConfig("..", "dev")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse("dev", raw); err != nil {
		t.Fatal(err)
	}
}

// The example spells out every key, read from the file itself: the loader
// fills in Pulumi.yaml's defaults, which would hide a missing one.
func TestExampleStackSetsEveryKeyExplicitly(t *testing.T) {
	b, err := os.ReadFile("../Pulumi.dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys() {
		if k.Name == "aws:profile" {
			continue // optional by nature: the example uses the default credentials
		}
		t.Run(k.Name, func(t *testing.T) {
			if _, set := file.Config[k.Name]; !set {
				t.Errorf("Pulumi.dev.yaml does not show %s", k.Name)
			}
		})
	}
}

// A new stack with no config at all must pass the CLI's own rules: a key
// declared without a default is required in every stack
// (github.com/pulumi/pulumi pkg/workspace/config.go at v3.274.1, mergeConfig:
// "Stack '%v' is missing configuration value %v").
func TestMinimalStackPassesTheCLIRules(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "../Pulumi.yaml", filepath.Join(dir, "Pulumi.yaml"))
	writeFile(t, filepath.Join(dir, "Pulumi.attendee-01.yaml"), "config: {}\n")
	_, raw, _, err := ReadStackConfig(dir, "attendee-01")
	if err != nil {
		t.Fatalf("a stack with no config is refused: %v", err)
	}
	cfg, err := Parse("attendee-01", raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.AvailabilityZones, ","); got != "ap-northeast-2a,ap-northeast-2b,ap-northeast-2c" {
		t.Errorf("zones = %s", got)
	}
}

// The loader applies the CLI's rules to any project: a required key, or a
// value of the wrong type, stops it with the CLI's message.
func TestLoaderAppliesTheCLIRules(t *testing.T) {
	project := "name: workshop\nruntime: go\nconfig:\n  zones:\n    type: array\n    items:\n      type: string\n  flowLogs:\n    type: boolean\n    default: false\n  aws:region:\n    value: eu-west-1\n"
	cases := []struct {
		name, stack, want string
	}{
		{"required key missing", "config: {}\n", "Stack 's' is missing configuration value 'zones'"},
		{"boolean of another type", "config:\n  workshop:zones: [a]\n  workshop:flowLogs: \"yes\"\n", "Stack 's' with configuration key 'flowLogs' must be of type 'boolean'"},
		{"array of another type", "config:\n  workshop:zones: a\n", "Stack 's' with configuration key 'zones' must be of type 'array<string>'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "Pulumi.yaml"), project)
			writeFile(t, filepath.Join(dir, "Pulumi.s.yaml"), tc.stack)
			if _, _, _, err := ReadStackConfig(dir, "s"); err == nil || err.Error() != tc.want {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Pulumi.yaml"), project)
	writeFile(t, filepath.Join(dir, "Pulumi.s.yaml"), "config:\n  workshop:zones: [a, b]\n")
	_, raw, _, err := ReadStackConfig(dir, "s")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"workshop:zones": `["a","b"]`, "workshop:flowLogs": "false", "aws:region": "eu-west-1"}
	if !reflect.DeepEqual(raw, want) {
		t.Errorf("raw = %v, want %v", raw, want)
	}
}

func keyNamed(name string) (Key, bool) {
	for _, k := range Keys() {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}

func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	norm := func(v any) any {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var out any
		_ = json.Unmarshal(raw, &out)
		return out
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
