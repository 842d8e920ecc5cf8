// Package buildspecrun runs a CodeBuild buildspec's commands in bash with
// stand-ins for docker and aws, so tests see what a build does to the
// registry and the artifact bucket without either.
package buildspecrun

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// Phases CodeBuild runs, in order.
var Phases = []string{"install", "pre_build", "build", "post_build"}

// standIns: docker push refuses a tag it has seen, as an immutable ECR
// repository does; aws s3 cp [--recursive] copies with s3://<bucket>/
// mapped under $FAKE_S3.
var standIns = map[string]string{
	"docker": `#!/bin/sh
case "$1" in
login) cat >/dev/null ;;
push) if grep -qxF "$2" "$FAKE_S3/.pushed" 2>/dev/null; then echo "tag invalid: $2 already exists and the repository is immutable" >&2; exit 1; fi
      echo "$2" >>"$FAKE_S3/.pushed" ;;
esac
`,
	"aws": `#!/bin/sh
case "$1 $2" in
"ecr get-login-password") echo token; exit 0 ;;
"s3 cp") shift 2 ;;
*) echo "stand-in aws: unexpected: aws $*" >&2; exit 1 ;;
esac
recursive=
if [ "$1" = --recursive ]; then recursive=1; shift; fi
local_path() { case $1 in s3://*) echo "$FAKE_S3/${1#s3://}" ;; *) echo "$1" ;; esac; }
src=$(local_path "$1"); dst=$(local_path "$2")
if [ -n "$recursive" ]; then mkdir -p "$dst" && cp -R "$src"/. "$dst"
else mkdir -p "$(dirname "$dst")" && cp "$src" "$dst"; fi
`,
}

// Build is a place to run builds in: a fake S3 with buckets as directories,
// and the stand-ins on PATH. Consecutive runs share the registry's memory.
type Build struct {
	Root string
}

// New prepares a build place under root.
func New(root string) (*Build, error) {
	for name, body := range standIns {
		path := filepath.Join(root, "bin", name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
			return nil, err
		}
	}
	return &Build{Root: root}, os.MkdirAll(filepath.Join(root, "s3"), 0o755)
}

// Object is the path of s3://bucket/key in the fake S3.
func (b *Build) Object(bucket, key string) string {
	return filepath.Join(b.Root, "s3", bucket, key)
}

// Put writes s3://bucket/key.
func (b *Build) Put(bucket, key, content string) error {
	path := b.Object(bucket, key)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}

// Run runs the named phases of buildspec (all when none are named) as one
// bash script, as buildspec version 0.2 keeps variables between commands,
// with env added to the environment. It returns the combined output.
func (b *Build) Run(buildspec string, env []string, phases ...string) (string, error) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		return "", fmt.Errorf("bash is needed to run a buildspec: %w", err)
	}
	var spec struct {
		Phases map[string]struct {
			Commands []string `json:"commands"`
		} `json:"phases"`
	}
	if err := yaml.Unmarshal([]byte(buildspec), &spec); err != nil {
		return "", fmt.Errorf("parsing the buildspec: %w", err)
	}
	if len(phases) == 0 {
		phases = Phases
	}
	var lines []string
	for _, p := range phases {
		lines = append(lines, spec.Phases[p].Commands...)
	}
	cmd := exec.Command(bash, "-c", strings.Join(lines, "\n"))
	cmd.Dir, err = os.MkdirTemp(b.Root, "src")
	if err != nil {
		return "", err
	}
	cmd.Env = append(append(os.Environ(),
		"PATH="+filepath.Join(b.Root, "bin")+":"+os.Getenv("PATH"),
		"FAKE_S3="+filepath.Join(b.Root, "s3")), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
