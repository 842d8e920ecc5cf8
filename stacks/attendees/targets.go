package attendees

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
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
	// A room's wiring: the attendee stacks a shared platform serves, and
	// the platform an attendee stack uses.
	keyAttendeeStacks = "workshop:attendeeStacks"
	keySharedPlatform = "workshop:sharedPlatform"
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
	if r.Topology == TopologyShared {
		serveExisting(targets, existing)
	}
	problems := assignCIDRs(r.File, targets, existing)
	if r.Topology == TopologyShared {
		problems = append(problems, besidePlatform(r.File, targets)...)
	}
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
		// Attendee stacks use the room's platform, whose Spinnaker
		// delivers their app through an account of their own.
		t.PlatformStack = r.Platform.Name
		t.Config[keyPlatform] = "false"
		t.Config[keySharedPlatform] = r.Platform.Name
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

// serveExisting has the shared platform start from the attendee stacks it
// served before that still exist: a StackReference to a stack that is gone,
// or that never finished an update, fails the platform's update. The
// runner adds the attendees that come up and brings the platform up again
// (Runner.register).
func serveExisting(targets []Target, existing map[string]map[string]string) {
	i := slices.IndexFunc(targets, func(t Target) bool { return t.Platform })
	if i < 0 {
		return
	}
	before := servedIn(existing[targets[i].Stack()])
	var served []string
	for _, t := range targets {
		if !t.Platform && slices.Contains(before, t.Stack()) && existing[t.Stack()] != nil {
			served = append(served, t.Stack())
		}
	}
	targets[i].Config[keyAttendeeStacks] = servedList(served)
}

// besidePlatform requires the attendee stacks of a shared room in the
// platform's account and region, where they can be known: they upload to
// the platform's bucket and its clouddriver's policy names their clusters'
// ARNs in its own account and region.
func besidePlatform(file string, targets []Target) Problems {
	i := slices.IndexFunc(targets, func(t Target) bool { return t.Platform })
	if i < 0 {
		return nil
	}
	p := targets[i]
	platformAccount, _ := strings.CutPrefix(strings.TrimSuffix(p.Group, " in "+p.Region), "account ")
	var out Problems
	for _, t := range targets {
		if t.Platform {
			continue
		}
		account, known := strings.CutPrefix(strings.TrimSuffix(t.Group, " in "+t.Region), "account ")
		switch {
		case t.Region != p.Region:
			out = append(out, Problem{File: file, Line: t.Line, Where: t.where(), Key: "region",
				Text: fmt.Sprintf("%s is not the platform's region %s; a shared room is in one account and region", t.Region, p.Region)})
		case known && strings.HasPrefix(p.Group, "account ") && account != platformAccount:
			out = append(out, Problem{File: file, Line: t.Line, Where: t.where(), Key: "account",
				Text: fmt.Sprintf("%s is not the platform's account %s; a shared room is in one account and region", account, platformAccount)})
		}
	}
	return out
}

// servedIn is the attendee stacks a platform's config lists.
func servedIn(config map[string]string) []string {
	var out []string
	_ = json.Unmarshal([]byte(config[keyAttendeeStacks]), &out)
	return out
}

// servedList is the config value of the attendee stacks, sorted.
func servedList(stacks []string) string {
	out := slices.Compact(slices.Sorted(slices.Values(stacks)))
	if out == nil {
		out = []string{}
	}
	b, _ := json.Marshal(out)
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
	if key == stacks.StackNameKey {
		return "name", t.Line
	}
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
