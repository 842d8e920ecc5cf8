// Package harness runs the real systems the tests check the program
// against: upstream's kube-apiserver, kube-controller-manager,
// kube-scheduler and etcd, kwok's fake nodes, the Pulumi CLI and the
// Kubernetes provider. Each is built from source through the Go module proxy,
// in a tools module of its own under tools/, once per version into a cache.
package harness

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Tool is one binary the harness builds from a tools module.
type Tool struct {
	Name    string // file name of the binary
	Module  string // directory under tools/
	Package string // import path of its main package
	Version string
	Ldflags string
	// Extra files of the tools module that change the binary.
	Extra []string
	// After runs once the binary is built, with its path.
	After func(repo, bin string) error
	// Cost is what a cold build took here, for the message when it is missing.
	Cost string
}

const (
	KubernetesVersion = "v1.34.1"
	EtcdVersion       = "v3.6.4"
	KwokVersion       = "v0.8.0"
	PulumiVersion     = "v3.274.1"
	// KubernetesProviderModule is the version of pulumi-kubernetes/provider/v4
	// the module proxy serves (a pseudo-version; no tagged v4 provider module is).
	KubernetesProviderModule = "v4.0.0-20260115033456-f47bc2d6f199"
)

func kubeLdflags() string {
	v := "k8s.io/component-base/version."
	return "-X " + v + "gitVersion=" + KubernetesVersion + " -X " + v + "gitMajor=1 -X " + v + "gitMinor=34 -X " + v + "gitTreeState=clean"
}

// Tools are every binary the harness can build.
var Tools = []Tool{
	{Name: "etcd", Module: "kube", Package: "./cmd/etcd", Version: EtcdVersion, Extra: []string{"cmd/etcd/main.go"}, Cost: "about 1 min"},
	{Name: "kube-apiserver", Module: "kube", Package: "k8s.io/kubernetes/cmd/kube-apiserver", Version: KubernetesVersion, Ldflags: kubeLdflags(), Cost: "about 5 min, 2 GB"},
	{Name: "kube-controller-manager", Module: "kube", Package: "k8s.io/kubernetes/cmd/kube-controller-manager", Version: KubernetesVersion, Ldflags: kubeLdflags(), Cost: "about 2 min after kube-apiserver"},
	{Name: "kube-scheduler", Module: "kube", Package: "k8s.io/kubernetes/cmd/kube-scheduler", Version: KubernetesVersion, Ldflags: kubeLdflags(), Cost: "under 1 min after kube-apiserver"},
	{Name: "kwok", Module: "kwok", Package: "sigs.k8s.io/kwok/cmd/kwok", Version: KwokVersion, Cost: "about 3 min"},
	{Name: "pulumi", Module: "pulumi", Package: "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi", Version: PulumiVersion,
		// The Automation API refuses a CLI that cannot say its version.
		Ldflags: "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=" + PulumiVersion, Cost: "about 7 min, 2.3 GB"},
	{Name: "pulumi-resource-kubernetes", Module: "pulumi-kubernetes", Package: ".", Version: KubernetesProviderModule,
		Ldflags: "-X main.version=" + strings.TrimPrefix(KubernetesProviderModule, "v"),
		Extra:   []string{"main.go"}, After: copyProviderSchema, Cost: "about 12 min, 5 GB"},
}

// Find returns the tool of that name.
func Find(name string) (Tool, error) {
	i := slices.IndexFunc(Tools, func(t Tool) bool { return t.Name == name })
	if i < 0 {
		return Tool{}, fmt.Errorf("no tool named %q", name)
	}
	return Tools[i], nil
}

// Repo is the repository's root directory.
func Repo() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

// CacheDir holds the built binaries: $WORKSHOP_TOOLS_DIR, or
// spinnaker-workshop/tools in the user's cache directory.
func CacheDir() string {
	if d := os.Getenv("WORKSHOP_TOOLS_DIR"); d != "" {
		return d
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "spinnaker-workshop", "tools")
}

