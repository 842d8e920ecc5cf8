package standin

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"time"

	"sigs.k8s.io/yaml"
)

// Chart names a chart the program installs.
type Chart struct{ Name, Version string }

//go:embed crds/*.yaml
var chartCRDs embed.FS

// crdsOf are the CRDs a chart ships that objects of the program use: the
// real charts install them, so the stubs must too (crds/README.md).
var crdsOf = map[string]string{
	"aws-gateway-controller-chart": "crds/aws-gateway-controller-v2.1.3-crds.yaml",
	"appmesh-controller":           "crds/appmesh-controller-1.13.3-crds.yaml",
}

// ChartRepository is an HTTP Helm repository serving stub charts: the names
// and versions the program asks for, each a ServiceAccount and a Deployment
// running as it, plus the CRDs the real chart ships that the program uses.
// It stands in for a mirror of the public repositories, which cannot be
// reached here.
type ChartRepository struct {
	URL    string
	server *http.Server
}

// ServeCharts starts a repository of stubs of charts on loopback.
func ServeCharts(charts []Chart) (*ChartRepository, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	url := "http://" + l.Addr().String()
	files := map[string][]byte{}
	entries := map[string][]any{}
	for _, c := range charts {
		tgz, err := stubChart(c)
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("chart %s %s: %w", c.Name, c.Version, err)
		}
		file := fmt.Sprintf("%s-%s.tgz", c.Name, c.Version)
		files["/"+file] = tgz
		sum := sha256.Sum256(tgz)
		entries[c.Name] = append(entries[c.Name], map[string]any{
			"apiVersion": "v2", "name": c.Name, "version": c.Version,
			"urls": []string{url + "/" + file}, "digest": hex.EncodeToString(sum[:]),
			"created": time.Unix(0, 0).UTC().Format(time.RFC3339),
		})
	}
	index, err := yaml.Marshal(map[string]any{"apiVersion": "v1", "entries": entries})
	if err != nil {
		l.Close()
		return nil, err
	}
	files["/index.yaml"] = index
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(b)
	})
	repo := &ChartRepository{URL: url, server: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = repo.server.Serve(l) }()
	return repo, nil
}

// Close stops the repository.
func (r *ChartRepository) Close() error { return r.server.Close() }

// stubTemplates: the service account is the one the values name, as in
// the real charts, so Pod Identity associations find it.
var stubTemplates = map[string]string{
	"templates/_helpers.tpl": `{{- define "stub.serviceAccount" -}}
{{- $name := .Release.Name -}}
{{- with .Values.serviceAccount -}}{{- with .name -}}{{- $name = . -}}{{- end -}}{{- end -}}
{{- $name -}}
{{- end -}}
`,
	"templates/serviceaccount.yaml": `apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "stub.serviceAccount" . }}
  namespace: {{ .Release.Namespace }}
`,
	"templates/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  namespace: {{ .Release.Namespace }}
  labels:
    app.kubernetes.io/name: {{ .Chart.Name }}
    app.kubernetes.io/instance: {{ .Release.Name }}
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ .Release.Name }}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {{ .Chart.Name }}
        app.kubernetes.io/instance: {{ .Release.Name }}
    spec:
      serviceAccountName: {{ include "stub.serviceAccount" . }}
      containers:
      - name: {{ .Chart.Name }}
        image: stub.invalid/{{ .Chart.Name }}:{{ .Chart.Version }}
        resources:
          requests:
            cpu: 50m
            memory: 64Mi
`,
}

// stubChart is the chart's .tgz: Chart.yaml, the templates, its CRDs.
func stubChart(c Chart) ([]byte, error) {
	files := map[string]string{"Chart.yaml": fmt.Sprintf("apiVersion: v2\nname: %s\nversion: %s\ndescription: stand-in for %s %s\n", c.Name, c.Version, c.Name, c.Version)}
	for k, v := range stubTemplates {
		files[k] = v
	}
	if path, ok := crdsOf[c.Name]; ok {
		b, err := chartCRDs.ReadFile(path)
		if err != nil {
			return nil, err
		}
		files["crds/crds.yaml"] = string(b)
	}
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		body := files[name]
		hdr := &tar.Header{Name: c.Name + "/" + name, Mode: 0o644, Size: int64(len(body)), ModTime: time.Unix(0, 0)}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
