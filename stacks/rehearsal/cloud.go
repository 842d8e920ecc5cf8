package rehearsal

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// instanceState is an EC2 instance's life as the node group sees it.
type instanceState int

const (
	pending      instanceState = iota // launched, its kubelet not registered yet
	running                           // its node is in the cluster
	shuttingDown                      // terminated by FIS, kubelet stopping pods
	terminated                        // gone; its Node object may linger
)

// instance is one EC2 instance of the managed node group.
type instance struct {
	ID, Node, Zone string
	State          instanceState
	// JoinAt is when a pending instance's kubelet registers its node.
	JoinAt time.Duration
	// StopAt is when a shutting-down instance has stopped its pods and
	// powers off.
	StopAt time.Duration
	// Cut: its zone's subnets are disconnected (AZPowerInterruption).
	Cut bool
}

// serving says whether pods on the instance can answer requests.
func (i *instance) serving() bool { return i.State == running && !i.Cut }

// nodeGroup is the managed node group's Auto Scaling group: it keeps
// Desired instances alive across the zones, replacing terminated ones.
type nodeGroup struct {
	Name          string
	Desired, Max  int
	Zones         []string
	LaunchDelay   time.Duration
	instances     []*instance
	seq           int
	cutZonesUntil map[string]time.Duration
}

func newNodeGroup(s Shape) *nodeGroup {
	return &nodeGroup{
		Name:          s.NodeGroup.Name,
		Desired:       s.NodeGroup.DesiredSize,
		Max:           s.NodeGroup.MaxSize,
		Zones:         s.Zones,
		cutZonesUntil: map[string]time.Duration{},
	}
}

// live are the instances the group counts toward its desired capacity.
func (g *nodeGroup) live() []*instance {
	var out []*instance
	for _, i := range g.instances {
		if i.State == pending || i.State == running {
			out = append(out, i)
		}
	}
	return out
}

// launch brings the group back to Desired. Auto Scaling "maintains an equal
// number of instances across enabled Availability Zones"
// (docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-availability-zone-balanced.html),
// so each launch goes to the zone with the fewest; ties go to the zone
// listed first.
func (g *nodeGroup) launch(now time.Duration) []*instance {
	var launched []*instance
	for len(g.live()) < g.Desired {
		zone := g.emptiestZone()
		g.seq++
		i := &instance{
			ID:     fmt.Sprintf("i-%017x", g.seq),
			Node:   fmt.Sprintf("%s-%s-%d", g.Name, zoneSuffix(zone), g.seq),
			Zone:   zone,
			State:  pending,
			JoinAt: now + g.LaunchDelay,
		}
		g.instances = append(g.instances, i)
		launched = append(launched, i)
	}
	return launched
}

func (g *nodeGroup) emptiestZone() string {
	count := map[string]int{}
	for _, i := range g.live() {
		count[i.Zone]++
	}
	best := g.Zones[0]
	for _, z := range g.Zones[1:] {
		if count[z] < count[best] {
			best = z
		}
	}
	return best
}

// joining are the pending instances whose kubelet registers now: a new
// instance in a cut-off zone cannot reach the API server until it is back.
func (g *nodeGroup) joining(now time.Duration) []*instance {
	var out []*instance
	for _, i := range g.instances {
		if i.State == pending && i.JoinAt <= now && !g.isCut(i.Zone) {
			out = append(out, i)
		}
	}
	return out
}

func (g *nodeGroup) isCut(zone string) bool {
	_, cut := g.cutZonesUntil[zone]
	return cut
}

// byNode finds the instance behind a node.
func (g *nodeGroup) byNode(node string) *instance {
	i := slices.IndexFunc(g.instances, func(i *instance) bool { return i.Node == node })
	if i < 0 {
		return nil
	}
	return g.instances[i]
}

// upcoming is how many launched instances have not joined yet.
func (g *nodeGroup) upcoming() int {
	n := 0
	for _, i := range g.instances {
		if i.State == pending {
			n++
		}
	}
	return n
}

// zoneSuffix is the zone's letter, for readable node names.
func zoneSuffix(zone string) string {
	if zone == "" {
		return "x"
	}
	return strings.ToLower(zone[len(zone)-1:])
}
