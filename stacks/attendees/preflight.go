package attendees

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Quota is one Service Quotas quota the preflight checks.
type Quota struct {
	Service string // service code
	Code    string // quota code
	Name    string
}

// The quotas a room runs into, by their Service Quotas codes (service
// `vpc`, `ec2` and `eks`; the names are those the Service Quotas console
// shows, https://docs.aws.amazon.com/general/latest/gr/vpc-service.html for
// the VPC ones).
var (
	QuotaVPCs      = Quota{"vpc", "L-F678F1CE", "VPCs per Region"}
	QuotaIGWs      = Quota{"vpc", "L-A4707A72", "Internet gateways per Region"}
	QuotaNATsPerAZ = Quota{"vpc", "L-FE5A380F", "NAT gateways per Availability Zone"}
	QuotaEIPs      = Quota{"ec2", "L-0263D0A3", "EC2-VPC Elastic IPs"}
	QuotaClusters  = Quota{"eks", "L-1194D53C", "Clusters"}
	QuotaVCPUs     = Quota{"ec2", "L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances, vCPUs"}
)

// Quotas are every quota the preflight checks, in the order it reports them.
var Quotas = []Quota{QuotaVPCs, QuotaIGWs, QuotaNATsPerAZ, QuotaEIPs, QuotaClusters, QuotaVCPUs}

// Count is a number of things per quota, and NAT gateways per zone.
type Count struct {
	VPCs             int
	InternetGateways int
	ElasticIPs       int
	Clusters         int
	VCPUs            int
	NATPerAZ         map[string]int
}

func (c Count) get(q Quota, az string) int {
	switch q {
	case QuotaVPCs:
		return c.VPCs
	case QuotaIGWs:
		return c.InternetGateways
	case QuotaNATsPerAZ:
		return c.NATPerAZ[az]
	case QuotaEIPs:
		return c.ElasticIPs
	case QuotaClusters:
		return c.Clusters
	}
	return c.VCPUs
}

func (c *Count) add(o Count) {
	c.VPCs += o.VPCs
	c.InternetGateways += o.InternetGateways
	c.ElasticIPs += o.ElasticIPs
	c.Clusters += o.Clusters
	c.VCPUs += o.VCPUs
	if c.NATPerAZ == nil {
		c.NATPerAZ = map[string]int{}
	}
	for az, n := range o.NATPerAZ {
		c.NATPerAZ[az] += n
	}
}

// Needs is what one stack creates that counts against the quotas; nodes are
// by instance type at the node groups' maximum sizes, since
// cluster-autoscaler may scale to them.
type Needs struct {
	Count
	Nodes map[string]int
}

// Cloud is the narrow slice of one account and region the preflight reads.
type Cloud interface {
	// Account is the account the credentials reach.
	Account(ctx context.Context) (string, error)
	// Quota is the applied value of a quota, or its AWS default.
	Quota(ctx context.Context, q Quota) (float64, error)
	// Usage is what the account and region hold now.
	Usage(ctx context.Context) (Count, error)
	// VCPUs are the default vCPUs of each instance type.
	VCPUs(ctx context.Context, instanceTypes []string) (map[string]int, error)
}

// Preflight checks, per account and region, that the quotas leave room for
// what the roster's new stacks will create.
type Preflight struct {
	// Connect reaches the account and region of a member's credentials.
	Connect func(ctx context.Context, m Member) (Cloud, error)
	// Needs is what a target's stack will create.
	Needs func(t Target) (Needs, error)
}

// Shortfall is one quota too small for the room.
type Shortfall struct {
	Group   string
	Quota   Quota
	Zone    string // NAT gateways: the availability zone
	Limit   int
	InUse   int
	Need    int
	Region  string
	Members []string
}

func (s Shortfall) Error() string {
	what := s.Quota.Name
	if s.Zone != "" {
		what += " in " + s.Zone
	}
	want := s.InUse + s.Need
	return fmt.Sprintf("%s: %s (%s %s): the roster needs %d more, %d of %d are in use: short by %d; raise it to at least %d: "+
		"aws service-quotas request-service-quota-increase --service-code %s --quota-code %s --desired-value %d --region %s",
		s.Group, what, s.Quota.Service, s.Quota.Code, s.Need, s.InUse, s.Limit, want-s.Limit, want,
		s.Quota.Service, s.Quota.Code, want, s.Region)
}

// PreflightResult is what the preflight found.
type PreflightResult struct {
	// Accounts maps every member to the account its credentials reach.
	Accounts   map[string]string
	Shortfalls []Shortfall
	// Problems are members whose credentials fail or reach another account.
	Problems []string
	// Notes are what the preflight could not check.
	Notes []string
}

// OK is whether the room fits.
func (r *PreflightResult) OK() bool { return len(r.Shortfalls) == 0 && len(r.Problems) == 0 }

// Print writes every shortfall and problem, one line each.
func (r *PreflightResult) Print(w io.Writer) {
	for _, p := range r.Problems {
		fmt.Fprintln(w, "preflight:", p)
	}
	for _, s := range r.Shortfalls {
		fmt.Fprintln(w, "preflight:", s.Error())
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "preflight: note:", n)
	}
}

// group is the members whose stacks share one account and region.
type group struct {
	key     string
	region  string
	cloud   Cloud
	members []Member
}

