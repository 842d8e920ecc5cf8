package rehearsal

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/workshop/spinnaker-modernization/components/chaos"
	"github.com/workshop/spinnaker-modernization/components/cluster"
	"github.com/workshop/spinnaker-modernization/components/yelb"
	"github.com/workshop/spinnaker-modernization/stacks"
)

// Shape is the app cluster of one stack as the rehearsal builds it: the
// node group, what runs on it, and the experiment to perform.
type Shape struct {
	Stack, Prefix, Region string
	Zones                 []string
	NodeGroup             cluster.NodeGroupArgs
	Instance              Instance
	Workloads             []Workload
	Stage                 int
	Namespace             string
	// Yelb is what stages 1..Stage leave in the cluster, in apply order.
	Yelb       []yelb.Object
	Experiment Experiment
	// UIAlarm is the stop condition the rehearsal evaluates.
	UIAlarm chaos.AlarmSpec
}

// Experiment is one of the stack's FIS templates, read for what it does.
type Experiment struct {
	Template string
	// Percent is how many nodes (TerminateEKSNodes) or pods
	// (AppServerPodDelete) it ends.
	Percent int
	// Selector picks the pods AppServerPodDelete deletes.
	Selector map[string]string
	// Zone and DurationSeconds are AZPowerInterruption's.
	Zone            string
	DurationSeconds int
}

// NewShape builds the shape of stack's app cluster from its validated
// config, with stage (1-4, 0 for the config's own) and template.
func NewShape(cfg stacks.Config, stage int, template string) (Shape, error) {
	if !cfg.Yelb.Enabled || !cfg.Chaos.Enabled {
		return Shape{}, fmt.Errorf("config workshop:yelb and workshop:chaos: the rehearsal needs both enabled (the app and its experiments); got yelb %t, chaos %t", cfg.Yelb.Enabled, cfg.Chaos.Enabled)
	}
	if cfg.Yelb.Backend != yelb.BackendLattice {
		return Shape{}, fmt.Errorf("config workshop:yelb: backend %q is not rehearsed; expected %q (App Mesh was discontinued on 2026-09-30, and its Envoy sidecars are not modelled)", cfg.Yelb.Backend, yelb.BackendLattice)
	}
	if stage == 0 {
		stage = cfg.Yelb.Stage
	}
	if stage < 1 || stage > len(yelb.StageFiles) {
		return Shape{}, fmt.Errorf("--stage %d: expected a workshop stage from 1 to %d", stage, len(yelb.StageFiles))
	}
	instance, err := LookupInstance(cfg.NodeGroup.InstanceType)
	if err != nil {
		return Shape{}, err
	}
	exp, err := experimentOf(cfg, template)
	if err != nil {
		return Shape{}, err
	}
	objects, err := yelb.Compose(yelbValues(cfg), stage)
	if err != nil {
		return Shape{}, fmt.Errorf("yelb manifests of stage %d: %w", stage, err)
	}
	flags := cfg.AddOns
	flags.GatewayAPIController = true
	clusterName := cfg.Prefix + "-app"
	uiAlarm, _ := chaos.SteadyStateAlarms(cfg.Prefix, clusterName, cfg.Prefix)
	return Shape{
		Stack: cfg.Stack, Prefix: cfg.Prefix, Region: cfg.Region,
		Zones:     cfg.AvailabilityZones,
		NodeGroup: cfg.NodeGroup,
		Instance:  instance,
		Workloads: Workloads(flags),
		Stage:     stage,
		Namespace: cfg.Prefix,
		Yelb:      objects,

		Experiment: exp,
		UIAlarm:    uiAlarm,
	}, nil
}

// yelbValues are the values Pulumi delivery renders the app with; the v2
// image only names a container kwok never pulls.
func yelbValues(cfg stacks.Config) yelb.Values {
	images := yelb.DefaultImages
	images.AppServerV2 = cfg.Yelb.AppServerV2Image
	if images.AppServerV2 == "" {
		images.AppServerV2 = yelb.AppServerV2Placeholder
	}
	return yelb.ValuesFor(yelb.AppArgs{
		Prefix:        cfg.Prefix,
		Backend:       cfg.Yelb.Backend,
		Images:        images,
		ServiceDomain: yelb.ServiceDomain(cfg.Prefix),
		Tags:          stacks.CommonTags(cfg),
	}, yelb.DeliveryPulumi)
}

