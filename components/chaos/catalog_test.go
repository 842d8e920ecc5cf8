package chaos

import (
	"strings"
	"testing"
)

func testArgs() ChaosArgs {
	return ChaosArgs{Prefix: "hello-dev", ClusterName: "hello-dev-app", Namespace: "hello-dev", AvailabilityZone: "ap-northeast-2a", TerminationPercentage: 40}
}

func TestWorkshopTemplatesValidate(t *testing.T) {
	ts := Templates(testArgs())
	if len(ts) != 3 {
		t.Fatalf("%d templates, want 3", len(ts))
	}
	for _, tmpl := range ts {
		t.Run(tmpl.Name, func(t *testing.T) {
			if errs := tmpl.Validate(); len(errs) > 0 {
				t.Error(errs)
			}
		})
	}
}

// TestValidateRejects: each broken template is refused with a reason.
func TestValidateRejects(t *testing.T) {
	nodes := func() Template { return Templates(testArgs())[0] }
	pods := func() Template { return Templates(testArgs())[1] }
	az := func() Template { return Templates(testArgs())[2] }
	cases := []struct {
		name   string
		mutate func() Template
		want   string
	}{
		{"percentage 0", func() Template { t := nodes(); t.Action.Parameters["instanceTerminationPercentage"] = "0"; return t }, "from 1 to 100"},
		{"percentage 101", func() Template { t := nodes(); t.Action.Parameters["instanceTerminationPercentage"] = "101"; return t }, "from 1 to 100"},
		{"percentage missing", func() Template { t := nodes(); t.Action.Parameters = map[string]string{}; return t }, "instanceTerminationPercentage is required"},
		{"wrong target type", func() Template { t := nodes(); t.Target.ResourceType = "aws:ec2:instance"; return t }, "acts on aws:eks:nodegroup"},
		{"unknown action", func() Template { t := nodes(); t.Action.ID = "aws:eks:melt"; return t }, "not in the catalog"},
		{"unknown parameter", func() Template { t := nodes(); t.Action.Parameters["percent"] = "4"; return t }, "percent is not accepted"},
		{"node group without ARNs", func() Template { t := nodes(); t.Target.HasResourceArns = false; return t }, "named by ARNs"},
		{"pods by ARN", func() Template { t := pods(); t.Target.HasResourceArns = true; return t }, "parameters, not ARNs"},
		{"pod selector type", func() Template { t := pods(); t.Target.Parameters["selectorType"] = "label"; return t }, "is not one of"},
		{"pod namespace missing", func() Template { t := pods(); delete(t.Target.Parameters, "namespace"); return t }, "namespace is required"},
		{"selection 0%", func() Template { t := pods(); t.Target.SelectionMode = "PERCENT(0)"; return t }, "from 1 to 100"},
		{"selection mode", func() Template { t := pods(); t.Target.SelectionMode = "HALF"; return t }, "not ALL, COUNT(n) or PERCENT(n)"},
		{"duration too long", func() Template { t := az(); t.Action.Parameters["duration"] = "PT13H"; return t }, "outside"},
		{"duration not ISO", func() Template { t := az(); t.Action.Parameters["duration"] = "5m"; return t }, "ISO 8601"},
		{"scope", func() Template { t := az(); t.Action.Parameters["scope"] = "region"; return t }, "is not one of"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := c.mutate().Validate()
			if len(errs) == 0 || !strings.Contains(errs[0].Error(), c.want) {
				t.Errorf("errors %v, want one containing %q", errs, c.want)
			}
		})
	}
}
