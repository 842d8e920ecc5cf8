// Package mockcloud runs a Pulumi program under the Go SDK's mocks and records
// every resource it registers, so tests and the offline plan can inspect the
// graph without AWS credentials or the Pulumi CLI. It is as strict as the
// engine where the engine would stop a real run: duplicate URNs, unknown
// invoke arguments, outputs a preview cannot know.
package mockcloud

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AccountID is the AWS account the simulated cloud answers with.
const AccountID = "123456789012"

// Resource is one registered resource as the engine would have seen it.
type Resource struct {
	Type          string
	Name          string
	URN           string
	Parent        string
	Provider      string
	Custom        bool
	Remote        bool
	Protect       bool
	Inputs        resource.PropertyMap
	Dependencies  []string
	IgnoreChanges []string
	// Outputs is what the simulated cloud answered for the resource.
	Outputs resource.PropertyMap
}

// Input returns the plain value of one input: strings, float64s, bools,
// []any and map[string]any, with secrets unwrapped.
func (r Resource) Input(key string) any {
	v, ok := r.Inputs[resource.PropertyKey(key)]
	if !ok {
		return nil
	}
	return Plain(v, false)
}

// Output returns the plain value of one output the simulated cloud gave.
func (r Resource) Output(key string) any {
	v, ok := r.Outputs[resource.PropertyKey(key)]
	if !ok {
		return nil
	}
	return Plain(v, false)
}

// String returns a string input, or "" when it is absent or not a string.
func (r Resource) String(key string) string {
	s, _ := r.Input(key).(string)
	return s
}

// Cloud is a pulumi.MockResourceMonitor that records what it is asked.
type Cloud struct {
	Project string
	Stack   string
	Region  string
	// Prior is the state an earlier `pulumi up` left, by URN. A resource
	// found here is updated rather than created: its ignoreChanges paths
	// keep their prior values, as the engine keeps them.
	Prior map[string]resource.PropertyMap
	// Stacks are the outputs of the other stacks a StackReference may read,
	// by stack name; reading one not listed fails, as the engine does.
	Stacks map[string]map[string]any

	mu        sync.Mutex
	preview   bool
	resources []Resource
	urns      map[string]bool
	invokes   []string
	exports   map[string]Export
}

// New returns an empty simulated cloud for one stack.
func New(project, stack, region string) *Cloud {
	return &Cloud{Project: project, Stack: stack, Region: region}
}

// Run runs program against the simulated cloud as `pulumi up` would, every
// output known, with the given stack config (full keys such as
// "workshop:name"; structured values as JSON strings).
func (c *Cloud) Run(config map[string]string, secretKeys []string, program pulumi.RunFunc) error {
	return c.run(config, secretKeys, program, false)
}

// Preview runs program as `pulumi preview` of a new stack would see it:
// ids and the string attributes a provider computes are unknown, so only
// what the program itself knows (and the names auto-naming picks) prints.
// The SDK's mock monitor cannot carry an unknown inside a secret, so an
// unknown here is a known string holding UnknownMarker (an ARN keeps its
// arn:aws:<service>:<region>:<account>: head, since programs split it);
// whatever the program derives from one holds it too, and Plain prints any
// such string as unknown. Numbers and lists a provider computes keep their
// made-up values.
func (c *Cloud) Preview(config map[string]string, secretKeys []string, program pulumi.RunFunc) error {
	return c.run(config, secretKeys, program, true)
}

func (c *Cloud) run(config map[string]string, secretKeys []string, program pulumi.RunFunc, preview bool) error {
	c.mu.Lock()
	c.preview = preview
	c.mu.Unlock()
	withConfig := func(info *pulumi.RunInfo) {
		info.Config = config
		info.ConfigSecretKeys = secretKeys
	}
	return pulumi.RunErr(c.recordingExports(program), pulumi.WithMocks(c.Project, c.Stack, c), withConfig)
}

