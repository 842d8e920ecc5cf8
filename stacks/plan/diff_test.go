package plan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

// res is a hand-made plan step.
func res(typ, name string, inputs map[string]any) Step {
	urn := "urn:pulumi:dev::workshop::" + typ + "::" + name
	if inputs == nil {
		inputs = map[string]any{}
	}
	return Step{Op: "create", URN: urn, NewState: State{Type: typ, URN: urn, Custom: true, Inputs: inputs, Dependencies: []string{}}}
}

func rules(t *testing.T) Replacements {
	t.Helper()
	r, err := LoadReplacements()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func find(t *testing.T, changes []Change, name string) Change {
	t.Helper()
	for _, c := range changes {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no change for %s in %+v", name, changes)
	return Change{}
}

func TestCompareSortsKindsAndFindsPaths(t *testing.T) {
	protected := res("aws:s3/bucketV2:BucketV2", "state", nil)
	protected.NewState.Protect = true
	old := Plan{Steps: []Step{
		res("aws:eks/nodeGroup:NodeGroup", "app-default", map[string]any{
			"instanceTypes": []any{"t3.small"},
			"scalingConfig": map[string]any{"desiredSize": 3.0, "maxSize": 9.0},
			"tags":          map[string]any{"kubernetes.io/cluster/hello-dev-app": "owned"},
		}),
		res("aws:iam/role:Role", "lb", map[string]any{"name": "hello-dev-lb", "path": "/"}),
		res("aws:ec2/vpc:Vpc", "app", map[string]any{"cidrBlock": "10.0.0.0/16"}),
		protected,
	}}
	new := Plan{Steps: []Step{
		res("aws:eks/nodeGroup:NodeGroup", "app-default", map[string]any{
			"instanceTypes": []any{"t3.small"},
			"scalingConfig": map[string]any{"desiredSize": 4.0, "maxSize": 9.0},
			"tags":          map[string]any{"kubernetes.io/cluster/hello-dev-app": "owned", "example.com/team": "platform"},
		}),
		res("aws:iam/role:Role", "lb", map[string]any{"name": "hello-dev-lb2", "path": "/"}),
		res("aws:ec2/vpc:Vpc", "app", map[string]any{"cidrBlock": "10.0.0.0/16"}),
		res("aws:ec2/eip:Eip", "nat-b", map[string]any{"domain": "vpc"}),
	}}
	changes := Compare(old, new, rules(t))
	var kinds []string
	for _, c := range changes {
		kinds = append(kinds, c.Kind.String()+" "+c.Name)
	}
	if got, want := strings.Join(kinds, ", "), "replace lb, remove state, change app-default, add nat-b"; got != want {
		t.Fatalf("changes %q, want %q", got, want)
	}
	ng := find(t, changes, "app-default")
	var paths []string
	for _, in := range ng.Inputs {
		paths = append(paths, in.Path.String())
	}
	if got, want := strings.Join(paths, " "), `scalingConfig.desiredSize tags["example.com/team"]`; got != want {
		t.Errorf("node group paths %q, want %q", got, want)
	}
	if role := find(t, changes, "lb"); !role.Inputs[0].Forces || role.Inputs[0].Old != "hello-dev-lb" || role.Inputs[0].New != "hello-dev-lb2" {
		t.Errorf("role change %+v", role.Inputs)
	}
	if !find(t, changes, "state").Protect {
		t.Error("the removed bucket's protection is lost")
	}
}

// Replacement comes from the provider's facts in replacements.json, per type.
func TestReplacementRules(t *testing.T) {
	r := rules(t)
	cases := []struct {
		typ  string
		path Path
		want bool
	}{
		{"aws:eks/nodeGroup:NodeGroup", Path{"instanceTypes", "[0]"}, true},
		{"aws:eks/nodeGroup:NodeGroup", Path{"scalingConfig", "desiredSize"}, false},
		{"aws:eks/nodeGroup:NodeGroup", Path{"launchTemplate", "id"}, true},
		{"aws:eks/nodeGroup:NodeGroup", Path{"launchTemplate", "version"}, false},
		{"aws:eks/podIdentityAssociation:PodIdentityAssociation", Path{"serviceAccount"}, true},
		{"aws:eks/podIdentityAssociation:PodIdentityAssociation", Path{"roleArn"}, false},
		{"aws:iam/role:Role", Path{"assumeRolePolicy"}, false},
		{"aws:ec2/subnet:Subnet", Path{"cidrBlock"}, true},
		{"aws:ec2/subnet:Subnet", Path{"mapPublicIpOnLaunch"}, false},
		{"eks:index:Cluster", Path{"ipFamily"}, true},
		{"kubernetes:batch/v1:Job", Path{"spec", "template", "spec", "containers", "[0]", "image"}, true},
		{"kubernetes:apps/v1:Deployment", Path{"spec", "template", "spec", "containers", "[0]", "image"}, false},
		{"kubernetes:apps/v1:Deployment", Path{"spec", "selector", "matchLabels", "app"}, true},
		{"kubernetes:apps/v1:StatefulSet", Path{"spec", "volumeClaimTemplates", "[0]", "spec", "resources"}, true},
		{"kubernetes:core/v1:ConfigMap", Path{"data", "gate.yml"}, true},
		{"kubernetes:core/v1:Namespace", Path{"metadata", "name"}, true},
		{"kubernetes:core/v1:Namespace", Path{"metadata", "labels", "team"}, false},
		{"kubernetes:core/v1:Service", Path{"spec", "ports", "[0]", "port"}, false},
		// not covered: no replacement is claimed
		{"aws:s3/bucketV2:BucketV2", Path{"bucket"}, false},
	}
	for _, c := range cases {
		t.Run(c.typ+" "+c.path.String(), func(t *testing.T) {
			if got := r.Forces(c.typ, c.path); got != c.want {
				t.Errorf("Forces = %v, want %v", got, c.want)
			}
		})
	}
}

func TestCompareMasksSecrets(t *testing.T) {
	old := Plan{Steps: []Step{
		res("kubernetes:core/v1:Secret", "admin", map[string]any{"stringData": map[string]any{"password": "hunter2-old"}}),
		res("pulumi:providers:kubernetes", "app", map[string]any{"kubeconfig": "[secret]"}),
	}}
	new := Plan{Steps: []Step{
		res("kubernetes:core/v1:Secret", "admin", map[string]any{"stringData": map[string]any{"password": "[secret]"}}),
		res("pulumi:providers:kubernetes", "app", map[string]any{"kubeconfig": "[secret]"}),
	}}
	changes := Compare(old, new, rules(t))
	if len(changes) != 1 {
		t.Fatalf("want only the secret to change, got %+v", changes)
	}
	md := DiffMarkdown("dev", changes, "", nil, DefaultBudget)
	if strings.Contains(md, "hunter2") {
		t.Errorf("a secret value leaked:\n%s", md)
	}
	if !strings.Contains(md, `- stringData.password: "[secret]"`) || !strings.Contains(md, `+ stringData.password: "[secret]"`) {
		t.Errorf("secret change not shown masked:\n%s", md)
	}
}

// A policy is a JSON document in a string: the diff names the statement.
func TestCompareLooksInsideJSONDocuments(t *testing.T) {
	policy := func(action string) string {
		return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["%s"],"Resource":"*"}]}`, action)
	}
	old := Plan{Steps: []Step{res("aws:iam/rolePolicy:RolePolicy", "fis", map[string]any{"policy": policy("ec2:TerminateInstances")})}}
	new := Plan{Steps: []Step{res("aws:iam/rolePolicy:RolePolicy", "fis", map[string]any{"policy": policy("ec2:*")})}}
	changes := Compare(old, new, rules(t))
	if len(changes) != 1 || len(changes[0].Inputs) != 1 {
		t.Fatalf("changes %+v", changes)
	}
	if got := changes[0].Inputs[0].Path.String(); got != "policy » Statement[0].Action[0]" {
		t.Errorf("path %q", got)
	}
}

func TestDiffMarkdownShape(t *testing.T) {
	old := Plan{Steps: []Step{
		res("aws:iam/role:Role", "lb", map[string]any{"name": "a"}),
		res("kubernetes:core/v1:ConfigMap", "gate", map[string]any{"data": map[string]any{"gate.yml": "server:\n  port: 8084\nredis:\n  enabled: true\n"}}),
		res("aws:eks/addon:Addon", "coredns", map[string]any{"addonVersion": "v1.12.1-eksbuild.1", "serviceAccountRoleArn": "arn:aws:iam::123456789012:role/x"}),
	}}
	new := Plan{Steps: []Step{
		res("aws:iam/role:Role", "lb", map[string]any{"name": "b"}),
		res("kubernetes:core/v1:ConfigMap", "gate", map[string]any{"data": map[string]any{"gate.yml": "server:\n  port: 8085\nredis:\n  enabled: true\n"}}),
		res("aws:eks/addon:Addon", "coredns", map[string]any{"addonVersion": "v1.12.1-eksbuild.1", "serviceAccountRoleArn": mockcloud.UnknownMarker}),
	}}
	md := DiffMarkdown("dev", Compare(old, new, rules(t)), "**Cost:** $0.10/hour → $0.10/hour (no change)", nil, DefaultBudget)
	lines := strings.Split(md, "\n")
	wantFirst := "**`dev`**: **+0 to add** · **~1 to change** (`aws:eks/addon:Addon` 1) · **±2 to replace** (`aws:iam/role:Role` 1, `kubernetes:core/v1:ConfigMap` 1) · **−0 to remove**"
	if lines[0] != wantFirst {
		t.Errorf("first line\n%s\nwant\n%s", lines[0], wantFirst)
	}
	for _, want := range []string{
		"! aws:iam/role:Role lb   (replace: name forces it)",
		`- name: "a"  # forces replacement`,
		`+ name: "b"  # forces replacement`,
		`~ data["gate.yml"]:  # forces replacement`,
		"-       port: 8084",
		"+       port: 8085",
		`+ serviceAccountRoleArn: (known after apply)`,
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "enabled: true") {
		t.Errorf("unchanged lines of a config file shown:\n%s", md)
	}
	if strings.Index(md, "aws:iam/role:Role lb") > strings.Index(md, "aws:eks/addon:Addon coredns") {
		t.Error("replacements are not listed before updates")
	}
}

