package harness

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Controllers kube-controller-manager runs: what Deployments, StatefulSets,
// Jobs, namespace deletion and node failure need, and volumes (binding a
// claim to what the stand-in EBS provisioner makes, releasing it, and the
// protection finalizers the API server's admission puts on both), nothing
// that calls a cloud.
var Controllers = []string{
	"garbagecollector", "namespace", "deployment", "replicaset", "statefulset", "daemonset",
	"job", "endpoint", "endpointslice", "serviceaccount", "serviceaccount-token", "disruption",
	"nodelifecycle", "podgc", "taint-eviction-controller",
	"persistentvolume-binder", "pvc-protection", "pv-protection",
}

// ControlPlane is etcd and kube-apiserver on loopback, and optionally
// kube-controller-manager, kube-scheduler and kwok beside them.
type ControlPlane struct {
	URL        string // https://127.0.0.1:<port>
	Token      string // bearer token of a system:masters user
	Kubeconfig string // file for clients (kubectl, controllers, the Pulumi provider)
	Dir        string

	procs []*Process
}

// Options choose what runs beside the API server.
type Options struct {
	Controllers bool // kube-controller-manager
	Scheduler   bool // kube-scheduler
	// Kwok runs kwok for nodes annotated kwok.x-k8s.io/node=fake; its value is
	// the Stage documents to run with (empty: none).
	KwokStages string
	// Extra*Flags are appended to each component's own flags.
	ExtraControllerFlags []string
	ExtraAPIServerFlags  []string
	ExtraSchedulerFlags  []string
	ExtraKwokFlags       []string
	// Log receives every process's output; nil discards it.
	Log io.Writer
}

// Bins are the paths of the binaries a control plane runs.
type Bins struct {
	Etcd, APIServer, ControllerManager, Scheduler, Kwok string
}

// StartControlPlane starts the processes in dir and waits until the API
// server is ready (and the controllers and scheduler are running when asked).
// Stop ends them all.
func StartControlPlane(ctx context.Context, dir string, bins Bins, o Options) (*ControlPlane, error) {
	cp := &ControlPlane{Dir: dir}
	if err := cp.start(ctx, bins, o); err != nil {
		cp.Stop()
		return nil, err
	}
	return cp, nil
}

func (cp *ControlPlane) start(ctx context.Context, bins Bins, o Options) error {
	if o.Log == nil {
		o.Log = io.Discard
	}
	etcdURL, err := cp.startEtcd(ctx, bins.Etcd, o.Log)
	if err != nil {
		return err
	}
	if err := cp.startAPIServer(ctx, bins.APIServer, etcdURL, o.ExtraAPIServerFlags, o.Log); err != nil {
		return err
	}
	if o.Controllers {
		flags := []string{
			"--kubeconfig=" + cp.Kubeconfig, "--leader-elect=false", "--secure-port=0",
			"--controllers=" + strings.Join(Controllers, ","),
			"--service-account-private-key-file=" + filepath.Join(cp.Dir, "sa.key"),
			"--root-ca-file=" + filepath.Join(cp.Dir, "certs", "apiserver.crt"),
			"--use-service-account-credentials=false",
		}
		p, err := Start(ctx, "kube-controller-manager", bins.ControllerManager, append(flags, o.ExtraControllerFlags...), o.Log)
		if err != nil {
			return err
		}
		cp.procs = append(cp.procs, p)
	}
	if o.Scheduler {
		flags := []string{"--kubeconfig=" + cp.Kubeconfig, "--leader-elect=false", "--secure-port=0"}
		p, err := Start(ctx, "kube-scheduler", bins.Scheduler, append(flags, o.ExtraSchedulerFlags...), o.Log)
		if err != nil {
			return err
		}
		cp.procs = append(cp.procs, p)
	}
	if o.KwokStages != "" {
		if err := cp.startKwok(ctx, bins.Kwok, o.KwokStages, o.ExtraKwokFlags, o.Log); err != nil {
			return err
		}
	}
	return nil
}

func (cp *ControlPlane) startEtcd(ctx context.Context, bin string, log io.Writer) (string, error) {
	client, peer := FreePort(), FreePort()
	clientURL := fmt.Sprintf("http://127.0.0.1:%d", client)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peer)
	p, err := Start(ctx, "etcd", bin, []string{
		"--data-dir=" + filepath.Join(cp.Dir, "etcd"),
		"--listen-client-urls=" + clientURL, "--advertise-client-urls=" + clientURL,
		"--listen-peer-urls=" + peerURL, "--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=default=" + peerURL,
		// Throwaway data: durability would only slow the tests.
		"--unsafe-no-fsync",
	}, log)
	if err != nil {
		return "", err
	}
	cp.procs = append(cp.procs, p)
	return clientURL, waitFor(ctx, p, 30*time.Second, func() error {
		res, err := http.Get(clientURL + "/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				err = fmt.Errorf("etcd health: %s", res.Status)
			}
		}
		return err
	})
}

