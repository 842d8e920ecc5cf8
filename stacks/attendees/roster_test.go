package attendees

import (
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/workshop/spinnaker-modernization/stacks"
)

const validRoster = `
defaults:
  region: ap-northeast-2
  overrides:
    natStrategy: single
attendees:
  - name: alice
    email: alice@example.com
  - name: bob
    email: bob@example.com
    region: us-west-2
    profile: workshop-bob
    overrides:
      nodeGroup: {instanceType: t3.medium, maxSize: 9}
      workshop:kubernetesVersion: "1.36"
`

func TestParseRosterReadsRowsAndOverrides(t *testing.T) {
	r, err := ParseRoster("attendees.yaml", []byte(validRoster))
	if err != nil {
		t.Fatal(err)
	}
	targets := targetsOf(t, r)
	alice, bob := targets[0], targets[1]
	for key, want := range map[string]string{
		"workshop:name": "alice", "aws:region": "ap-northeast-2", "workshop:natStrategy": "single",
	} {
		if alice.Config[key] != want {
			t.Errorf("alice %s = %q; want %q", key, alice.Config[key], want)
		}
	}
	for key, want := range map[string]string{
		"aws:region": "us-west-2", "aws:profile": "workshop-bob",
		"workshop:nodeGroup": `{"instanceType":"t3.medium","maxSize":9}`, "workshop:kubernetesVersion": "1.36",
	} {
		if bob.Config[key] != want {
			t.Errorf("bob %s = %q; want %q", key, bob.Config[key], want)
		}
	}
	// What the program makes of it: its own Parse reads the overrides.
	cfg, err := stacks.Parse("bob", bob.Config)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NodeGroup.InstanceType != "t3.medium" || cfg.NodeGroup.MinSize != 1 || cfg.KubernetesVersion != "1.36" || cfg.Prefix != "bob-bob" {
		t.Errorf("the program reads bob's config as %+v", cfg)
	}
}

