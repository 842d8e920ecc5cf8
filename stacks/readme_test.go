package stacks

import (
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readmeSection returns the text of one "## " section of the README.
func readmeSection(t *testing.T, title string) string {
	t.Helper()
	text := readme(t)
	i := strings.Index(text, "\n## "+title+"\n")
	if i < 0 {
		t.Fatalf("README has no section %q", title)
	}
	rest := text[i+1:]
	if j := strings.Index(rest[3:], "\n## "); j >= 0 {
		rest = rest[:j+3]
	}
	return rest
}

// `pulumi stack select dev --create --secrets-provider passphrase` saves the
// stack file when the passphrase salt is new (pkg/cmd/pulumi/stack/io.go,
// CreateStack, at v3.274.1), and any save re-marshals the config through
// the SDK's ProjectStack.Save, which quotes scalars. The example is written
// so that neither changes it: the salt is in place and a save gives the
// same bytes.
func TestExampleStackSurvivesStackCreation(t *testing.T) {
	proj, err := workspace.LoadProject("../Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := workspace.LoadProjectStack(nil, proj, "../Pulumi.dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if ps.EncryptionSalt == "" {
		t.Fatal("Pulumi.dev.yaml has no encryptionsalt: creating the stack would add one")
	}
	saved := filepath.Join(t.TempDir(), "Pulumi.dev.yaml")
	if err := ps.Save(saved); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile("../Pulumi.dev.yaml")
	after, _ := os.ReadFile(saved)
	if string(before) != string(after) {
		t.Errorf("the CLI would rewrite Pulumi.dev.yaml as:\n%s", after)
	}
}

// The committed salt must open with the passphrase the README exports, or
// creating the stack fails with "incorrect passphrase" (the check of
// pkg/secrets/passphrase/manager.go: decrypt the salt's message to "pulumi").
func TestExampleSaltIsTheREADMEPassphrase(t *testing.T) {
	m := regexp.MustCompile(`export PULUMI_CONFIG_PASSPHRASE='([^']*)'`).FindStringSubmatch(readmeSection(t, "The two commands"))
	if m == nil {
		t.Fatal("the README exports no PULUMI_CONFIG_PASSPHRASE")
	}
	proj, _ := workspace.LoadProject("../Pulumi.yaml")
	ps, err := workspace.LoadProjectStack(nil, proj, "../Pulumi.dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.SplitN(ps.EncryptionSalt, ":", 3) // v1:<salt>:<message>
	if len(parts) != 3 || parts[0] != "v1" {
		t.Fatalf("salt %q", ps.EncryptionSalt)
	}
	salt, err := base64.StdEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	msg, err := config.NewSymmetricCrypterFromPassphrase(m[1], salt).DecryptValue(context.Background(), parts[2])
	if err != nil || msg != "pulumi" {
		t.Errorf("passphrase %q does not open the salt: %q, %v", m[1], msg, err)
	}
}

// The bootstrap commands run against a stand-in `pulumi` that logs its
// calls. Both outputs must be read before logging in to the S3 backend
// (after it, `--stack dev` does not exist), and an empty or missing one
// must stop everything: `--secrets-provider ""` means the passphrase.
func TestBootstrapCommandsReadBothOutputsFirst(t *testing.T) {
	block := regexp.MustCompile("(?s)```sh\n(.*?)```").FindStringSubmatch(readmeSection(t, "State backend bootstrap"))
	if block == nil {
		t.Fatal("no sh block in the README's bootstrap section")
	}
	cases := []struct {
		name, backend, secrets string
		devExists              bool
		wantLog                string
	}{
		{"both outputs", "s3://b?region=r", "awskms://alias/k?region=r", true,
			"stack output stateBackendUrl --stack dev\nstack output secretsProvider --stack dev\nlogin s3://b?region=r\nstack init attendee-01 --secrets-provider awskms://alias/k?region=r\n"},
		{"empty secrets provider", "s3://b?region=r", "", true,
			"stack output stateBackendUrl --stack dev\nstack output secretsProvider --stack dev\n"},
		{"no dev stack here", "", "", false, "stack output stateBackendUrl --stack dev\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, "calls")
			stub := `#!/bin/sh
echo "$*" >> "$LOG"
case "$*" in
  "stack output stateBackendUrl --stack dev") [ "$DEV" = yes ] || exit 255; echo "$BACKEND" ;;
  "stack output secretsProvider --stack dev") [ "$DEV" = yes ] || exit 255; echo "$SECRETS" ;;
esac
`
			if err := os.WriteFile(filepath.Join(dir, "pulumi"), []byte(stub), 0o755); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("bash", "-c", block[1])
			cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"), "LOG="+log,
				"BACKEND="+tc.backend, "SECRETS="+tc.secrets, "DEV="+map[bool]string{true: "yes"}[tc.devExists])
			err := cmd.Run()
			calls, _ := os.ReadFile(log)
			if string(calls) != tc.wantLog {
				t.Errorf("calls:\n%s\nwant:\n%s", calls, tc.wantLog)
			}
			if ok := tc.wantLog == cases[0].wantLog; (err == nil) != ok {
				t.Errorf("exit error %v", err)
			}
		})
	}
}

// Tearing the workshop down must keep the protected state bucket and key:
// pulumi v3.274.1 `destroy` takes --exclude-protected ("Do not destroy
// protected resources", pkg/cmd/pulumi/operations/destroy.go).
func TestTeardownKeepsTheBackend(t *testing.T) {
	if !strings.Contains(readmeSection(t, "State backend bootstrap"), "pulumi destroy --stack dev --exclude-protected") {
		t.Error("the README does not say how to tear down and keep the backend")
	}
}

// `type: object` config needs the CLI that validates object values:
// v3.187.0 (pulumi/pulumi CHANGELOG, "Allow config values to be parsed with
// type `object`"; sdk/go/common/workspace/project.go gains objectTypeName in
// ValidateConfigValue between v3.186.0 and v3.187.0).
func TestREADMENamesTheMinimumCLI(t *testing.T) {
	project, err := os.ReadFile("../Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(project), "type: object") && !strings.Contains(readmeSection(t, "Prerequisites"), "v3.187.0 or later") {
		t.Error("Pulumi.yaml uses type: object; the README must ask for Pulumi CLI v3.187.0 or later")
	}
}
