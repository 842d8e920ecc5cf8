package plan

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var day = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

// oldDevPlan is a hand-made earlier plan of dev: the app's node group had
// another name, two nodes and at most six, one Elastic IP did not exist yet,
// and a protected bucket did that the program no longer has.
func oldDevPlan(t *testing.T) string {
	t.Helper()
	p, err := Read(goldenPlan)
	if err != nil {
		t.Fatal(err)
	}
	var old Plan
	eipDropped := false
	for _, s := range p.Steps {
		s.NewState.Inputs = copyInputs(t, s.NewState.Inputs)
		switch {
		case s.NewState.Type == "aws:ec2/eip:Eip" && !eipDropped:
			eipDropped = true
			continue
		case s.NewState.Type == "aws:eks/nodeGroup:NodeGroup" && strings.HasSuffix(s.URN, "::hello-dev-app-default"):
			s.NewState.Inputs["nodeGroupName"] = "hello-dev-app-old"
			s.NewState.Inputs["scalingConfig"].(map[string]any)["desiredSize"] = 2.0
			s.NewState.Inputs["scalingConfig"].(map[string]any)["maxSize"] = 6.0
		}
		old.Steps = append(old.Steps, s)
	}
	gone := res("aws:s3/bucketV2:BucketV2", "hello-dev-reports", map[string]any{"bucket": "hello-dev-reports"})
	gone.NewState.Protect = true
	old.Steps = append(old.Steps, gone)
	b, err := Encode(old)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "old.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func copyInputs(t *testing.T, in map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCommandDiffsAgainstAnEarlierPlan(t *testing.T) {
	var out, errs strings.Builder
	if code := command([]string{"--stack", "dev", "--dir", "../..", "--diff", oldDevPlan(t)}, &out, &errs, day); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	md := out.String()
	first, _, _ := strings.Cut(md, "\n")
	if want := "**`dev`**: **+1 to add** (`aws:ec2/eip:Eip` 1) · **~0 to change** · **±1 to replace** (`aws:eks/nodeGroup:NodeGroup` 1) · **−1 to remove** (`aws:s3/bucketV2:BucketV2` 1)"; first != want {
		t.Errorf("summary\n%s\nwant\n%s", first, want)
	}
	// The plan creates one more t3.small (0.026) and its 20 GB gp3 root
	// (20 × 0.0912 / 730), one more public address (0.005): +0.0334986 an
	// hour, × 730 a month. The desired size itself shows as no change: the
	// node group ignores it on update.
	for _, want := range []string{
		"**Cost:** $0.7835/hour → $0.8170/hour (**+$0.0335/hour**, +$24.45/month)",
		"! aws:eks/nodeGroup:NodeGroup hello-dev-app-default   (replace: nodeGroupName forces it)",
		`- nodeGroupName: "hello-dev-app-old"  # forces replacement`,
		"+ scalingConfig.maxSize: 9",
		"- aws:s3/bucketV2:BucketV2 hello-dev-reports   (protected: the update will fail until it is unprotected)",
		"+ aws:ec2/eip:Eip hello-dev-app-ap-northeast-2a",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("diff lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "desiredSize") {
		t.Errorf("an ignored input shows as changed:\n%s", md)
	}
}

func TestCommandPricesTheStackAndAWorkshop(t *testing.T) {
	var out, errs strings.Builder
	if code := command([]string{"--stack", "dev", "--dir", "../..", "--cost", "--attendees", "20"}, &out, &errs, day); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	md := out.String()
	if !strings.HasPrefix(md, "**`dev`** runs at about **$0.8170/hour**") {
		t.Errorf("head %.120s", md)
	}
	if !strings.Contains(md, "**A one-day workshop for 20 attendees** (one stack each, up for 24 hours)") {
		t.Errorf("no workshop:\n%s", md)
	}
	for _, topology := range Topologies {
		row := "| " + topology.Name + " | "
		i := strings.Index(md, row)
		if i < 0 {
			t.Errorf("no row for %s", topology.Name)
			continue
		}
		cells := strings.Split(strings.SplitN(md[i:], "\n", 2)[0], " | ")
		perHour, total := parseUSD(t, cells[1]), parseUSD(t, cells[2])
		if d := perHour*24*20 - total; d > 0.01*24*20 || d < -0.01*24*20 {
			t.Errorf("%s: %s/hour for 20 attendees over 24 hours is not %s", topology.Name, cells[1], cells[2])
		}
	}
}

func parseUSD(t *testing.T, s string) float64 {
	t.Helper()
	var v float64
	if _, err := fmt.Sscanf(strings.TrimPrefix(strings.TrimSpace(s), "$"), "%g", &v); err != nil {
		t.Fatalf("%q is not an amount: %v", s, err)
	}
	return v
}

func TestCommandRefusesBadFlags(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"diff and cost", []string{"--stack", "dev", "--diff", "x.json", "--cost"}, 2, "pick one"},
		{"budget too small", []string{"--stack", "dev", "--diff", "x.json", "--max-chars", "100"}, 2, "--max-chars must be at least 2000, got 100"},
		{"no attendees", []string{"--stack", "dev", "--cost", "--attendees", "0"}, 2, "--attendees must be at least 1, got 0"},
		{"old plan missing", []string{"--stack", "dev", "--dir", "../..", "--diff", "missing.json"}, 1, "reading plan"},
		{"old file not a plan", []string{"--stack", "dev", "--dir", "../..", "--diff", "../../Pulumi.yaml"}, 1, "is not a plan printed by `go run . plan`"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errs strings.Builder
			if code := command(c.args, &out, &errs, day); code != c.code || !strings.Contains(errs.String(), c.want) || out.Len() != 0 {
				t.Errorf("exit %d, stderr %q, stdout %d bytes; want exit %d and %q", code, errs.String(), out.Len(), c.code, c.want)
			}
		})
	}
}
