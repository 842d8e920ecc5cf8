// Package chaos is the workshop's chaos engineering: the steady-state alarms,
// the FIS experiment templates they stop, the role and log group FIS uses,
// and a dashboard of the steady state.
package chaos

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// Template is an FIS experiment template as plain values, checked against
// the action catalog before anything is created.
type Template struct {
	Name        string
	Description string
	Action      Action
	Target      Target
}

// Action is the template's one action.
type Action struct {
	ID         string
	Parameters map[string]string
}

// Target is what the action acts on. ResourceArns are known only at deploy
// time; HasResourceArns says the template names them.
type Target struct {
	ResourceType    string
	SelectionMode   string
	Parameters      map[string]string
	Filters         map[string][]string
	HasResourceArns bool
}

// param is one action or target parameter's rule.
type param struct {
	required bool
	check    func(string) error
}

// spec is what FIS accepts for an action (from the FIS actions reference).
type spec struct {
	targetKey    string
	resourceType string
	params       map[string]param
	targetParams map[string]param
	// byParameters: targets of this type are named by parameters, not ARNs.
	byParameters bool
}

func intBetween(lo, hi int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("%q is not an integer from %d to %d", v, lo, hi)
		}
		return nil
	}
}

func oneOf(values ...string) func(string) error {
	return func(v string) error {
		if !slices.Contains(values, v) {
			return fmt.Errorf("%q is not one of %v", v, values)
		}
		return nil
	}
}

var isoDuration = regexp.MustCompile(`^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$`)

// durationBetween checks an ISO 8601 duration such as PT5M.
func durationBetween(lo, hi time.Duration) func(string) error {
	return func(v string) error {
		m := isoDuration.FindStringSubmatch(v)
		if m == nil || v == "PT" {
			return fmt.Errorf("%q is not an ISO 8601 duration such as PT5M", v)
		}
		var d time.Duration
		for i, unit := range []time.Duration{time.Hour, time.Minute, time.Second} {
			if m[i+1] != "" {
				n, _ := strconv.Atoi(m[i+1])
				d += time.Duration(n) * unit
			}
		}
		if d < lo || d > hi {
			return fmt.Errorf("%s is outside %s to %s", v, lo, hi)
		}
		return nil
	}
}

func nonEmpty(v string) error {
	if v == "" {
		return fmt.Errorf("is empty")
	}
	return nil
}

// Catalog holds the actions the workshop's templates use.
var catalog = map[string]spec{
	"aws:eks:terminate-nodegroup-instances": {
		targetKey:    "Nodegroups",
		resourceType: "aws:eks:nodegroup",
		params:       map[string]param{"instanceTerminationPercentage": {true, intBetween(1, 100)}},
	},
	"aws:eks:pod-delete": {
		targetKey:    "Pods",
		resourceType: "aws:eks:pod",
		byParameters: true,
		params: map[string]param{
			"kubernetesServiceAccount": {true, nonEmpty},
			"gracePeriodSeconds":       {false, intBetween(0, 3600)},
			"maxErrorsPercent":         {false, intBetween(0, 100)},
		},
		targetParams: map[string]param{
			"clusterIdentifier": {true, nonEmpty},
			"namespace":         {true, nonEmpty},
			"selectorType":      {true, oneOf("labelSelector", "deploymentName", "podName")},
			"selectorValue":     {true, nonEmpty},
		},
	},
	"aws:network:disrupt-connectivity": {
		targetKey:    "Subnets",
		resourceType: "aws:ec2:subnet",
		params: map[string]param{
			"duration": {true, durationBetween(time.Minute, 12*time.Hour)},
			"scope":    {false, oneOf("all", "availability-zone", "dynamodb", "prefix-list", "s3")},
		},
	},
}

// TargetKey is the key under which the action names its target.
func TargetKey(actionID string) string { return catalog[actionID].targetKey }

var selectionMode = regexp.MustCompile(`^(ALL|COUNT\((\d+)\)|PERCENT\((\d+)\))$`)

// Validate checks a template against the catalog: a known action, the target
// type it acts on, every required parameter and each parameter's range.
func (t Template) Validate() []error {
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("template %s: %s", t.Name, fmt.Sprintf(format, args...)))
	}
	s, ok := catalog[t.Action.ID]
	if !ok {
		fail("action %q is not in the catalog", t.Action.ID)
		return errs
	}
	if t.Target.ResourceType != s.resourceType {
		fail("action %s acts on %s, not %s", t.Action.ID, s.resourceType, t.Target.ResourceType)
	}
	checkParams(fail, "action parameter", s.params, t.Action.Parameters)
	checkParams(fail, "target parameter", s.targetParams, t.Target.Parameters)
	m := selectionMode.FindStringSubmatch(t.Target.SelectionMode)
	switch {
	case m == nil:
		fail("selection mode %q is not ALL, COUNT(n) or PERCENT(n)", t.Target.SelectionMode)
	case m[3] != "":
		if err := intBetween(1, 100)(m[3]); err != nil {
			fail("selection mode %s: %v", t.Target.SelectionMode, err)
		}
	}
	if s.byParameters == t.Target.HasResourceArns {
		fail("targets of %s are named by %s", s.resourceType, map[bool]string{true: "parameters, not ARNs", false: "ARNs"}[s.byParameters])
	}
	return errs
}

func checkParams(fail func(string, ...any), what string, rules map[string]param, got map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(rules)) {
		if _, ok := got[k]; !ok && rules[k].required {
			fail("%s %s is required", what, k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		r, ok := rules[k]
		if !ok {
			fail("%s %s is not accepted", what, k)
			continue
		}
		if err := r.check(got[k]); err != nil {
			fail("%s %s: %v", what, k, err)
		}
	}
}