func TestParseRosterRejectsBadRows(t *testing.T) {
	head := "defaults:\n  region: ap-northeast-2\nattendees:\n"
	row := func(s string) string { return head + "  - " + strings.ReplaceAll(s, "\n", "\n    ") + "\n" }
	cases := []struct {
		name, yaml string
		want       []string // substrings of the problem lines, in order
	}{
		{"duplicate name", head + "  - {name: alice, email: a@example.com}\n  - {name: alice, email: b@example.com}\n",
			[]string{`:5: attendee 2 (alice): name: "alice" is taken by attendee 1 (alice)`}},
		{"name that makes no stack", row("name: Alice_1\nemail: a@example.com"),
			[]string{"attendee 1 (Alice_1): name: \"Alice_1\" must start with a lowercase letter"}},
		{"name too long for the prefix", row("name: averyveryverylongname\nemail: a@example.com"),
			[]string{`name: "averyveryverylongname" with stack "averyveryverylongname" gives the name prefix`, "at most 28"}},
		{"missing name", row("email: a@example.com"), []string{"attendee 1: name: is missing"}},
		{"bad e-mail", row("name: alice\nemail: alice-at-example.com"), []string{`email: "alice-at-example.com" is not an e-mail address`}},
		{"display-name e-mail", row("name: alice\nemail: Alice <alice@example.com>"), []string{"is not an e-mail address"}},
		{"missing e-mail", row("name: alice"), []string{"email: is missing"}},
		{"unknown region", row("name: alice\nemail: a@example.com\nregion: ap-northeest-2"),
			[]string{`region: "ap-northeest-2" is not an AWS region (did you mean ap-northeast-2?)`}},
		{"bad account", row("name: alice\nemail: a@example.com\naccount: 1234"), []string{`account: "1234" is not an AWS account ID`}},
		{"role in another account", row("name: alice\nemail: a@example.com\naccount: \"111111111111\"\nrole: arn:aws:iam::222222222222:role/ws"),
			[]string{"is in account 222222222222, not the member's account 111111111111"}},
		{"unknown row key", row("name: alice\nemail: a@example.com\nemial: x"),
			[]string{"attendee 1: emial: is not a key here; expected one of name, email, region, account, profile, role, overrides (did you mean email?)"}},
		{"unknown top-level key", "atendees: []\n", []string{"roster: atendees: is not a key here", "(did you mean attendees?)"}},
		{"unknown config key", row("name: alice\nemail: a@example.com\noverrides:\n  nodegroup: {}"),
			[]string{"overrides.nodegroup: is not a config key of the program (did you mean nodeGroup?)"}},
		{"reserved config key", row("name: alice\nemail: a@example.com\noverrides:\n  aws:region: us-east-1"),
			[]string{"overrides.aws:region: is set from the roster's region field; set region instead"}},
		{"bad config value", row("name: alice\nemail: a@example.com\noverrides:\n  kubernetesVersion: \"1.24\""),
			[]string{`:7: attendee 1 (alice): overrides.kubernetesVersion: "1.24" is not supported`}},
		{"too-small CIDR", row("name: alice\nemail: a@example.com\noverrides:\n  appVpcCidr: 10.1.0.0/24"),
			[]string{"overrides.appVpcCidr: \"10.1.0.0/24\" is a /24; expected a /16 to /22"}},
		{"overlapping CIDRs in one account", head +
			"  - {name: alice, email: a@example.com, account: \"111111111111\", overrides: {appVpcCidr: 10.1.0.0/16}}\n" +
			"  - {name: bob, email: b@example.com, account: \"111111111111\", overrides: {appVpcCidr: 10.1.128.0/17}}\n",
			[]string{"attendee 2 (bob): overrides.appVpcCidr: 10.1.128.0/17 overlaps appVpcCidr 10.1.0.0/16 of attendee 1 (alice), in the same account 111111111111 in ap-northeast-2"}},
		{"platform outside the shared topology", head + "  - {name: alice, email: a@example.com}\nplatform: {name: p}\n",
			[]string{"roster: platform: is only read with topology shared"}},
		{"shared attendee sets platform", "topology: shared\n" + row("name: alice\nemail: a@example.com\noverrides:\n  platform: true"),
			[]string{"overrides.platform: is set by the shared topology"}},
		{"bad topology", "topology: perattendee\n" + row("name: alice\nemail: a@example.com"),
			[]string{`topology: "perattendee" is not a topology`, "(did you mean perAttendee?)"}},
		{"no attendees", "defaults: {region: us-east-1}\n", []string{"attendees: is missing"}},
		{"not YAML", "attendees: [\n", []string{"roster: yaml: cannot be read"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseRoster("attendees.yaml", []byte(c.yaml))
			var problems Problems
			if !errors.As(err, &problems) {
				t.Fatalf("got %v; want problems", err)
			}
			msg := err.Error()
			for _, want := range c.want {
				if !strings.Contains(msg, want) {
					t.Errorf("problems lack %q:\n%s", want, msg)
				}
			}
			for _, line := range strings.Split(msg, "\n") {
				if !strings.HasPrefix(line, "attendees.yaml") {
					t.Errorf("problem line %q does not start with the file", line)
				}
			}
		})
	}
}

