package cost

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Resource is what the estimate needs of one step of a plan.
type Resource struct {
	Type         string
	URN          string
	Region       string
	Inputs       map[string]any
	Dependencies []string
}

// Line is one priced thing a stack runs.
type Line struct {
	// Key names the line across two plans: the resource (or object) and item.
	Key      string
	Item     string // the price's item, e.g. "ec2:t3.small"
	What     string // what it is, for people
	Region   string
	Quantity float64
	Unit     string
	// PerHour is Quantity times the hourly price; zero when unpriced.
	PerHour     float64
	Priced      bool
	Unconfirmed bool
	// PriceRegion is the region of the price used, "*" for one that holds
	// everywhere.
	PriceRegion string
}

// Estimate is a stack's running cost.
type Estimate struct {
	Lines    []Line
	Warnings []string
}

// PerHour is the estimate's total in USD per hour.
func (e Estimate) PerHour() float64 {
	total := 0.0
	for _, l := range e.Lines {
		total += l.PerHour
	}
	return total
}

// Regions returns each region's total in USD per hour.
func (e Estimate) Regions() map[string]float64 {
	out := map[string]float64{}
	for _, l := range e.Lines {
		out[l.Region] += l.PerHour
	}
	return out
}

// Estimate prices the resources of one plan as of the given day (which
// decides whether an EKS version is in standard or extended support).
func (p Prices) Estimate(resources []Resource, now time.Time) Estimate {
	e := &estimator{prices: p, now: now, byURN: map[string]Resource{}, seenKube: map[string]bool{}}
	for _, r := range resources {
		e.byURN[r.URN] = r
	}
	for _, r := range resources {
		e.resource(r, resources)
	}
	e.addUnconfirmedWarnings()
	// Dearest first, so a reviewer reads what matters.
	sort.SliceStable(e.out.Lines, func(i, j int) bool {
		a, b := e.out.Lines[i], e.out.Lines[j]
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		if a.PerHour != b.PerHour {
			return a.PerHour > b.PerHour
		}
		return a.What < b.What
	})
	return e.out
}

type estimator struct {
	prices   Prices
	now      time.Time
	byURN    map[string]Resource
	seenKube map[string]bool
	// source names what is being priced, for Line.Key.
	source string
	out    Estimate
}

func (e *estimator) resource(r Resource, all []Resource) {
	name := urnName(r.URN)
	e.source = r.URN
	switch r.Type {
	case "eks:index:Cluster", "aws:eks/cluster:Cluster":
		e.cluster(r, name)
	case "aws:eks/nodeGroup:NodeGroup":
		e.nodeGroup(r, name)
	case "aws:ec2/natGateway:NatGateway":
		e.add(r.Region, "nat-gateway", "NAT gateway "+name, 1, "gateway")
	case "aws:ec2/eip:Eip":
		e.add(r.Region, "public-ipv4", "Elastic IP "+name, 1, "address")
	case "aws:vpclattice/service:Service":
		e.add(r.Region, "lattice-service", "VPC Lattice service "+name, 1, "service")
	case "aws:secretsmanager/secret:Secret":
		e.add(r.Region, "secretsmanager-secret", "secret "+name, 1, "secret")
	case "aws:kms/key:Key":
		e.add(r.Region, "kms-key", "KMS key "+name, 1, "key")
	case "aws:cloudwatch/metricAlarm:MetricAlarm":
		e.alarm(r, name)
	case "aws:cloudwatch/compositeAlarm:CompositeAlarm":
		e.add(r.Region, "cloudwatch-alarm-composite", "composite alarm "+name, 1, "alarm")
	case "aws:cloudwatch/dashboard:Dashboard":
		e.add(r.Region, "cloudwatch-dashboard", "dashboard "+name, 1, "dashboard")
	}
	for _, obj := range kubeObjects(r) {
		e.kubeObject(r, obj, all)
	}
}

func (e *estimator) cluster(r Resource, name string) {
	version, _ := r.Inputs["version"].(string)
	extended, known := e.prices.extendedSupport(version, e.now)
	switch {
	case version == "":
		e.warn("EKS cluster %s has no version in the plan; priced as standard support", name)
	case !known:
		e.warn("no end of standard support known for EKS %s (cluster %s); priced as standard support", version, name)
	}
	if extended {
		e.add(r.Region, "eks-cluster-extended", fmt.Sprintf("EKS control plane %s (%s, extended support)", name, version), 1, "cluster")
		return
	}
	e.add(r.Region, "eks-cluster-standard", fmt.Sprintf("EKS control plane %s (%s, standard support)", name, version), 1, "cluster")
}

