package attendees

import (
	"encoding/json"
	"fmt"
	"maps"
	"sync"

	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
	"github.com/workshop/spinnaker-modernization/stacks"
)

// Resource types that count against the quotas, as the program registers
// them.
const (
	typeVPC       = "aws:ec2/vpc:Vpc"
	typeIGW       = "aws:ec2/internetGateway:InternetGateway"
	typeNAT       = "aws:ec2/natGateway:NatGateway"
	typeSubnet    = "aws:ec2/subnet:Subnet"
	typeEIP       = "aws:ec2/eip:Eip"
	typeCluster   = "eks:index:Cluster"
	typeNodeGroup = "aws:eks/nodeGroup:NodeGroup"
)

// PlanCounter counts what a stack will create by running the program
// offline, on the simulated cloud `go run . plan` uses, so the preflight and
// the progress view follow the program rather than a copy of its logic.
// Stacks whose configs differ only in names and CIDRs plan alike, so each
// shape is planned once.
type PlanCounter struct {
	mu    sync.Mutex
	plans map[string]plan
}

type plan struct {
	needs     Needs
	resources int
}

// Needs implements Preflight.Needs.
func (c *PlanCounter) Needs(t Target) (Needs, error) {
	p, err := c.plan(t)
	return p.needs, err
}

// Estimate is how many resources the stack will have, for the progress
// view; 0 when the plan fails. Components the engine expands (EKS clusters,
// Helm charts) count as one, so the real count is higher.
func (c *PlanCounter) Estimate(t Target) int {
	p, _ := c.plan(t)
	return p.resources
}

func (c *PlanCounter) plan(t Target) (plan, error) {
	key := shapeKey(t)
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.plans[key]; ok {
		return p, nil
	}
	cloud := mockcloud.New(configNamespace, t.Stack(), t.Region)
	if err := cloud.Run(t.Config, nil, stacks.Program(t.Config)); err != nil {
		return plan{}, fmt.Errorf("planning stack %s offline: %w", t.Stack(), err)
	}
	p := plan{needs: countNeeds(cloud.Resources()), resources: len(cloud.Resources()) + 1}
	if c.plans == nil {
		c.plans = map[string]plan{}
	}
	c.plans[key] = p
	return p, nil
}

// shapeKey is the config without what only names things.
func shapeKey(t Target) string {
	cfg := maps.Clone(t.Config)
	for _, k := range []string{keyName, keyAppCidr, keyPlatformCidr, keyProfile} {
		delete(cfg, k)
	}
	b, _ := json.Marshal(cfg)
	return string(b)
}

// countNeeds counts the quota-bound resources of a plan. A NAT gateway's
// zone is its subnet's, found through its dependencies.
func countNeeds(resources []mockcloud.Resource) Needs {
	n := Needs{Count: Count{NATPerAZ: map[string]int{}}, Nodes: map[string]int{}}
	zones := map[string]string{}
	for _, r := range resources {
		if r.Type == typeSubnet {
			zones[r.URN] = r.String("availabilityZone")
		}
	}
	for _, r := range resources {
		switch r.Type {
		case typeVPC:
			n.VPCs++
		case typeIGW:
			n.InternetGateways++
		case typeEIP:
			n.ElasticIPs++
		case typeCluster:
			n.Clusters++
		case typeNAT:
			n.NATPerAZ[natZone(r, zones)]++
		case typeNodeGroup:
			nodeGroupNeeds(r, n.Nodes)
		}
	}
	return n
}

func natZone(r mockcloud.Resource, zones map[string]string) string {
	for _, dep := range r.Dependencies {
		if z := zones[dep]; z != "" {
			return z
		}
	}
	return "unknown zone"
}

func nodeGroupNeeds(r mockcloud.Resource, nodes map[string]int) {
	scaling, _ := r.Input("scalingConfig").(map[string]any)
	maxSize, _ := scaling["maxSize"].(float64)
	types, _ := r.Input("instanceTypes").([]any)
	for _, t := range types {
		if s, ok := t.(string); ok {
			nodes[s] += int(maxSize)
		}
	}
}