func (cp *ControlPlane) startAPIServer(ctx context.Context, bin, etcdURL string, extra []string, log io.Writer) error {
	if err := writeServiceAccountKey(filepath.Join(cp.Dir, "sa.key")); err != nil {
		return err
	}
	cp.Token = randomHex(16)
	tokens := filepath.Join(cp.Dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(cp.Token+",admin,1,system:masters\n"), 0o600); err != nil {
		return err
	}
	port := FreePort()
	cp.URL = fmt.Sprintf("https://127.0.0.1:%d", port)
	p, err := Start(ctx, "kube-apiserver", bin, append([]string{
		"--etcd-servers=" + etcdURL,
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file=" + filepath.Join(cp.Dir, "sa.key"),
		"--service-account-signing-key-file=" + filepath.Join(cp.Dir, "sa.key"),
		"--cert-dir=" + filepath.Join(cp.Dir, "certs"),
		fmt.Sprintf("--secure-port=%d", port),
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		"--authorization-mode=RBAC",
		"--token-auth-file=" + tokens,
		"--service-cluster-ip-range=10.96.0.0/16",
		// The add-ons' daemonsets run privileged containers, as on EKS.
		"--allow-privileged=true",
	}, extra...), log)
	if err != nil {
		return err
	}
	cp.procs = append(cp.procs, p)
	if err := cp.writeKubeconfig(); err != nil {
		return err
	}
	return waitFor(ctx, p, 90*time.Second, func() error {
		res, err := cp.Do(ctx, http.MethodGet, "/readyz", nil)
		if err == nil && res.StatusCode != http.StatusOK {
			err = fmt.Errorf("readyz: %s", res.Status)
		}
		return err
	})
}

func (cp *ControlPlane) startKwok(ctx context.Context, bin, stages string, extra []string, log io.Writer) error {
	config := filepath.Join(cp.Dir, "kwok.yaml")
	if err := os.WriteFile(config, []byte(stages), 0o644); err != nil {
		return err
	}
	p, err := Start(ctx, "kwok", bin, append([]string{
		"--kubeconfig=" + cp.Kubeconfig,
		"--config=" + config,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
		"--cidr=10.0.0.1/16",
		"--node-ip=10.0.0.1",
		"--server-address=127.0.0.1:0",
		// Without the flag kwok v0.8.0 holds no node Lease (seen here),
		// while its heartbeat Stage updates node status only every 10
		// minutes: the node controller then marks the nodes NotReady and
		// every pod on them unready. 40 s is the kubelet's default.
		"--node-lease-duration-seconds=40",
	}, extra...), log)
	if err != nil {
		return err
	}
	cp.procs = append(cp.procs, p)
	return nil
}

func (cp *ControlPlane) writeKubeconfig() error {
	cp.Kubeconfig = filepath.Join(cp.Dir, "kubeconfig")
	return os.WriteFile(cp.Kubeconfig, []byte(KubeconfigFor(cp.URL, cp.Token)), 0o600)
}

// KubeconfigFor is a kubeconfig reaching url with a bearer token. TLS is not
// verified: the API server's certificate is self-signed at start.
func KubeconfigFor(url, token string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: %s
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: %s
contexts:
- name: local
  context:
    cluster: local
    user: admin
current-context: local
`, url, token)
}

// Client is an HTTP client for the API server.
func (cp *ControlPlane) Client() *http.Client {
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // self-signed, loopback only
	}}
}

// Do sends one authenticated request to the API server.
func (cp *ControlPlane) Do(ctx context.Context, method, path string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, cp.URL+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+cp.Token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	res, err := cp.Client().Do(req)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Stop ends every process, last started first.
func (cp *ControlPlane) Stop() {
	for i := len(cp.procs) - 1; i >= 0; i-- {
		cp.procs[i].Stop()
	}
	cp.procs = nil
}

func writeServiceAccountKey(path string) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	return os.WriteFile(path, b, 0o600)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// FreePort is a loopback TCP port free a moment ago.
func FreePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitFor polls ready until it succeeds, the process exits or time runs out.
func waitFor(ctx context.Context, p *Process, limit time.Duration, ready func() error) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var last error
	for {
		if last = ready(); last == nil {
			return nil
		}
		select {
		case <-p.Done():
			return fmt.Errorf("%s exited before it was ready: %v\n%s", p.Name, p.Err(), p.Tail())
		case <-ctx.Done():
			return errors.Join(fmt.Errorf("%s not ready after %s: %w", p.Name, limit, last), errors.New(p.Tail()))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Tail is the last output of the named process ("kube-apiserver", "kwok"),
// for failure messages.
func (cp *ControlPlane) Tail(name string) string {
	for _, p := range cp.procs {
		if p.Name == name {
			return p.Tail()
		}
	}
	return ""
}
