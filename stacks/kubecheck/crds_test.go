package kubecheck

import (
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/workshop/spinnaker-modernization/internal/crds"
	"github.com/workshop/spinnaker-modernization/internal/harness"
)

// vendoredCRDs are the CRDs the add-ons install from outside the program's
// graph (charts, the Gateway API release).
func vendoredCRDs(t *testing.T) []harness.Object {
	t.Helper()
	docs, err := crds.Documents()
	if err != nil {
		t.Fatal(err)
	}
	var out []harness.Object
	for _, d := range docs {
		var o harness.Object
		if err := yaml.Unmarshal(d.YAML, &o); err != nil {
			t.Fatalf("%s: %v", d.File, err)
		}
		out = append(out, o)
	}
	return out
}
