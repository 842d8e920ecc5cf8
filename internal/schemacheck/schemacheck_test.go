package schemacheck

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

const testCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
spec:
  group: example.com
  names: {kind: Widget}
  versions:
  - name: v1
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1, maximum: 10}
              color: {type: string, enum: [red, blue]}
              name: {type: string, pattern: '^[a-z]+$', maxLength: 5}
              tags: {type: array, maxItems: 1, items: {type: string}}
              port: {x-kubernetes-int-or-string: true}
              labels: {type: object, additionalProperties: {type: string}}
              free: {type: object, x-kubernetes-preserve-unknown-fields: true}
`

func registry(t *testing.T) Registry {
	t.Helper()
	var c crd
	if err := yaml.Unmarshal([]byte(testCRD), &c); err != nil {
		t.Fatal(err)
	}
	return Registry{"example.com/v1/Widget": c.Spec.Versions[0].Schema.OpenAPIV3Schema}
}

func TestValidate(t *testing.T) {
	r := registry(t)
	cases := []struct {
		spec string
		want string // "" for valid
	}{
		{`{size: 3, color: red, name: abc, tags: [x], port: http, labels: {a: b}, free: {any: [1]}}`, ""},
		{`{size: 3, port: 80}`, ""},
		{`{color: red}`, `missing required field "size"`},
		{`{size: 0}`, "below the minimum"},
		{`{size: 11}`, "above the maximum"},
		{`{size: 1.5}`, "not an integer"},
		{`{size: "3"}`, "expected a number"},
		{`{size: 3, color: green}`, "is not one of"},
		{`{size: 3, name: ABC}`, "does not match"},
		{`{size: 3, name: abcdef}`, "longer than 5"},
		{`{size: 3, tags: [a, b]}`, "at most 1"},
		{`{size: 3, colour: red}`, `unknown field "colour"`},
		{`{size: 3, labels: {a: 1}}`, "expected a string"},
		{`{size: 3, port: true}`, "integer or a string"},
	}
	for _, c := range cases {
		t.Run(c.spec, func(t *testing.T) {
			var obj map[string]any
			if err := yaml.Unmarshal([]byte("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: "+c.spec), &obj); err != nil {
				t.Fatal(err)
			}
			errs := r.Validate(obj)
			switch {
			case c.want == "" && len(errs) > 0:
				t.Errorf("unexpected errors %v", errs)
			case c.want != "" && (len(errs) == 0 || !strings.Contains(errs[0].Error(), c.want)):
				t.Errorf("errors %v, want one containing %q", errs, c.want)
			}
		})
	}
}

func TestValidateTopLevel(t *testing.T) {
	r := registry(t)
	if errs := r.Validate(map[string]any{"apiVersion": "example.com/v1", "kind": "Widget", "status2": map[string]any{}}); len(errs) == 0 {
		t.Error("unknown top-level field accepted")
	}
	if errs := r.Validate(map[string]any{"apiVersion": "example.com/v2", "kind": "Widget"}); len(errs) == 0 {
		t.Error("unknown version accepted")
	}
}

// TestVendoredCRDs: the kinds the yelb manifests use have schemas.
func TestVendoredCRDs(t *testing.T) {
	r, err := Vendored()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{
		"appmesh.k8s.aws/v1beta2/VirtualNode", "appmesh.k8s.aws/v1beta2/Mesh",
		"application-networking.k8s.aws/v1alpha1/TargetGroupPolicy",
		"gateway.networking.k8s.io/v1/Gateway", "gateway.networking.k8s.io/v1/HTTPRoute",
		"externaldns.k8s.io/v1alpha1/DNSEndpoint",
	} {
		t.Run(k, func(t *testing.T) {
			if r[k] == nil {
				t.Errorf("schema %s not loaded", k)
			}
		})
	}
}

func TestLoadRejectsWhatIsNotACRD(t *testing.T) {
	if _, err := Load([]byte("apiVersion: v1\nkind: ConfigMap\n")); err == nil {
		t.Error("a ConfigMap loaded as a CRD")
	}
}