// 3,000 roles each with a changed policy make a diff of megabytes: the
// comment keeps the summary of all of them and says what it left out.
func TestLongDiffIsTrimmed(t *testing.T) {
	var old, new Plan
	for i := range 3000 {
		name := fmt.Sprintf("role-%04d", i)
		old.Steps = append(old.Steps, res("aws:iam/rolePolicy:RolePolicy", name, map[string]any{"policy": strings.Repeat("a", 150), "role": name}))
		new.Steps = append(new.Steps, res("aws:iam/rolePolicy:RolePolicy", name, map[string]any{"policy": strings.Repeat("b", 150), "role": name}))
	}
	new.Steps = append(new.Steps, res("aws:iam/role:Role", "extra", map[string]any{"name": "extra"}))
	changes := Compare(old, new, rules(t))
	for _, budget := range []int{DefaultBudget, 5000} {
		t.Run(fmt.Sprint(budget), func(t *testing.T) {
			md := DiffMarkdown("dev", changes, "**Cost:** $1.00/hour → $1.00/hour (no change)", []string{"unconfirmed prices used"}, budget)
			if len(md) > budget {
				t.Fatalf("%d characters, budget %d", len(md), budget)
			}
			if !strings.HasPrefix(md, "**`dev`**: **+1 to add** (`aws:iam/role:Role` 1) · **~3000 to change** (`aws:iam/rolePolicy:RolePolicy` 3000)") {
				t.Errorf("summary does not count everything: %.200s", md)
			}
			shown := strings.Count(md, "~ aws:iam/rolePolicy:RolePolicy ")
			if shown == 0 || shown >= 3000 || !strings.Contains(md, "**Trimmed**") {
				t.Fatalf("shown %d, trim note missing:\n%.500s", shown, md[len(md)-500:])
			}
			wantLeft := fmt.Sprintf("%d more resources not shown: %d to change (`aws:iam/rolePolicy:RolePolicy` %d); 1 to add (`aws:iam/role:Role` 1)", 3000-shown+1, 3000-shown, 3000-shown)
			if !strings.Contains(md, wantLeft) {
				t.Errorf("trim note lacks %q:\n%s", wantLeft, md[strings.Index(md, "**Trimmed**"):])
			}
		})
	}
}

