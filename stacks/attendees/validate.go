package attendees

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
)

var (
	accountPattern = regexp.MustCompile(`^[0-9]{12}$`)
	rolePattern    = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`)
	profilePattern = regexp.MustCompile(`^[\w+=,.@/-]{1,128}$`)
)

// validate checks what a member's own fields and the roster as a whole must
// satisfy, then every stack's config with the program's own checks.
func validate(r *Roster) Problems {
	var out Problems
	fail := func(m Member, key, format string, args ...any) {
		out = append(out, Problem{File: r.File, Line: m.Line, Where: m.where(), Key: key, Text: fmt.Sprintf(format, args...)})
	}
	seen := map[string]Member{}
	for _, m := range r.Members() {
		checkMember(m, fail)
		if first, dup := seen[strings.ToLower(m.Name)]; dup && m.Name != "" {
			fail(m, "name", "%q is taken by %s; every stack of the room needs its own name", m.Name, first.where())
		}
		seen[strings.ToLower(m.Name)] = m
		if r.Topology == TopologyShared && !m.Platform {
			if _, set := m.Overrides[keyPlatform]; set {
				fail(m, "overrides.platform", "is set by the shared topology (attendee stacks use the room's platform); remove it")
			}
		}
	}
	// The program's own checks, but one line per key: a field already
	// found bad is not reported again.
	_, err := r.Targets(nil, nil)
	var problems Problems
	errors.As(err, &problems)
	seenKeys := map[string]bool{}
	for _, p := range out {
		seenKeys[p.Where+"\x00"+p.Key] = true
	}
	for _, p := range problems {
		if !seenKeys[p.Where+"\x00"+p.Key] {
			out = append(out, p)
		}
	}
	return out
}

func checkMember(m Member, fail func(Member, string, string, ...any)) {
	if m.Name == "" {
		fail(m, "name", "is missing; expected a short lowercase name, which becomes the stack name and workshop:name")
	}
	if !m.Platform {
		checkEmail(m, fail)
	}
	switch {
	case m.Region == "":
		fail(m, "region", "is missing; set it on the attendee or under defaults (an AWS region such as ap-northeast-2)")
	case !slices.Contains(Regions, m.Region):
		fail(m, "region", "%q is not an AWS region%s", m.Region, didYouMean(m.Region, Regions))
	}
	if m.Account != "" && !accountPattern.MatchString(m.Account) {
		fail(m, "account", "%q is not an AWS account ID; expected 12 digits", m.Account)
	}
	if m.Profile != "" && !profilePattern.MatchString(m.Profile) {
		fail(m, "profile", "%q is not a profile name of the AWS shared config", m.Profile)
	}
	if m.Role == "" {
		return
	}
	if !rolePattern.MatchString(m.Role) {
		fail(m, "role", "%q is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)", m.Role)
	} else if s := roleAccountPattern.FindStringSubmatch(m.Role); m.Account != "" && s[1] != m.Account {
		fail(m, "role", "%q is in account %s, not the member's account %s", m.Role, s[1], m.Account)
	}
}

func checkEmail(m Member, fail func(Member, string, string, ...any)) {
	if m.Email == "" {
		fail(m, "email", "is missing; expected the attendee's e-mail address")
		return
	}
	addr, err := mail.ParseAddress(m.Email)
	at := strings.LastIndex(m.Email, "@")
	if err != nil || addr.Address != m.Email || !strings.Contains(m.Email[at+1:], ".") {
		fail(m, "email", "%q is not an e-mail address such as alice@example.com", m.Email)
	}
}
