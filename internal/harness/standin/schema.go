package standin

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// kind is the JSON type a schema gives a value.
type kind int

const (
	kindAny kind = iota
	kindString
	kindNumber
	kindBool
	kindArray
	kindMap
	kindObject
)

func (k kind) String() string {
	return [...]string{"any", "string", "number", "boolean", "array", "map", "object"}[k]
}

// shape is what a provider's schema says of one value. The Go SDKs are
// generated from the schemas, so their plain argument structs carry it: a
// `pulumi:"name"` tag per property, a pointer for an optional scalar.
type shape struct {
	kind  kind
	elem  *shape           // arrays and maps
	props map[string]*prop // objects
}

type prop struct {
	shape    *shape
	required bool
}

// shapeOf reads the shape of a plain SDK type. seen breaks recursive types.
func shapeOf(t reflect.Type, seen map[reflect.Type]*shape) *shape {
	if s, ok := seen[t]; ok {
		return s
	}
	switch t.Kind() {
	case reflect.Pointer:
		return shapeOf(t.Elem(), seen)
	case reflect.String:
		return &shape{kind: kindString}
	case reflect.Bool:
		return &shape{kind: kindBool}
	case reflect.Int, reflect.Int64, reflect.Float64:
		return &shape{kind: kindNumber}
	case reflect.Slice:
		return &shape{kind: kindArray, elem: shapeOf(t.Elem(), seen)}
	case reflect.Map:
		return &shape{kind: kindMap, elem: shapeOf(t.Elem(), seen)}
	case reflect.Struct:
		s := &shape{kind: kindObject, props: map[string]*prop{}}
		seen[t] = s
		for i := range t.NumField() {
			f := t.Field(i)
			name, ok := f.Tag.Lookup("pulumi")
			if !ok {
				continue
			}
			s.props[name] = &prop{shape: shapeOf(f.Type, seen), required: requiredField(f.Type)}
		}
		return s
	}
	return &shape{kind: kindAny}
}

// requiredField: the SDK makes optional scalars and objects pointers. Arrays
// and maps are slices and maps either way, and assets and archives
// interfaces (BucketObjectv2's optional source), so their requiredness is
// lost. A plain interface{} (Role's assumeRolePolicy) stays required.
func requiredField(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		return false
	case reflect.Interface:
		return !t.Implements(reflect.TypeFor[pulumi.AssetOrArchive]())
	}
	return true
}

// failure is one property a provider's Check rejects.
type failure struct {
	Property string
	Reason   string
}

// check validates a property map against an object shape.
func (s *shape) check(path string, m resource.PropertyMap) []failure {
	var out []failure
	for _, name := range slices.Sorted(maps.Keys(s.props)) {
		p := s.props[name]
		v, ok := m[resource.PropertyKey(name)]
		if p.required && (!ok || v.IsNull()) {
			out = append(out, failure{join(path, name), fmt.Sprintf("Missing required property '%s'", name)})
		}
	}
	for k, v := range m {
		key := string(k)
		if strings.HasPrefix(key, "__") {
			continue
		}
		p, ok := s.props[key]
		if !ok {
			out = append(out, failure{join(path, key), fmt.Sprintf("unknown property %q of %s", key, describe(path))})
			continue
		}
		out = append(out, p.shape.checkValue(join(path, key), v)...)
	}
	return out
}

func (s *shape) checkValue(path string, v resource.PropertyValue) []failure {
	switch {
	case v.IsSecret():
		return s.checkValue(path, v.SecretValue().Element)
	case v.IsOutput():
		if !v.OutputValue().Known {
			return nil
		}
		return s.checkValue(path, v.OutputValue().Element)
	case v.IsComputed(), v.IsNull():
		return nil
	}
	wrong := func(got string) []failure {
		return []failure{{path, fmt.Sprintf("expected %s, got %s", s.kind, got)}}
	}
	switch s.kind {
	case kindAny:
		return nil
	case kindString:
		if !v.IsString() {
			return wrong(typeName(v))
		}
	case kindNumber:
		if !v.IsNumber() {
			return wrong(typeName(v))
		}
	case kindBool:
		if !v.IsBool() {
			return wrong(typeName(v))
		}
	case kindArray:
		if !v.IsArray() {
			return wrong(typeName(v))
		}
		var out []failure
		for i, e := range v.ArrayValue() {
			out = append(out, s.elem.checkValue(fmt.Sprintf("%s[%d]", path, i), e)...)
		}
		return out
	case kindMap:
		if !v.IsObject() {
			return wrong(typeName(v))
		}
		var out []failure
		for k, e := range v.ObjectValue() {
			out = append(out, s.elem.checkValue(join(path, string(k)), e)...)
		}
		return out
	case kindObject:
		if !v.IsObject() {
			return wrong(typeName(v))
		}
		return s.check(path, v.ObjectValue())
	}
	return nil
}

func typeName(v resource.PropertyValue) string {
	switch {
	case v.IsString():
		return "string"
	case v.IsNumber():
		return "number"
	case v.IsBool():
		return "boolean"
	case v.IsArray():
		return "array"
	case v.IsObject():
		return "object"
	case v.IsResourceReference():
		return "resource reference"
	}
	return "unknown"
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func describe(path string) string {
	if path == "" {
		return "the resource"
	}
	return path
}
