package stacks

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/workshop/spinnaker-modernization/components/network"
)

// parser reads typed values out of raw config and collects every problem.
type parser struct {
	raw  map[string]string
	errs []error
	// unreadable are keys whose value could not be read; they keep their
	// default, and no second problem is reported for them.
	unreadable map[string]bool
}

func (p *parser) fail(key, format string, args ...any) {
	if p.unreadable[key] {
		return
	}
	p.errs = append(p.errs, &ConfigError{Key: key, Problem: fmt.Sprintf(format, args...)})
}

func (p *parser) failRead(key, format string, args ...any) {
	p.fail(key, format, args...)
	p.unreadable[key] = true
}

// readable reports whether every key was read, so a check across them
// judges the user's values rather than defaults.
func (p *parser) readable(keys ...string) bool {
	for _, k := range keys {
		if p.unreadable[k] {
			return false
		}
	}
	return true
}

// passedAWSKeys are the provider keys the explicit AWS provider receives.
var passedAWSKeys = map[string]bool{"aws:region": true, "aws:profile": true}

func (p *parser) unknownKeys() {
	known := map[string]bool{}
	for _, k := range Keys() {
		known[k.Name] = true
	}
	for _, k := range slices.Sorted(maps.Keys(p.raw)) {
		switch {
		case strings.HasPrefix(k, ConfigNamespace+":") && !known[k]:
			p.failRead(k, "is not a key of this program; known keys are listed in Pulumi.yaml%s", suggest(k, known))
		case strings.HasPrefix(k, "aws:") && !passedAWSKeys[k]:
			// The program's explicit provider would silently ignore it.
			p.failRead(k, "is not used: every AWS resource goes through the program's own provider, which takes only aws:region and aws:profile (a profile can assume a role; extra tags go in workshop:tags); remove it")
		}
	}
}

func (p *parser) str(key string, dst *string) {
	if v, ok := p.raw[key]; ok {
		*dst = v
	}
}

// boolean accepts what Pulumi writes for a YAML boolean, true or false;
// strconv.ParseBool's "1", "t" or "T" would be typos taken as intent.
func (p *parser) boolean(key string, dst *bool) {
	v, ok := p.raw[key]
	if !ok {
		return
	}
	switch v {
	case "true":
		*dst = true
	case "false":
		*dst = false
	default:
		p.failRead(key, "%q is not a boolean; expected true or false", v)
	}
}

func (p *parser) integer(key string, dst *int) {
	if v, ok := p.raw[key]; ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			p.failRead(key, "%q is not an integer", v)
			return
		}
		*dst = n
	}
}

func (p *parser) cidr(key string, dst *netip.Prefix) {
	v, ok := p.raw[key]
	if !ok {
		return
	}
	pr, err := netip.ParsePrefix(v)
	switch {
	case err != nil || !pr.Addr().Is4():
		p.failRead(key, "%q is not an IPv4 CIDR; expected a block such as 10.0.0.0/16", v)
	case pr.Masked() != pr:
		p.failRead(key, "%q has host bits set; expected the network address, %s", v, pr.Masked())
	case pr.Bits() < 16 || pr.Bits() > network.MaxVpcBits:
		// network.SubnetPlan gives public subnets 1/64 of the VPC; below a
		// /21 they fall under the /27 an ALB needs.
		p.failRead(key, "%q is a /%d; expected a /16 to /%d: a VPC is at most a /16, and a smaller one than a /%d leaves public subnets under the /27 with 8 free addresses an ALB needs", v, pr.Bits(), network.MaxVpcBits, network.MaxVpcBits)
	default:
		*dst = pr
	}
}

// object decodes a structured value strictly: unknown fields, keys that
// match a field only when case is ignored, and keys given twice are errors
// (encoding/json would accept all three); fields left out keep their
// defaults.
func (p *parser) object(key string, dst any) {
	v, ok := p.raw[key]
	if !ok {
		return
	}
	if err := decodeStrict(v, dst); err != nil {
		p.failRead(key, "cannot be read: %s; expected %s", strings.TrimPrefix(err.Error(), "json: "), shapeOf(key))
	}
}

func decodeStrict(text string, dst any) error {
	if strings.TrimSpace(text) == "" {
		return fmt.Errorf("the value is empty")
	}
	if err := checkKeys(json.NewDecoder(strings.NewReader(text)), reflect.TypeOf(dst).Elem()); err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("trailing data after the value")
	}
	return nil
}

// checkKeys walks one JSON value and rejects duplicate keys in any object,
// and keys of a struct-typed object that differ from a field's name only in
// case.
func checkKeys(dec *json.Decoder, typ reflect.Type) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		return checkObject(dec, typ)
	case json.Delim('['):
		var elem reflect.Type
		if typ != nil && (typ.Kind() == reflect.Slice || typ.Kind() == reflect.Array) {
			elem = typ.Elem()
		}
		for dec.More() {
			if err := checkKeys(dec, elem); err != nil {
				return err
			}
		}
		_, err := dec.Token()
		return err
	}
	return nil
}

func checkObject(dec *json.Decoder, typ reflect.Type) error {
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		k := tok.(string)
		if seen[k] {
			return fmt.Errorf("key %q is given twice", k)
		}
		seen[k] = true
		field, err := fieldType(typ, k)
		if err != nil {
			return err
		}
		if err := checkKeys(dec, field); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

// fieldType is the type a key of an object of type typ decodes into.
func fieldType(typ reflect.Type, key string) (reflect.Type, error) {
	if typ == nil {
		return nil, nil
	}
	switch typ.Kind() {
	case reflect.Map:
		return typ.Elem(), nil
	case reflect.Struct:
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == key {
				return f.Type, nil
			}
			if strings.EqualFold(name, key) {
				return nil, fmt.Errorf("key %q must be spelled %q (keys are case-sensitive)", key, name)
			}
		}
	}
	return nil, nil
}

func shapeOf(key string) string {
	for _, k := range Keys() {
		if k.Name == key {
			b, _ := json.Marshal(k.Default)
			return fmt.Sprintf("%s like %s", k.Type, b)
		}
	}
	return "a valid value"
}

// suggest names the known key closest to a mistyped one.
func suggest(key string, known map[string]bool) string {
	lower := strings.ToLower(key)
	for _, k := range slices.Sorted(maps.Keys(known)) {
		if strings.ToLower(k) == lower {
			return fmt.Sprintf(" (did you mean %s?)", k)
		}
	}
	return ""
}