// Run checks the roster. exists says which stacks already hold resources:
// those are in the usage already, so only new stacks add needs.
func (p *Preflight) Run(ctx context.Context, r *Roster, exists func(stack string) bool) (*PreflightResult, error) {
	res := &PreflightResult{Accounts: map[string]string{}}
	groups, err := p.connect(ctx, r.Members(), res)
	if err != nil {
		return nil, err
	}
	targets, err := r.Targets(res.Accounts, nil)
	if err != nil {
		return nil, err
	}
	byName := map[string]Target{}
	for _, t := range targets {
		byName[t.Stack()] = t
	}
	for _, g := range groups {
		if err := p.check(ctx, g, byName, exists, res); err != nil {
			return nil, fmt.Errorf("%s: %w", g.key, err)
		}
	}
	return res, nil
}

// connect resolves every member's account and groups members by account
// and region.
func (p *Preflight) connect(ctx context.Context, members []Member, res *PreflightResult) ([]*group, error) {
	var groups []*group
	index := map[string]*group{}
	for _, m := range members {
		cloud, err := p.Connect(ctx, m)
		if err != nil {
			res.Problems = append(res.Problems, fmt.Sprintf("%s: AWS credentials: %v", m.where(), err))
			continue
		}
		account, err := cloud.Account(ctx)
		if err != nil {
			res.Problems = append(res.Problems, fmt.Sprintf("%s: AWS credentials: %v", m.where(), err))
			continue
		}
		if m.Account != "" && account != m.Account {
			res.Problems = append(res.Problems, fmt.Sprintf("%s: account: the credentials reach account %s, the roster says %s", m.where(), account, m.Account))
			continue
		}
		res.Accounts[m.Name] = account
		key := "account " + account + " in " + m.Region
		g := index[key]
		if g == nil {
			g = &group{key: key, region: m.Region, cloud: cloud}
			index[key] = g
			groups = append(groups, g)
		}
		g.members = append(g.members, m)
	}
	return groups, nil
}

func (p *Preflight) check(ctx context.Context, g *group, targets map[string]Target, exists func(string) bool, res *PreflightResult) error {
	need := Count{NATPerAZ: map[string]int{}}
	nodes := map[string]int{}
	var newMembers []string
	for _, m := range g.members {
		if exists(m.Name) {
			continue
		}
		n, err := p.Needs(targets[m.Name])
		if err != nil {
			return fmt.Errorf("counting what %s needs: %w", m.Name, err)
		}
		need.add(n.Count)
		for typ, c := range n.Nodes {
			nodes[typ] += c
		}
		newMembers = append(newMembers, m.Name)
	}
	if len(newMembers) == 0 {
		return nil
	}
	vcpus, notes, err := vcpuNeed(ctx, g.cloud, nodes)
	if err != nil {
		return err
	}
	need.VCPUs = vcpus
	res.Notes = append(res.Notes, notes...)
	usage, err := g.cloud.Usage(ctx)
	if err != nil {
		return fmt.Errorf("reading what the account holds: %w", err)
	}
	for _, q := range Quotas {
		limit, err := g.cloud.Quota(ctx, q)
		if err != nil {
			return fmt.Errorf("reading quota %s %s: %w", q.Service, q.Code, err)
		}
		for _, zone := range zonesOf(q, need) {
			n, inUse := need.get(q, zone), usage.get(q, zone)
			if n > 0 && inUse+n > int(limit) {
				res.Shortfalls = append(res.Shortfalls, Shortfall{Group: g.key, Quota: q, Zone: zone, Limit: int(limit),
					InUse: inUse, Need: n, Region: g.region, Members: newMembers})
			}
		}
	}
	return nil
}

func zonesOf(q Quota, need Count) []string {
	if q != QuotaNATsPerAZ {
		return []string{""}
	}
	zones := slices.Collect(maps.Keys(need.NATPerAZ))
	sort.Strings(zones)
	return zones
}

// standardFamilies are the instance families the On-Demand Standard vCPU
// quota counts (its name lists them).
const standardFamilies = "acdhimrtz"

// vcpuNeed is the vCPUs of the nodes in standard families; others are
// noted as not checked.
func vcpuNeed(ctx context.Context, cloud Cloud, nodes map[string]int) (int, []string, error) {
	var standard, other []string
	for typ := range nodes {
		if strings.ContainsRune(standardFamilies, rune(typ[0])) {
			standard = append(standard, typ)
		} else {
			other = append(other, typ)
		}
	}
	sort.Strings(standard)
	sort.Strings(other)
	var notes []string
	if len(other) > 0 {
		notes = append(notes, fmt.Sprintf("instance types %s are not in the standard families; their vCPU quota is not checked", strings.Join(other, ", ")))
	}
	if len(standard) == 0 {
		return 0, notes, nil
	}
	per, err := cloud.VCPUs(ctx, standard)
	if err != nil {
		return 0, nil, fmt.Errorf("reading vCPUs of %s: %w", strings.Join(standard, ", "), err)
	}
	total := 0
	for _, typ := range standard {
		if per[typ] == 0 {
			return 0, nil, fmt.Errorf("instance type %s: no vCPU count", typ)
		}
		total += per[typ] * nodes[typ]
	}
	return total, notes, nil
}
