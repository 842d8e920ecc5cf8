// Package attendees brings up, reports on, hands out and tears down one
// workshop stack per attendee (`go run . attendees`), driving the program in
// process through the Pulumi Automation API.
package attendees

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Topologies of a room.
const (
	// TopologyPerAttendee is one full stack per attendee, as in the original.
	TopologyPerAttendee = "perAttendee"
	// TopologyShared is one platform stack (Spinnaker, CI) and one stack per
	// attendee without a platform of its own.
	TopologyShared = "shared"
)

// DefaultPlatformName is the shared platform's stack name.
const DefaultPlatformName = "platform"

// Roster is a room: who gets a stack, where, and with what config.
type Roster struct {
	File     string
	Topology string
	// Platform is the shared platform stack; nil in the per-attendee topology.
	Platform  *Member
	Attendees []Member
}

// Members are every stack of the room, the platform first.
func (r *Roster) Members() []Member {
	var out []Member
	if r.Platform != nil {
		out = append(out, *r.Platform)
	}
	return append(out, r.Attendees...)
}

// Member is one stack of the room: an attendee's, or the shared platform.
type Member struct {
	// Name is the stack name and the value of workshop:name.
	Name    string
	Email   string
	Region  string
	Account string
	Profile string
	// Role is assumed, with the profile's or the default credentials, for
	// every AWS call of this stack.
	Role string
	// Overrides are config values by full key, as the CLI hands them to a
	// program: structured values as JSON.
	Overrides map[string]string
	Platform  bool
	// Index is the attendee's place in the roster, from 1.
	Index int
	// Line is where the member starts in the roster; overrideLines where
	// each override is, so problems point at them.
	Line          int
	overrideLines map[string]int
}

// Problem is one bad roster input: where it is, the key, what was expected.
type Problem struct {
	File  string
	Line  int
	Where string
	Key   string
	Text  string
}

func (p Problem) Error() string {
	loc := p.File
	if p.Line > 0 {
		loc = fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s: %s: %s: %s", loc, p.Where, p.Key, p.Text)
}

// Problems are every problem of a roster, one line each.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// LoadRoster reads and validates a roster file.
func LoadRoster(path string) (*Roster, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the roster: %w", err)
	}
	return ParseRoster(path, data)
}

// ParseRoster reads a roster and validates every row against the program's
// own config checks, before anything is created. It returns every problem
// at once.
func ParseRoster(file string, data []byte) (*Roster, error) {
	rd := &reader{file: file}
	roster := rd.roster(data)
	// Rows are checked even when the file has other problems, so one pass
	// names every problem of the roster.
	if len(roster.Attendees) > 0 {
		rd.problems = append(rd.problems, validate(roster)...)
	}
	if len(rd.problems) > 0 {
		// In file order, the roster as a whole first.
		slices.SortStableFunc(rd.problems, func(a, b Problem) int { return a.Line - b.Line })
		return nil, rd.problems
	}
	return roster, nil
}

var (
	rosterKeys   = []string{"topology", "defaults", "platform", "attendees"}
	defaultKeys  = []string{"region", "account", "profile", "role", "overrides"}
	platformKeys = []string{"name", "region", "account", "profile", "role", "overrides"}
	attendeeKeys = []string{"name", "email", "region", "account", "profile", "role", "overrides"}
)

// reader turns the YAML into a Roster, collecting problems with their lines.
type reader struct {
	file     string
	problems Problems
}

func (rd *reader) fail(line int, where, key, format string, args ...any) {
	rd.problems = append(rd.problems, Problem{File: rd.file, Line: line, Where: where, Key: key, Text: fmt.Sprintf(format, args...)})
}

func (rd *reader) roster(data []byte) *Roster {
	r := &Roster{File: rd.file, Topology: TopologyPerAttendee}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		rd.fail(0, "roster", "yaml", "cannot be read: %v", err)
		return r
	}
	if len(doc.Content) == 0 {
		rd.fail(0, "roster", "attendees", "the file is empty; expected a mapping with an attendees list")
		return r
	}
	fields := rd.mapping(doc.Content[0], "roster", rosterKeys)
	defaults := Member{}
	if n := fields["defaults"]; n != nil {
		defaults = rd.member(n, "defaults", defaultKeys)
	}
	if n := fields["topology"]; n != nil {
		r.Topology = rd.scalar(n, "roster", "topology")
		if r.Topology != TopologyPerAttendee && r.Topology != TopologyShared {
			rd.fail(n.Line, "roster", "topology", "%q is not a topology; expected %s (one full stack each, the default) or %s (one platform stack for the room)%s",
				r.Topology, TopologyPerAttendee, TopologyShared, didYouMean(r.Topology, []string{TopologyPerAttendee, TopologyShared}))
		}
	}
	r.Attendees = rd.attendees(fields["attendees"], defaults)
	r.Platform = rd.platform(fields["platform"], r.Topology, defaults)
	return r
}