// The simulated cloud keeps IDs stable, so what takes an input from a
// replaced resource is flagged from the plan's dependencies.
func TestDependentsOfReplacedResourcesAreFlagged(t *testing.T) {
	vpc := func(cidr string) Step { return res("aws:ec2/vpc:Vpc", "app", map[string]any{"cidrBlock": cidr}) }
	subnet := res("aws:ec2/subnet:Subnet", "private-a", map[string]any{"vpcId": "vpc-1"})
	subnet.NewState.Dependencies = []string{vpc("").URN}
	nodes := res("aws:eks/nodeGroup:NodeGroup", "default", map[string]any{"subnetIds": []any{"subnet-1"}})
	nodes.NewState.Dependencies = []string{subnet.URN}
	cluster := res("eks:index:Cluster", "app", map[string]any{"vpcId": "vpc-1"})
	cluster.NewState.Custom, cluster.NewState.Dependencies = false, []string{vpc("").URN}
	network := res("workshop:network:Network", "app", nil)
	network.NewState.Custom, network.NewState.Dependencies = false, []string{vpc("").URN}
	old := Plan{Steps: []Step{vpc("10.0.0.0/16"), subnet, nodes, cluster, network}}
	new := Plan{Steps: []Step{vpc("10.1.0.0/16"), subnet, nodes, cluster, network}}
	dependents := Dependents(Compare(old, new, rules(t)), new)
	var names []string
	for _, d := range dependents {
		names = append(names, d.Type+" "+d.Name)
	}
	if got, want := strings.Join(names, ", "), "aws:ec2/subnet:Subnet private-a, eks:index:Cluster app"; got != want {
		t.Errorf("dependents %q, want %q", got, want)
	}
	if note := DependentsNote(dependents); !strings.HasPrefix(note, "2 more resources take inputs from resources this change replaces") {
		t.Errorf("note %q", note)
	}
}

// Pulumi keeps what ignoreChanges names on update (the node group's desired
// size, which cluster-autoscaler owns): no change shows there.
func TestIgnoredInputsDoNotChange(t *testing.T) {
	nodes := func(desired, max float64) Step {
		s := res("aws:eks/nodeGroup:NodeGroup", "default", map[string]any{"scalingConfig": map[string]any{"desiredSize": desired, "maxSize": max}})
		s.NewState.IgnoreChanges = []string{"scalingConfig.desiredSize"}
		return s
	}
	changes := Compare(Plan{Steps: []Step{nodes(3, 9)}}, Plan{Steps: []Step{nodes(4, 12)}}, rules(t))
	if len(changes) != 1 || len(changes[0].Inputs) != 1 || changes[0].Inputs[0].Path.String() != "scalingConfig.maxSize" {
		t.Errorf("changes %+v", changes)
	}
	if changes := Compare(Plan{Steps: []Step{nodes(3, 9)}}, Plan{Steps: []Step{nodes(4, 9)}}, rules(t)); len(changes) != 0 {
		t.Errorf("an ignored input shows as a change: %+v", changes)
	}
}