// nodeGroup prices the desired number of nodes and their root volumes, read
// from the node group or from the launch template it depends on.
func (e *estimator) nodeGroup(r Resource, name string) {
	template := e.launchTemplate(r)
	instanceType := firstString(r.Inputs["instanceTypes"])
	if instanceType == "" {
		instanceType, _ = template["instanceType"].(string)
	}
	desired, ok := number(path(r.Inputs, "scalingConfig", "desiredSize"))
	if !ok {
		e.warn("node group %s: desired size unknown in the plan; its nodes are not counted", name)
		return
	}
	if instanceType == "" {
		e.warn("node group %s: no instance type in the plan; its nodes are not counted", name)
		return
	}
	e.add(r.Region, "ec2:"+instanceType, fmt.Sprintf("node group %s: %g × %s", name, desired, instanceType), desired, "instance")
	size, volumeType := rootVolume(r, template)
	if size > 0 {
		e.add(r.Region, "ebs-"+volumeType, fmt.Sprintf("node group %s: %g × %g GB %s root volumes", name, desired, size, volumeType), desired*size, "GB")
	}
}

func (e *estimator) launchTemplate(r Resource) map[string]any {
	for _, dep := range r.Dependencies {
		if lt, ok := e.byURN[dep]; ok && lt.Type == "aws:ec2/launchTemplate:LaunchTemplate" {
			return lt.Inputs
		}
	}
	return nil
}

// rootVolume is the node's root volume: the launch template's first block
// device, else the node group's diskSize, priced as gp3 (the plan does not
// say which type EKS gives it).
func rootVolume(r Resource, template map[string]any) (float64, string) {
	if mappings, ok := template["blockDeviceMappings"].([]any); ok && len(mappings) > 0 {
		m, _ := mappings[0].(map[string]any)
		size, _ := number(path(m, "ebs", "volumeSize"))
		volumeType, _ := path(m, "ebs", "volumeType").(string)
		if volumeType == "" {
			volumeType = "gp3"
		}
		return size, volumeType
	}
	size, _ := number(r.Inputs["diskSize"])
	return size, "gp3"
}

// alarm prices a metric alarm as high resolution when its period is under
// a minute, which is how CloudWatch bills it.
func (e *estimator) alarm(r Resource, name string) {
	period, _ := number(r.Inputs["period"])
	if period > 0 && period < 60 {
		e.add(r.Region, "cloudwatch-alarm-high-resolution", fmt.Sprintf("alarm %s (%gs period)", name, period), 1, "alarm")
		return
	}
	e.add(r.Region, "cloudwatch-alarm-standard", "alarm "+name, 1, "alarm")
}

func (e *estimator) add(region, item, what string, quantity float64, unit string) {
	line := Line{Key: e.source + "|" + item, Item: item, What: what, Region: region, Quantity: quantity, Unit: unit}
	if pr, ok := e.prices.Lookup(item, region); ok {
		line.Priced = true
		line.Unconfirmed = !pr.Confirmed
		line.PriceRegion = pr.Region
		line.PerHour = quantity * e.prices.hourly(pr)
	} else {
		e.warn("no price for %s in %s: %s is not counted", item, region, what)
	}
	e.out.Lines = append(e.out.Lines, line)
}

func (e *estimator) warn(format string, args ...any) {
	e.out.Warnings = append(e.out.Warnings, fmt.Sprintf(format, args...))
}

func (e *estimator) addUnconfirmedWarnings() {
	seen := map[string]bool{}
	var items []string
	for _, l := range e.out.Lines {
		where := l.PriceRegion
		if where == "*" {
			where = "all regions"
		}
		key := l.Item + " (" + where + ")"
		if l.Unconfirmed && !seen[key] {
			seen[key] = true
			items = append(items, key)
		}
	}
	if len(items) > 0 {
		sort.Strings(items)
		e.warn("unconfirmed prices used: %s; see stacks/cost/prices.json", strings.Join(items, ", "))
	}
}

func urnName(urn string) string {
	if i := strings.LastIndex(urn, "::"); i >= 0 {
		return urn[i+2:]
	}
	return urn
}

func path(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, !math.IsNaN(n)
	case int:
		return float64(n), true
	}
	return 0, false
}

func firstString(v any) string {
	list, _ := v.([]any)
	if len(list) == 0 {
		return ""
	}
	s, _ := list[0].(string)
	return s
}
