package attendees

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// fakeCloud is one account and region with quotas and usage.
type fakeCloud struct {
	account string
	quotas  map[Quota]float64
	usage   Count
	vcpus   map[string]int
}

func (c *fakeCloud) Account(context.Context) (string, error) { return c.account, nil }
func (c *fakeCloud) Quota(_ context.Context, q Quota) (float64, error) {
	v, ok := c.quotas[q]
	if !ok {
		return 0, errors.New("no such quota")
	}
	return v, nil
}
func (c *fakeCloud) Usage(context.Context) (Count, error) { return c.usage, nil }
func (c *fakeCloud) VCPUs(_ context.Context, types []string) (map[string]int, error) {
	out := map[string]int{}
	for _, t := range types {
		out[t] = c.vcpus[t]
	}
	return out, nil
}

// defaultQuotas are the defaults of a new account (BRIEF.md: 5 VPCs, 5
// Elastic IPs, 5 internet gateways, 100 EKS clusters per region).
func defaultQuotas() map[Quota]float64 {
	return map[Quota]float64{QuotaVPCs: 5, QuotaIGWs: 5, QuotaNATsPerAZ: 5, QuotaEIPs: 5, QuotaClusters: 100, QuotaVCPUs: 32}
}

// fullStack is what one per-attendee stack of the default config creates
// (TestPlanCounterCountsTheProgram checks it against the program).
var fullStack = Needs{
	Count: Count{VPCs: 2, InternetGateways: 2, ElasticIPs: 2, Clusters: 2, NATPerAZ: map[string]int{"ap-northeast-2a": 2}},
	Nodes: map[string]int{"t3.small": 9, "m5.xlarge": 2},
}

