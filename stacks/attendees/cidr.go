package attendees

import (
	"fmt"
	"net/netip"
)

// cidrPools are where VPC CIDRs are assigned from: the program's defaults
// first, then the next /16 of the same private range.
var cidrPools = map[string]netip.Prefix{
	keyAppCidr:      netip.MustParsePrefix("10.0.0.0/8"),
	keyPlatformCidr: netip.MustParsePrefix("172.16.0.0/12"),
}

// cidrUse is one VPC CIDR of one stack.
type cidrUse struct {
	target *Target
	key    string
	prefix netip.Prefix
	pinned bool // given in the roster, not kept from an existing stack
}

// assignCIDRs gives every stack that builds a VPC without a CIDR in the
// roster a /16 no other stack of its account and region uses. A stack that
// exists keeps the CIDRs it was created with, so changing the roster never
// moves a VPC. CIDRs given in the roster that overlap are problems.
func assignCIDRs(file string, targets []Target, existing map[string]map[string]string) Problems {
	var problems Problems
	groups := map[string][]cidrUse{}
	var missing []cidrUse
	for i := range targets {
		t := &targets[i]
		for _, key := range vpcKeys(t) {
			use := cidrUse{target: t, key: key}
			raw, pinned := t.Config[key]
			if !pinned {
				raw = existing[t.Stack()][key]
			}
			p, err := netip.ParsePrefix(raw)
			if err != nil {
				// Unset, or malformed: Parse names the malformed one.
				if !pinned {
					missing = append(missing, use)
				}
				continue
			}
			use.prefix, use.pinned = p, pinned
			t.Config[key] = p.String()
			if other, ok := overlapping(groups[t.Group], use); ok {
				problems = append(problems, overlapProblem(file, use, other))
			}
			groups[t.Group] = append(groups[t.Group], use)
		}
	}
	for _, use := range missing {
		p, ok := freeBlock(cidrPools[use.key], groups[use.target.Group])
		if !ok {
			field, line := use.target.field(use.key)
			problems = append(problems, Problem{File: file, Line: line, Where: use.target.where(), Key: field,
				Text: fmt.Sprintf("no free /16 is left in %s for %s; set it in the roster", cidrPools[use.key], use.target.Group)})
			continue
		}
		use.prefix = p
		use.target.Config[use.key] = p.String()
		groups[use.target.Group] = append(groups[use.target.Group], use)
	}
	return problems
}

// vpcKeys are the CIDR keys of the VPCs a stack builds.
func vpcKeys(t *Target) []string {
	if t.BuildsPlatform {
		return []string{keyAppCidr, keyPlatformCidr}
	}
	return []string{keyAppCidr}
}

// overlapping finds another stack's CIDR that overlaps; a stack's own two
// VPCs are the program's check.
func overlapping(uses []cidrUse, use cidrUse) (cidrUse, bool) {
	for _, u := range uses {
		if u.target != use.target && u.prefix.Overlaps(use.prefix) {
			return u, true
		}
	}
	return cidrUse{}, false
}

func overlapProblem(file string, use, other cidrUse) Problem {
	field, line := use.target.field(use.key)
	short, _ := cutNamespace(other.key)
	return Problem{File: file, Line: line, Where: use.target.where(), Key: field, Text: fmt.Sprintf(
		"%s overlaps %s %s of %s, in the same %s; stacks sharing an account and region need disjoint VPC CIDRs (leave it out to have one assigned)",
		use.prefix, short, other.prefix, other.target.where(), use.target.Group)}
}

// freeBlock is the first /16 of the pool that overlaps nothing in use.
func freeBlock(pool netip.Prefix, uses []cidrUse) (netip.Prefix, bool) {
	for p := netip.PrefixFrom(pool.Addr(), 16); pool.Contains(p.Addr()); p = nextBlock(p) {
		if _, taken := overlapping(uses, cidrUse{prefix: p}); !taken {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

func nextBlock(p netip.Prefix) netip.Prefix {
	a := p.Addr().As4()
	if a[1] == 255 {
		a[0]++
	} else {
		a[1]++
	}
	return netip.PrefixFrom(netip.AddrFrom4(a), 16)
}
