// Package schemacheck validates Kubernetes custom resources offline against
// the openAPIV3Schema of their CustomResourceDefinitions, the way the API
// server's structural-schema checks would: unknown fields, types, required
// fields, enums, bounds and patterns.
package schemacheck

import (
	"fmt"
	"maps"
	"regexp"
	"slices"

	"sigs.k8s.io/yaml"

	"github.com/workshop/spinnaker-modernization/internal/crds"
)

// Schema is the subset of OpenAPI v3 that CRDs use.
type Schema struct {
	Type                 string             `json:"type"`
	Properties           map[string]*Schema `json:"properties"`
	Items                *Schema            `json:"items"`
	AdditionalProperties *Schema            `json:"additionalProperties"`
	Required             []string           `json:"required"`
	Enum                 []any              `json:"enum"`
	Minimum              *float64           `json:"minimum"`
	Maximum              *float64           `json:"maximum"`
	MinLength            *int               `json:"minLength"`
	MaxLength            *int               `json:"maxLength"`
	MinItems             *int               `json:"minItems"`
	MaxItems             *int               `json:"maxItems"`
	Pattern              string             `json:"pattern"`
	PreserveUnknown      bool               `json:"x-kubernetes-preserve-unknown-fields"`
	IntOrString          bool               `json:"x-kubernetes-int-or-string"`
}

type crd struct {
	Kind string `json:"kind"`
	Spec struct {
		Group string `json:"group"`
		Names struct {
			Kind string `json:"kind"`
		} `json:"names"`
		Versions []struct {
			Name   string `json:"name"`
			Schema struct {
				OpenAPIV3Schema *Schema `json:"openAPIV3Schema"`
			} `json:"schema"`
		} `json:"versions"`
	} `json:"spec"`
}

// Registry holds schemas by "group/version/Kind".
type Registry map[string]*Schema

// Load reads CRD documents (one CustomResourceDefinition each, as
// crds.Documents returns them) into a registry of their versions' schemas.
func Load(docs ...[]byte) (Registry, error) {
	r := Registry{}
	for i, doc := range docs {
		var c crd
		if err := yaml.Unmarshal(doc, &c); err != nil {
			return nil, fmt.Errorf("CRD document %d: %w", i+1, err)
		}
		if c.Kind != "CustomResourceDefinition" {
			return nil, fmt.Errorf("CRD document %d is a %q", i+1, c.Kind)
		}
		for _, v := range c.Spec.Versions {
			if v.Schema.OpenAPIV3Schema != nil {
				r[c.Spec.Group+"/"+v.Name+"/"+c.Spec.Names.Kind] = v.Schema.OpenAPIV3Schema
			}
		}
	}
	return r, nil
}

// Vendored is the registry of every CRD vendored in internal/crds.
func Vendored() (Registry, error) {
	docs, err := crds.Documents()
	if err != nil {
		return nil, err
	}
	yamls := make([][]byte, len(docs))
	for i, d := range docs {
		yamls[i] = d.YAML
	}
	return Load(yamls...)
}

// Has reports whether the registry knows apiVersion and kind.
func (r Registry) Has(apiVersion, kind string) bool {
	_, ok := r[apiVersion+"/"+kind]
	return ok
}

// Validate checks one object; metadata is left to the API types.
func (r Registry) Validate(obj map[string]any) []error {
	api, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	s, ok := r[api+"/"+kind]
	if !ok {
		return []error{fmt.Errorf("no CRD schema for %s %s", api, kind)}
	}
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		switch k {
		case "apiVersion", "kind", "metadata":
			continue
		}
		sub, ok := s.Properties[k]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: unknown field %q", kind, k))
			continue
		}
		errs = append(errs, check(sub, obj[k], kind+"."+k)...)
	}
	for _, req := range s.Required {
		if _, ok := obj[req]; !ok && req != "metadata" && req != "apiVersion" && req != "kind" {
			errs = append(errs, fmt.Errorf("%s: missing required field %q", kind, req))
		}
	}
	return errs
}

func check(s *Schema, v any, path string) []error {
	if s == nil {
		return nil
	}
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
	}
	if len(s.Enum) > 0 && !inEnum(s.Enum, v) {
		fail("%v is not one of %v", v, s.Enum)
	}
	if s.IntOrString {
		switch v.(type) {
		case string, float64:
		default:
			fail("expected an integer or a string, got %T", v)
		}
		return errs
	}
	switch s.Type {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			fail("expected an object, got %T", v)
			return errs
		}
		for _, req := range s.Required {
			if _, ok := m[req]; !ok {
				fail("missing required field %q", req)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			switch sub, known := s.Properties[k]; {
			case known:
				errs = append(errs, check(sub, m[k], path+"."+k)...)
			case s.AdditionalProperties != nil:
				errs = append(errs, check(s.AdditionalProperties, m[k], path+"."+k)...)
			case !s.PreserveUnknown:
				fail("unknown field %q", k)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			fail("expected an array, got %T", v)
			return errs
		}
		if s.MinItems != nil && len(a) < *s.MinItems {
			fail("%d items, at least %d expected", len(a), *s.MinItems)
		}
		if s.MaxItems != nil && len(a) > *s.MaxItems {
			fail("%d items, at most %d expected", len(a), *s.MaxItems)
		}
		for i, item := range a {
			errs = append(errs, check(s.Items, item, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			fail("expected a string, got %T", v)
			return errs
		}
		if s.MinLength != nil && len(str) < *s.MinLength {
			fail("%q is shorter than %d", str, *s.MinLength)
		}
		if s.MaxLength != nil && len(str) > *s.MaxLength {
			fail("%q is longer than %d", str, *s.MaxLength)
		}
		if s.Pattern != "" {
			re, err := regexp.Compile(s.Pattern)
			if err == nil && !re.MatchString(str) {
				fail("%q does not match %s", str, s.Pattern)
			}
		}
	case "integer", "number":
		n, ok := v.(float64)
		if !ok {
			fail("expected a number, got %T", v)
			return errs
		}
		if s.Type == "integer" && n != float64(int64(n)) {
			fail("%v is not an integer", n)
		}
		if s.Minimum != nil && n < *s.Minimum {
			fail("%v is below the minimum %v", n, *s.Minimum)
		}
		if s.Maximum != nil && n > *s.Maximum {
			fail("%v is above the maximum %v", n, *s.Maximum)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			fail("expected a boolean, got %T", v)
		}
	}
	return errs
}

func inEnum(enum []any, v any) bool {
	for _, e := range enum {
		if fmt.Sprint(e) == fmt.Sprint(v) {
			return true
		}
	}
	return false
}