func TestPreflightFindsShortfalls(t *testing.T) {
	r, err := ParseRoster("r.yaml", []byte(`
defaults: {region: ap-northeast-2, account: "111111111111"}
attendees:
  - {name: alice, email: a@example.com}
  - {name: bob, email: b@example.com}
  - {name: carol, email: c@example.com}
  - {name: dave, email: d@example.com, account: "222222222222"}
`))
	if err != nil {
		t.Fatal(err)
	}
	clouds := map[string]*fakeCloud{}
	for _, account := range []string{"111111111111", "222222222222"} {
		clouds[account] = &fakeCloud{account: account, quotas: defaultQuotas(),
			usage: Count{VPCs: 1, InternetGateways: 1}, vcpus: map[string]int{"t3.small": 2, "m5.xlarge": 4}}
	}
	p := &Preflight{
		Connect: func(_ context.Context, m Member) (Cloud, error) { return clouds[m.Account], nil },
		Needs:   func(Target) (Needs, error) { return fullStack, nil },
	}
	res, err := p.Run(context.Background(), r, func(string) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, s := range res.Shortfalls {
		lines = append(lines, s.Error())
	}
	text := strings.Join(lines, "\n")
	// Three full stacks in one account: 6 VPCs beside the default one.
	for _, want := range []string{
		"account 111111111111 in ap-northeast-2: VPCs per Region (vpc L-F678F1CE): the roster needs 6 more, 1 of 5 are in use: short by 2; raise it to at least 7: aws service-quotas request-service-quota-increase --service-code vpc --quota-code L-F678F1CE --desired-value 7 --region ap-northeast-2",
		"Internet gateways per Region (vpc L-A4707A72): the roster needs 6 more, 1 of 5 are in use: short by 2",
		"NAT gateways per Availability Zone in ap-northeast-2a (vpc L-FE5A380F): the roster needs 6 more, 0 of 5 are in use: short by 1",
		"EC2-VPC Elastic IPs (ec2 L-0263D0A3): the roster needs 6 more, 0 of 5 are in use: short by 1",
		// 3 x (9 t3.small x 2 + 2 m5.xlarge x 4) = 78 vCPUs.
		"(ec2 L-1216C47A): the roster needs 78 more, 0 of 32 are in use: short by 46; raise it to at least 78",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("shortfalls lack %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "L-1194D53C") {
		t.Errorf("6 clusters fit the default 100:\n%s", text)
	}
	if strings.Contains(text, "222222222222") {
		t.Errorf("one stack fits an account of its own:\n%s", text)
	}
	if res.OK() {
		t.Error("a room that does not fit passed the preflight")
	}

	t.Run("stacks already up are in the usage, not the needs", func(t *testing.T) {
		res, err := p.Run(context.Background(), r, func(s string) bool { return s != "carol" })
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range res.Shortfalls {
			if s.Quota == QuotaVPCs {
				t.Errorf("one new stack needs 2 VPCs, which fit: %s", s.Error())
			}
		}
	})
}

func TestPreflightChecksCredentials(t *testing.T) {
	r, err := ParseRoster("r.yaml", []byte(`
attendees:
  - {name: alice, email: a@example.com, region: us-east-1, account: "111111111111"}
  - {name: bob, email: b@example.com, region: us-east-1, profile: broken}
`))
	if err != nil {
		t.Fatal(err)
	}
	p := &Preflight{
		Connect: func(_ context.Context, m Member) (Cloud, error) {
			if m.Profile == "broken" {
				return nil, errors.New("failed to get shared config profile, broken")
			}
			return &fakeCloud{account: "999999999999", quotas: defaultQuotas(), vcpus: map[string]int{"t3.small": 2, "m5.xlarge": 4}}, nil
		},
		Needs: func(Target) (Needs, error) { return fullStack, nil },
	}
	res, err := p.Run(context.Background(), r, func(string) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(res.Problems, "\n")
	for _, want := range []string{
		"attendee 1 (alice): account: the credentials reach account 999999999999, the roster says 111111111111",
		"attendee 2 (bob): AWS credentials: failed to get shared config profile, broken",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("problems lack %q:\n%s", want, text)
		}
	}
}

func TestPreflightNotesUncheckedInstanceTypes(t *testing.T) {
	got, notes, err := vcpuNeed(context.Background(), &fakeCloud{vcpus: map[string]int{"m5.xlarge": 4}},
		map[string]int{"m5.xlarge": 2, "g5.xlarge": 1})
	if err != nil {
		t.Fatal(err)
	}
	if got != 8 || len(notes) != 1 || !strings.Contains(notes[0], "g5.xlarge") {
		t.Errorf("got %d vCPUs and notes %v; want 8 and a note on g5.xlarge", got, notes)
	}
}

// TestPlanCounterCountsTheProgram runs the program offline and counts what
// the quotas care about.
func TestPlanCounterCountsTheProgram(t *testing.T) {
	cases := []struct {
		name, overrides string
		want            Needs
	}{
		{"full stack", "", fullStack},
		{"NAT per zone", "natStrategy: perAz", Needs{
			Count: Count{VPCs: 2, InternetGateways: 2, ElasticIPs: 6, Clusters: 2,
				NATPerAZ: map[string]int{"ap-northeast-2a": 2, "ap-northeast-2b": 2, "ap-northeast-2c": 2}},
			Nodes: fullStack.Nodes}},
		{"no platform", `{platform: false, yelb: {delivery: pulumi}}`, Needs{
			Count: Count{VPCs: 1, InternetGateways: 1, ElasticIPs: 1, Clusters: 1, NATPerAZ: map[string]int{"ap-northeast-2a": 1}},
			Nodes: map[string]int{"t3.small": 9}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			overrides := ""
			switch {
			case strings.HasPrefix(c.overrides, "{"):
				overrides = "\n    overrides: " + c.overrides
			case c.overrides != "":
				overrides = "\n    overrides: {" + c.overrides + "}"
			}
			r, err := ParseRoster("r.yaml", []byte("attendees:\n  - name: alice\n    email: a@example.com\n    region: ap-northeast-2"+overrides+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := (&PlanCounter{}).Needs(targetsOf(t, r)[0])
			if err != nil {
				t.Fatal(err)
			}
			if !equalNeeds(got, c.want) {
				t.Errorf("counted %+v; want %+v", got, c.want)
			}
		})
	}
}

func equalNeeds(a, b Needs) bool {
	if a.VPCs != b.VPCs || a.InternetGateways != b.InternetGateways || a.ElasticIPs != b.ElasticIPs || a.Clusters != b.Clusters {
		return false
	}
	return equalMaps(a.NATPerAZ, b.NATPerAZ) && equalMaps(a.Nodes, b.Nodes)
}

func equalMaps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