// Resources returns every recorded resource, sorted by URN so output is stable.
func (c *Cloud) Resources() []Resource {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := append([]Resource(nil), c.resources...)
	sort.Slice(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	return out
}

// OfType returns the recorded resources of one type token, sorted by URN.
func (c *Cloud) OfType(typ string) []Resource {
	var out []Resource
	for _, r := range c.Resources() {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Find returns the resource with the given type and logical name.
func (c *Cloud) Find(typ, name string) (Resource, bool) {
	for _, r := range c.Resources() {
		if r.Type == typ && r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}

// ByURN returns the resource with the given URN.
func (c *Cloud) ByURN(urn string) (Resource, bool) {
	for _, r := range c.Resources() {
		if r.URN == urn {
			return r, true
		}
	}
	return Resource{}, false
}

// Invokes returns the tokens of every function the program called.
func (c *Cloud) Invokes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.invokes...)
}

// NewResource implements pulumi.MockResourceMonitor.
func (c *Cloud) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r := Resource{
		Type:     args.TypeToken,
		Name:     args.Name,
		Provider: args.Provider,
		Custom:   args.Custom,
		Inputs:   args.Inputs,
	}
	if rpc := args.RegisterRPC; rpc != nil {
		// The SDK's mock monitor drops unknown inputs; a preview shows them.
		inputs, err := plugin.UnmarshalProperties(rpc.GetObject(), plugin.MarshalOptions{
			KeepUnknowns: true, KeepSecrets: true, KeepResources: true,
		})
		if err != nil {
			return "", nil, err
		}
		r.Inputs = inputs
		r.Parent = rpc.GetParent()
		r.Remote = rpc.GetRemote()
		r.Protect = rpc.GetProtect()
		r.Dependencies = append([]string(nil), rpc.GetDependencies()...)
		sort.Strings(r.Dependencies)
		r.IgnoreChanges = rpc.GetIgnoreChanges()
	}
	if rpc := args.ReadRPC; rpc != nil {
		r.Parent = rpc.GetParent()
	}
	r.URN = c.urn(r.Parent, r.Type, r.Name)
	if err := c.claim(r.URN); err != nil {
		return "", nil, err
	}
	id, outputs, err := c.answer(r, c.inputsAfterIgnoreChanges(r))
	if err != nil {
		return "", nil, err
	}
	r.Outputs = outputs

	c.mu.Lock()
	c.resources = append(c.resources, r)
	c.mu.Unlock()
	return id, outputs, nil
}

// claim refuses a second resource with the same URN, as the engine does: the
// URN is the resource's identity in state, so two would overwrite each other.
func (c *Cloud) claim(urn string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.urns == nil {
		c.urns = map[string]bool{}
	}
	if c.urns[urn] {
		return fmt.Errorf("Duplicate resource URN '%s'; try giving it a unique name", urn)
	}
	c.urns[urn] = true
	return nil
}

// inputsAfterIgnoreChanges is what the provider receives on an update: the
// engine puts the prior value back at every ignoreChanges path.
func (c *Cloud) inputsAfterIgnoreChanges(r Resource) resource.PropertyMap {
	prior, ok := c.Prior[r.URN]
	if !ok || len(r.IgnoreChanges) == 0 {
		return r.Inputs
	}
	in := deepCopy(resource.NewObjectProperty(r.Inputs))
	old := resource.NewObjectProperty(prior)
	for _, p := range r.IgnoreChanges {
		path, err := resource.ParsePropertyPath(p)
		if err != nil {
			continue
		}
		if v, ok := path.Get(old); ok {
			path.Set(in, v)
		}
	}
	return in.ObjectValue()
}

func deepCopy(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsObject():
		m := resource.PropertyMap{}
		for k, e := range v.ObjectValue() {
			m[k] = deepCopy(e)
		}
		return resource.NewObjectProperty(m)
	case v.IsArray():
		a := make([]resource.PropertyValue, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			a[i] = deepCopy(e)
		}
		return resource.NewArrayProperty(a)
	}
	return v
}

func (c *Cloud) urn(parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(c.Stack), tokens.PackageName(c.Project),
		parentType, tokens.Type(typ), name))
}

// Plain converts a property value to plain Go values. With redact, secrets
// print as "[secret]"; unknowns, and strings derived from one, always print
// as the preview's unknown marker, and resource references as their URN.
func Plain(v resource.PropertyValue, redact bool) any {
	switch {
	case v.IsString() && strings.Contains(v.StringValue(), UnknownMarker):
		return UnknownMarker
	case v.IsSecret():
		if redact {
			return "[secret]"
		}
		return Plain(v.SecretValue().Element, redact)
	case v.IsComputed():
		return UnknownMarker
	case v.IsOutput():
		o := v.OutputValue()
		if !o.Known {
			return UnknownMarker
		}
		if o.Secret && redact {
			return "[secret]"
		}
		return Plain(o.Element, redact)
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	case v.IsArray():
		out := make([]any, 0, len(v.ArrayValue()))
		for _, e := range v.ArrayValue() {
			out = append(out, Plain(e, redact))
		}
		return out
	case v.IsObject():
		return PlainMap(v.ObjectValue(), redact)
	case v.IsNull():
		return nil
	}
	return v.V
}

// PlainMap converts a property map with Plain.
func PlainMap(m resource.PropertyMap, redact bool) map[string]any {
	out := make(map[string]any, len(m))
	for k, e := range m {
		out[string(k)] = Plain(e, redact)
	}
	return out
}

// UnknownMarker is the value `pulumi preview --json` prints for an unknown.
const UnknownMarker = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

// hexOf is a stable hex string of n characters derived from s, so repeated
// runs give the same made-up identifiers.
func hexOf(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	h := hex.EncodeToString(sum[:])
	for len(h) < n {
		h += h
	}
	return h[:n]
}

// autoName mimics Pulumi auto-naming: the logical name plus a random
// 7-character suffix, here derived from the URN so repeated runs agree.
func autoName(r Resource) string {
	return r.Name + "-" + hexOf(r.URN, 7)
}