// experimentOf reads the stack's template of that name.
func experimentOf(cfg stacks.Config, template string) (Experiment, error) {
	zone := cfg.Chaos.AvailabilityZone
	if zone == "" {
		zone = cfg.AvailabilityZones[0]
	}
	templates := chaos.Templates(chaos.ChaosArgs{
		ClusterName:           cfg.Prefix + "-app",
		Namespace:             cfg.Prefix,
		AvailabilityZone:      zone,
		TerminationPercentage: cfg.Chaos.TerminationPercentage,
	})
	var names []string
	for _, t := range templates {
		names = append(names, t.Name)
		if t.Name == template {
			return readTemplate(t)
		}
	}
	return Experiment{}, fmt.Errorf("--template %q is not an experiment of the stack; expected one of %s", template, strings.Join(names, ", "))
}

func readTemplate(t chaos.Template) (Experiment, error) {
	e := Experiment{Template: t.Name}
	var err error
	switch t.Action.ID {
	case "aws:eks:terminate-nodegroup-instances":
		e.Percent, err = strconv.Atoi(t.Action.Parameters["instanceTerminationPercentage"])
	case "aws:eks:pod-delete":
		e.Percent, err = selectionPercent(t.Target.SelectionMode)
		e.Selector = labelSelector(t.Target.Parameters["selectorValue"])
	case "aws:network:disrupt-connectivity":
		e.Zone = firstOf(t.Target.Filters["AvailabilityZone"])
		e.DurationSeconds, err = isoSeconds(t.Action.Parameters["duration"])
	default:
		err = fmt.Errorf("action %s is not rehearsed", t.Action.ID)
	}
	if err != nil {
		return e, fmt.Errorf("template %s: %w", t.Name, err)
	}
	return e, nil
}

func selectionPercent(mode string) (int, error) {
	if mode == "ALL" {
		return 100, nil
	}
	n, ok := strings.CutPrefix(mode, "PERCENT(")
	if !ok {
		return 0, fmt.Errorf("selection mode %q is not rehearsed; expected ALL or PERCENT(n)", mode)
	}
	return strconv.Atoi(strings.TrimSuffix(n, ")"))
}

// labelSelector reads "k=v,k2=v2".
func labelSelector(s string) map[string]string {
	m := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// isoSeconds reads the PT<n>H<n>M<n>S durations the templates use.
func isoSeconds(d string) (int, error) {
	rest, ok := strings.CutPrefix(d, "PT")
	if !ok || rest == "" {
		return 0, fmt.Errorf("duration %q is not an ISO 8601 duration such as PT5M", d)
	}
	total := 0
	for _, unit := range []struct {
		suffix  string
		seconds int
	}{{"H", 3600}, {"M", 60}, {"S", 1}} {
		n, tail, found := strings.Cut(rest, unit.suffix)
		if !found {
			continue
		}
		v, err := strconv.Atoi(n)
		if err != nil {
			return 0, fmt.Errorf("duration %q is not an ISO 8601 duration such as PT5M", d)
		}
		total += v * unit.seconds
		rest = tail
	}
	if rest != "" {
		return 0, fmt.Errorf("duration %q is not an ISO 8601 duration such as PT5M", d)
	}
	return total, nil
}

// Tier is one of yelb's four tiers and the Services that reach it.
type Tier struct {
	Name     string
	Services []string
	// OnProbePath: the live command's probe (api/getvotes) needs it.
	OnProbePath bool
}

// Tiers are yelb's tiers in display order. From stage 3 the route sends
// half the app server's calls to v2, so both Services serve that tier.
func (s Shape) Tiers() []Tier {
	appServer := []string{"yelb-appserver"}
	if s.Stage >= 3 {
		appServer = append(appServer, "yelb-appserver-v2")
	}
	return []Tier{
		{Name: "yelb-ui", Services: []string{"yelb-ui"}, OnProbePath: true},
		{Name: "yelb-appserver", Services: appServer, OnProbePath: true},
		{Name: "yelb-db", Services: []string{"yelb-db"}, OnProbePath: true},
		{Name: "redis-server", Services: []string{"redis-server"}},
	}
}