// Key names one build: the version and a hash of what else decides it (the
// tools module's go.mod and go.sum, its own sources, the flags).
func (t Tool) Key(repo string) (string, error) {
	h := sha256.New()
	io.WriteString(h, t.Package+"\x00"+t.Ldflags+"\x00")
	for _, f := range append([]string{"go.mod", "go.sum"}, t.Extra...) {
		b, err := os.ReadFile(filepath.Join(repo, "tools", t.Module, f))
		if err != nil {
			return "", err
		}
		h.Write(b)
	}
	return t.Name + "-" + t.Version + "-" + hex.EncodeToString(h.Sum(nil))[:10], nil
}

// Path is where the tool's binary is, built or not.
func (t Tool) Path(repo string) (string, error) {
	key, err := t.Key(repo)
	if err != nil {
		return "", err
	}
	return filepath.Join(CacheDir(), key, t.Name), nil
}

// Build builds the tool unless its binary is already in the cache, and
// returns the binary's path. Concurrent callers build once: a lock file
// serialises them.
func (t Tool) Build(repo string, log io.Writer) (string, bool, error) {
	bin, err := t.Path(repo)
	if err != nil {
		return "", false, err
	}
	if _, err := os.Stat(bin); err == nil {
		return bin, false, nil
	}
	dir := filepath.Dir(bin)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, err
	}
	unlock, err := lock(dir + ".lock")
	if err != nil {
		return "", false, err
	}
	defer unlock()
	if _, err := os.Stat(bin); err == nil {
		return bin, false, nil
	}
	args := []string{"build", "-trimpath", "-o", bin + ".partial"}
	if t.Ldflags != "" {
		args = append(args, "-ldflags", t.Ldflags)
	}
	cmd := exec.Command("go", append(args, t.Package)...)
	cmd.Dir = filepath.Join(repo, "tools", t.Module)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return "", false, fmt.Errorf("building %s %s in tools/%s: %w", t.Name, t.Version, t.Module, err)
	}
	if t.After != nil {
		if err := t.After(repo, bin); err != nil {
			return "", false, fmt.Errorf("after building %s: %w", t.Name, err)
		}
	}
	return bin, true, os.Rename(bin+".partial", bin)
}

// BuildAll builds every tool named (all when none are), printing one line per
// tool with the time it took.
func BuildAll(names []string, log io.Writer) error {
	repo := Repo()
	for _, t := range Tools {
		if len(names) > 0 && !slices.Contains(names, t.Name) {
			continue
		}
		start := time.Now()
		fmt.Fprintf(log, "%-27s %-12s ", t.Name, shortVersion(t.Version))
		bin, built, err := t.Build(repo, log)
		if err != nil {
			fmt.Fprintln(log)
			return err
		}
		state := "cached"
		if built {
			state = "built in " + time.Since(start).Round(time.Second).String()
		}
		fmt.Fprintf(log, "%s  %s\n", state, bin)
	}
	return nil
}

func shortVersion(v string) string {
	if len(v) > 12 {
		return v[:12]
	}
	return v
}

// Binary returns the path of a built tool for a test. A missing tool fails
// the test with the command that builds it; -short skips such tests.
func Binary(t interface {
	Helper()
	Skipf(string, ...any)
	Fatalf(string, ...any)
}, short bool, name string) string {
	t.Helper()
	tool, err := Find(name)
	if err != nil {
		t.Fatalf("%v", err)
	}
	bin, err := tool.Path(Repo())
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if short {
		t.Skipf("-short: %s is not built", name)
	}
	t.Fatalf("%s %s is not built: run `go run ./internal/harness/cmd/buildtools` first (%s, once per version; the README's test command does)", name, tool.Version, tool.Cost)
	return ""
}

func copyProviderSchema(repo, bin string) error {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/pulumi/pulumi-kubernetes/provider/v4")
	cmd.Dir = filepath.Join(repo, "tools", "pulumi-kubernetes")
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("locating the provider module: %w", err)
	}
	src := filepath.Join(strings.TrimSpace(string(out)), "cmd", "pulumi-resource-kubernetes")
	for from, to := range map[string]string{"schema.json": bin + ".schema.json", "terraform-mapping.json": filepath.Join(filepath.Dir(bin), "terraform-mapping.json")} {
		b, err := os.ReadFile(filepath.Join(src, from))
		if err != nil {
			return err
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, errors.Join(err, f.Close())
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
