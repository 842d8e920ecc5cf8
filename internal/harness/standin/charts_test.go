package standin

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func get(t *testing.T, url string) []byte {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, res.Status)
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Helm finds a chart through the repository's index.yaml (name, version,
// urls, digest: helm.sh/helm/v3 pkg/repo/chartrepo.go and index.go) and
// reads the archive's <name>/Chart.yaml and <name>/crds/.
func TestChartRepositoryServesWhatHelmReads(t *testing.T) {
	charts := []Chart{{"aws-gateway-controller-chart", "v2.1.3"}, {"metrics-server", "3.13.1"}}
	repo, err := ServeCharts(charts)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	var index struct {
		Entries map[string][]struct {
			Version string   `json:"version"`
			URLs    []string `json:"urls"`
			Digest  string   `json:"digest"`
		} `json:"entries"`
	}
	if err := yaml.Unmarshal(get(t, repo.URL+"/index.yaml"), &index); err != nil {
		t.Fatal(err)
	}
	for _, c := range charts {
		t.Run(c.Name, func(t *testing.T) {
			e := index.Entries[c.Name]
			if len(e) != 1 || e[0].Version != c.Version || len(e[0].URLs) != 1 {
				t.Fatalf("index entry %+v", e)
			}
			tgz := get(t, e[0].URLs[0])
			sum := sha256.Sum256(tgz)
			if hex.EncodeToString(sum[:]) != e[0].Digest {
				t.Fatal("digest does not match the archive")
			}
			files := untar(t, tgz)
			if !strings.Contains(files[c.Name+"/Chart.yaml"], "version: "+c.Version) {
				t.Fatalf("Chart.yaml: %q", files[c.Name+"/Chart.yaml"])
			}
			_, hasCRDs := files[c.Name+"/crds/crds.yaml"]
			if wantCRDs := c.Name == "aws-gateway-controller-chart"; hasCRDs != wantCRDs {
				t.Fatalf("crds/crds.yaml present %v, want %v", hasCRDs, wantCRDs)
			}
		})
	}
}

func untar(t *testing.T, tgz []byte) map[string]string {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	out := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out[h.Name] = string(b)
	}
}