func (rd *reader) attendees(n *yaml.Node, defaults Member) []Member {
	if n == nil {
		rd.fail(0, "roster", "attendees", "is missing; expected a list of attendees, each with name, email and region")
		return nil
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		rd.fail(n.Line, "roster", "attendees", "expected a non-empty list of attendees, each with name, email and region")
		return nil
	}
	out := make([]Member, 0, len(n.Content))
	for i, row := range n.Content {
		m := rd.member(row, fmt.Sprintf("attendee %d", i+1), attendeeKeys)
		m.Index = i + 1
		out = append(out, merge(defaults, m))
	}
	return out
}

func (rd *reader) platform(n *yaml.Node, topology string, defaults Member) *Member {
	if topology != TopologyShared {
		if n != nil {
			rd.fail(n.Line, "roster", "platform", "is only read with topology %s; remove it or set topology: %s", TopologyShared, TopologyShared)
		}
		return nil
	}
	p := Member{Name: DefaultPlatformName}
	if n != nil {
		p = rd.member(n, "platform", platformKeys)
		if p.Name == "" {
			p.Name = DefaultPlatformName
		}
	}
	p = merge(defaults, p)
	p.Platform = true
	return &p
}

// merge fills a member's unset fields from the defaults.
func merge(defaults, m Member) Member {
	for _, f := range []struct{ dst, src *string }{
		{&m.Region, &defaults.Region}, {&m.Account, &defaults.Account},
		{&m.Profile, &defaults.Profile}, {&m.Role, &defaults.Role},
	} {
		if *f.dst == "" {
			*f.dst = *f.src
		}
	}
	overrides := map[string]string{}
	lines := map[string]int{}
	for k, v := range defaults.Overrides {
		overrides[k], lines[k] = v, defaults.overrideLines[k]
	}
	for k, v := range m.Overrides {
		overrides[k], lines[k] = v, m.overrideLines[k]
	}
	m.Overrides, m.overrideLines = overrides, lines
	return m
}

func (rd *reader) member(n *yaml.Node, where string, keys []string) Member {
	m := Member{Line: n.Line}
	fields := rd.mapping(n, where, keys)
	for key, dst := range map[string]*string{
		"name": &m.Name, "email": &m.Email, "region": &m.Region,
		"account": &m.Account, "profile": &m.Profile, "role": &m.Role,
	} {
		if v := fields[key]; v != nil {
			*dst = rd.scalar(v, where, key)
		}
	}
	if v := fields["overrides"]; v != nil {
		m.Overrides, m.overrideLines = rd.overrides(v, where)
	}
	return m
}

// mapping returns a mapping's values by key, reporting unknown and repeated
// keys.
func (rd *reader) mapping(n *yaml.Node, where string, keys []string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		rd.fail(n.Line, where, "", "expected a mapping with keys %s", strings.Join(keys, ", "))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !slices.Contains(keys, k.Value):
			rd.fail(k.Line, where, k.Value, "is not a key here; expected one of %s%s", strings.Join(keys, ", "), didYouMean(k.Value, keys))
		case out[k.Value] != nil:
			rd.fail(k.Line, where, k.Value, "is given twice")
		default:
			out[k.Value] = v
		}
	}
	return out
}

func (rd *reader) scalar(n *yaml.Node, where, key string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		rd.fail(n.Line, where, key, "expected a single value")
		return ""
	}
	return n.Value
}

// reserved are config keys the roster sets from its own fields.
var reserved = map[string]string{
	"workshop:name": "name",
	"aws:region":    "region",
	"aws:profile":   "profile",
}

func (rd *reader) overrides(n *yaml.Node, where string) (map[string]string, map[string]int) {
	out, lines := map[string]string{}, map[string]int{}
	known, short := configKeys()
	if n.Kind != yaml.MappingNode {
		rd.fail(n.Line, where, "overrides", "expected a mapping of config keys (such as nodeGroup or workshop:nodeGroup) to values")
		return out, lines
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		if !strings.Contains(key, ":") {
			key = configNamespace + ":" + key
		}
		label := "overrides." + k.Value
		switch {
		case reserved[key] != "":
			rd.fail(k.Line, where, label, "is set from the roster's %s field; set %s instead", reserved[key], reserved[key])
		case key == keySharedPlatform || key == keyAttendeeStacks:
			rd.fail(k.Line, where, label, "is set by the runner from the roster's topology and platform; remove it")
		case !slices.Contains(known, key):
			rd.fail(k.Line, where, label, "is not a config key of the program%s", didYouMean(k.Value, append(short, known...)))
		case out[key] != "":
			rd.fail(k.Line, where, label, "is given twice")
		default:
			raw, err := rawValue(v)
			if err != nil {
				rd.fail(v.Line, where, label, "%v", err)
				continue
			}
			out[key], lines[key] = raw, k.Line
		}
	}
	return out, lines
}

// rawValue renders a YAML value as the CLI hands config to a program:
// scalars as written, lists and mappings as JSON.
func rawValue(n *yaml.Node) (string, error) {
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag != "!!null":
		return n.Value, nil
	case n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return "", fmt.Errorf("cannot be read: %v", err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("cannot be turned into JSON config (mapping keys must be strings): %v", err)
		}
		return string(b), nil
	}
	return "", fmt.Errorf("expected a value, a list or a mapping")
}
