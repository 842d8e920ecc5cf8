package attendees

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strings"

	"github.com/workshop/spinnaker-modernization/stacks"
)

// configNamespace is the program's config namespace, the `name` in Pulumi.yaml.
const configNamespace = "workshop"

// Config keys the runner sets itself.
const (
	keyName         = "workshop:name"
	keyRegion       = "aws:region"
	keyProfile      = "aws:profile"
	keyPlatform     = "workshop:platform"
	keyYelb         = "workshop:yelb"
	keyChaos        = "workshop:chaos"
	keyNodeGroup    = "workshop:nodeGroup"
	keyAppCidr      = "workshop:appVpcCidr"
	keyPlatformCidr = "workshop:platformVpcCidr"
)

// Target is one stack to drive: the member, its whole config, and who it
// shares an account and region with.
type Target struct {
	Member
	// Config is the stack's config as the CLI hands it to a program.
	Config map[string]string
	// Group names the account (or the credentials, until preflight resolves
	// them) and the region: the stacks that share quotas and address space.
	Group string
	// BuildsPlatform is whether the stack has a Spinnaker platform VPC.
	BuildsPlatform bool
	// PlatformStack is the shared platform an attendee stack reads; empty in
	// the per-attendee topology and for the platform itself.
	PlatformStack string
}

// Stack is the target's stack name.
func (t Target) Stack() string { return t.Name }

func configKeys() (full, short []string) {
	for _, k := range stacks.Keys() {
		full = append(full, k.Name)
		if s, ok := cutNamespace(k.Name); ok {
			short = append(short, s)
		}
	}
	return full, short
}

func cutNamespace(key string) (string, bool) {
	return strings.CutPrefix(key, configNamespace+":")
}

// Targets turns the roster into stacks: each member's config, with VPC CIDRs
// assigned without overlap among the stacks of one account and region, and
// every config checked by the program's own Parse. accounts maps member names
// to the account their credentials reach (from preflight; nil before);
// existing holds the config of stacks already created, whose CIDRs stay.
func (r *Roster) Targets(accounts map[string]string, existing map[string]map[string]string) ([]Target, error) {
	var targets []Target
	for _, m := range r.Members() {
		targets = append(targets, r.target(m, accounts))
	}
	problems := assignCIDRs(r.File, targets, existing)
	for _, t := range targets {
		problems = append(problems, checkConfig(r.File, t)...)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return targets, nil
}

func (r *Roster) target(m Member, accounts map[string]string) Target {
	t := Target{Member: m, Config: map[string]string{}, Group: credentialsKey(m, accounts) + " in " + m.Region}
	if m.Platform {
		// The platform stack carries no app of its own (the attendees'
		// are in their stacks); overrides may say otherwise.
		t.Config[keyYelb] = `{"enabled":false}`
		t.Config[keyChaos] = `{"enabled":false}`
		t.Config[keyNodeGroup] = `{"minSize":1,"desiredSize":1,"maxSize":2}`
	}
	maps.Copy(t.Config, m.Overrides)
	if r.Topology == TopologyShared && !m.Platform {
		// Attendee stacks use the room's platform; without one of their
		// own, Pulumi delivers the app unless overrides say how.
		t.PlatformStack = r.Platform.Name
		t.Config[keyPlatform] = "false"
		t.Config[keyYelb] = withDefault(t.Config[keyYelb], "delivery", "pulumi")
	}
	t.Config[keyName] = m.Name
	t.Config[keyRegion] = m.Region
	switch {
	case m.Role != "":
		t.Config[keyProfile] = roleProfile(m)
	case m.Profile != "":
		t.Config[keyProfile] = m.Profile
	}
	t.BuildsPlatform = t.Config[keyPlatform] != "false"
	return t
}

// withDefault sets a field of a JSON object config value unless it is set;
// a value that is not an object is left for Parse to reject.
func withDefault(raw, field, value string) string {
	obj := map[string]any{}
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &obj); err != nil {
			return raw
		}
	}
	if _, set := obj[field]; !set {
		obj[field] = value
	}
	b, _ := json.Marshal(obj)
	return string(b)
}

var roleAccountPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}):role/`)

// credentialsKey names the account a member's stack lands in, as well as it
// is known: resolved by preflight, given in the roster, or the credentials.
func credentialsKey(m Member, accounts map[string]string) string {
	if a := accounts[m.Name]; a != "" {
		return "account " + a
	}
	if m.Account != "" {
		return "account " + m.Account
	}
	if s := roleAccountPattern.FindStringSubmatch(m.Role); s != nil {
		return "account " + s[1]
	}
	if m.Profile != "" {
		return "profile " + m.Profile
	}
	return "the default credentials"
}

// checkConfig runs the program's own validation on the target's config and
// names the roster field behind each problem.
func checkConfig(file string, t Target) Problems {
	_, err := stacks.Parse(t.Stack(), t.Config)
	if err == nil {
		return nil
	}
	var errs []error
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	} else {
		errs = []error{err}
	}
	var out Problems
	for _, e := range errs {
		var ce *stacks.ConfigError
		if !errors.As(e, &ce) {
			out = append(out, Problem{File: file, Line: t.Line, Where: t.where(), Key: "config", Text: e.Error()})
			continue
		}
		field, line := t.field(ce.Key)
		out = append(out, Problem{File: file, Line: line, Where: t.where(), Key: field, Text: ce.Problem})
	}
	return out
}

// field is the roster field a config key comes from, and its line.
func (t Target) field(key string) (string, int) {
	if f := reserved[key]; f != "" {
		return f, t.Line
	}
	short, _ := cutNamespace(key)
	if line := t.overrideLines[key]; line > 0 {
		return "overrides." + short, line
	}
	return fmt.Sprintf("overrides.%s (set by the runner)", short), t.Line
}

func (m Member) where() string {
	switch {
	case m.Platform:
		return fmt.Sprintf("platform (%s)", m.Name)
	case m.Name == "":
		return fmt.Sprintf("attendee %d", m.Index)
	}
	return fmt.Sprintf("attendee %d (%s)", m.Index, m.Name)
}
