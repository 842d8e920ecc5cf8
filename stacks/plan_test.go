package stacks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
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
	if proj.Name.String() != Namespace {
		t.Errorf("project name %s, config namespace %s", proj.Name, Namespace)
	}
	documented := map[string]bool{}
	for name, decl := range proj.Config {
		documented[Namespace+":"+name] = true
		key, ok := keyNamed(Namespace + ":" + name)
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
		if strings.HasPrefix(k.Name, Namespace+":") && !documented[k.Name] {
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
	// Complete: every key of ours is set explicitly.
	for _, k := range Keys() {
		if _, set := raw[k.Name]; !set && strings.HasPrefix(k.Name, Namespace+":") && k.Name != "workshop:clusterAdmins" {
			t.Errorf("Pulumi.dev.yaml does not show %s", k.Name)
		}
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