func TestCIDRsAssignedWithoutOverlap(t *testing.T) {
	yaml := `
defaults: {region: ap-northeast-2, account: "111111111111"}
attendees:
  - {name: alice, email: a@example.com}
  - {name: bob, email: b@example.com, overrides: {appVpcCidr: 10.0.0.0/16}}
  - {name: carol, email: c@example.com}
  - {name: dave, email: d@example.com, region: us-east-1}
  - {name: erin, email: e@example.com, account: "222222222222"}
`
	r, err := ParseRoster("r.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("within an account and region", func(t *testing.T) {
		targets := targetsOf(t, r)
		var shared []netip.Prefix
		for _, tg := range targets[:3] {
			for _, key := range []string{keyAppCidr, keyPlatformCidr} {
				shared = append(shared, netip.MustParsePrefix(tg.Config[key]))
			}
		}
		for i, a := range shared {
			for _, b := range shared[i+1:] {
				if a.Overlaps(b) {
					t.Errorf("%s overlaps %s among stacks of one account and region", a, b)
				}
			}
		}
		if targets[1].Config[keyAppCidr] != "10.0.0.0/16" {
			t.Errorf("bob's CIDR from the roster became %s", targets[1].Config[keyAppCidr])
		}
		for _, tg := range targets[3:] {
			if tg.Config[keyAppCidr] != "10.0.0.0/16" || tg.Config[keyPlatformCidr] != "172.16.0.0/16" {
				t.Errorf("%s, alone in its account and region, got %s and %s; want the program's defaults", tg.Name, tg.Config[keyAppCidr], tg.Config[keyPlatformCidr])
			}
		}
	})
	t.Run("existing stacks keep theirs", func(t *testing.T) {
		targets, err := r.Targets(nil, map[string]map[string]string{
			"carol": {keyAppCidr: "10.7.0.0/16", keyPlatformCidr: "172.20.0.0/16"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if c := targets[2]; c.Config[keyAppCidr] != "10.7.0.0/16" || c.Config[keyPlatformCidr] != "172.20.0.0/16" {
			t.Errorf("carol's existing VPCs would move to %s and %s", c.Config[keyAppCidr], c.Config[keyPlatformCidr])
		}
	})
	t.Run("accounts resolved by preflight", func(t *testing.T) {
		targets, err := r.Targets(map[string]string{"erin": "111111111111", "dave": "111111111111"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if targets[4].Config[keyAppCidr] == targets[0].Config[keyAppCidr] {
			t.Errorf("erin's credentials reach alice's account, yet both got %s", targets[0].Config[keyAppCidr])
		}
	})
}

// FuzzParseRoster: no input panics, and a roster that passes validation
// gives every stack a config the program accepts.
func FuzzParseRoster(f *testing.F) {
	f.Add([]byte(validRoster))
	f.Add([]byte("topology: shared\ndefaults: {region: us-east-1}\nattendees: [{name: a, email: a@b.co}]\n"))
	f.Add([]byte("attendees:\n  - name: x\n    email: x@y.z\n    region: eu-west-1\n    overrides: {yelb: {enabled: false}, chaos: {enabled: false}}\n"))
	f.Add([]byte("attendees: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRoster("fuzz.yaml", data)
		if err != nil {
			var problems Problems
			if !errors.As(err, &problems) || len(problems) == 0 {
				t.Fatalf("an invalid roster must give problems, got %v", err)
			}
			return
		}
		targets, err := r.Targets(nil, nil)
		if err != nil {
			t.Fatalf("a validated roster failed to plan: %v", err)
		}
		seen := map[string]bool{}
		for _, tg := range targets {
			if seen[tg.Stack()] {
				t.Fatalf("stack %s twice", tg.Stack())
			}
			seen[tg.Stack()] = true
			if _, err := stacks.Parse(tg.Stack(), tg.Config); err != nil {
				t.Fatalf("validated stack %s has config the program rejects: %v", tg.Stack(), err)
			}
		}
	})
}

// TestRegionsMatchSDK compares Regions with the AWS SDK's endpoint
// metadata, the upstream list it was taken from.
func TestRegionsMatchSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-sdk-go-v2").Output()
	if err != nil {
		t.Skipf("cannot locate the AWS SDK module: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "internal", "endpoints", "awsrulesfn", "partitions.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Partitions []struct {
			ID      string                     `json:"id"`
			Regions map[string]json.RawMessage `json:"regions"`
		} `json:"partitions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var upstream []string
	for _, p := range doc.Partitions {
		if !slices.Contains(regionPartitions, p.ID) {
			continue
		}
		for r := range p.Regions {
			if !strings.HasSuffix(r, "-global") {
				upstream = append(upstream, r)
			}
		}
	}
	slices.Sort(upstream)
	ours := slices.Sorted(slices.Values(Regions))
	if !slices.Equal(ours, upstream) {
		t.Errorf("Regions differ from the SDK's partitions.json:\nours:     %v\nupstream: %v", ours, upstream)
	}
}

func TestExampleRosterIsValid(t *testing.T) {
	r, err := LoadRoster(filepath.Join("..", "..", "attendees.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	targets := targetsOf(t, r)
	if len(targets) != 4 || targets[0].Config[keyAppCidr] == targets[1].Config[keyAppCidr] {
		t.Errorf("alice and bob share an account and region and must get disjoint CIDRs: %s, %s",
			targets[0].Config[keyAppCidr], targets[1].Config[keyAppCidr])
	}
}
