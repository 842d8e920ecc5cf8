package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/workshop/spinnaker-modernization/stacks/cost"
)

// Topology is one way to run the workshop: config every attendee's stack
// gets on top of the stack file.
type Topology struct {
	Name      string
	Overrides map[string]string
}

// Topologies are the ways this program can run the workshop. Attendee
// stacks never bootstrap the state backend.
var Topologies = []Topology{
	{"Spinnaker per attendee, VPC Lattice", map[string]string{
		"workshop:platform": "true", "workshop:stateBackend": "false",
		"workshop:yelb": `{"backend":"lattice","delivery":"spinnaker"}`,
	}},
	{"Spinnaker per attendee, App Mesh (discontinued)", map[string]string{
		"workshop:platform": "true", "workshop:stateBackend": "false",
		"workshop:yelb": `{"backend":"appmesh","delivery":"spinnaker"}`,
	}},
	{"no Spinnaker, Pulumi delivers the stages, VPC Lattice", map[string]string{
		"workshop:platform": "false", "workshop:stateBackend": "false",
		"workshop:yelb": `{"backend":"lattice","delivery":"pulumi","stage":1}`,
	}},
	{"no Spinnaker, Pulumi delivers the stages, App Mesh (discontinued)", map[string]string{
		"workshop:platform": "false", "workshop:stateBackend": "false",
		"workshop:yelb": `{"backend":"appmesh","delivery":"pulumi","stage":1}`,
	}},
}

// WorkshopDay is how long a one-day workshop keeps its stacks: up the
// morning before, down the morning after.
const WorkshopDay = 24 * time.Hour

// Default per-account, per-region quotas (BRIEF: 5 VPCs, 5 Elastic IPs).
const (
	vpcQuota = 5
	eipQuota = 5
)

// WorkshopMarkdown prices a one-day workshop for the given number of
// attendees in each topology, one stack per attendee.
func WorkshopMarkdown(dir, stack string, attendees int, prices cost.Prices, now time.Time) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "**A one-day workshop for %d attendees** (one stack each, up for %g hours):\n\n", attendees, WorkshopDay.Hours())
	b.WriteString("| topology | per attendee $/hour | workshop total | VPCs, Elastic IPs per attendee | attendees per account and region |\n|---|--:|--:|--:|--:|\n")
	for _, t := range Topologies {
		p, region, _, err := Build(dir, stack, t.Overrides)
		if err != nil {
			return "", fmt.Errorf("topology %q: %w", t.Name, err)
		}
		perHour := prices.Estimate(CostResources(p, region), now).PerHour()
		vpcs, eips := count(p, "aws:ec2/vpc:Vpc"), count(p, "aws:ec2/eip:Eip")
		fmt.Fprintf(&b, "| %s | %s | %s | %d, %d | %d |\n", t.Name, cost.Hourly(perHour),
			cost.USD(perHour*WorkshopDay.Hours()*float64(attendees)), vpcs, eips, perAccount(vpcs, eips))
	}
	b.WriteString("\nAttendees per account and region under the default quotas of 5 VPCs and 5 Elastic IPs; raise them, or spread attendees over accounts.\n")
	return b.String(), nil
}

func count(p Plan, typ string) int {
	n := 0
	for _, s := range p.Steps {
		if s.NewState.Type == typ {
			n++
		}
	}
	return n
}

func perAccount(vpcs, eips int) int {
	n := vpcQuota
	if vpcs > 0 {
		n = min(n, vpcQuota/vpcs)
	}
	if eips > 0 {
		n = min(n, eipQuota/eips)
	}
	return n
}
