package plan

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/workshop/spinnaker-modernization/stacks/cost"
)

// The dev stack's running cost, from its committed plan, worked out by hand
// from stacks/cost/prices.json (ap-northeast-2, 730 hours a month) on
// 2026-11-25, when EKS 1.35 is in standard support:
//
//	EKS control planes       2 × 0.10                                 0.2000
//	app nodes                3 × t3.small 0.026                        0.0780
//	platform node            1 × m5.xlarge 0.236                       0.2360
//	NAT gateways             2 × 0.059                                 0.1180
//	public IPv4              2 NAT EIPs + yelb's internet-facing ALB
//	                         in 3 zones = 5 × 0.005                    0.0250
//	ALBs                     Spinnaker (internal) + yelb = 2 × 0.0225  0.0450
//	VPC Lattice service      yelb's HTTPRoute appserver, 1 × 0.0325    0.0325
//	EBS gp3                  3 × 20 + 500 node roots, MySQL 10,
//	                         yelb-db 4, redis 4 = 578 GB × 0.0912/730  0.0722104…
//	per month, over 730 h    2 secrets × 0.40 + 3 KMS keys × 1.00
//	                         + 2 standard alarms (60 s) × 0.10
//	                         + 1 composite × 0.50 + 1 dashboard × 3.00
//	                         = 7.50 / 730                              0.0102739…
//	total                                                              0.8169844…
func TestDevStackCostPerHour(t *testing.T) {
	const want = 0.20 + 3*0.026 + 0.236 + 2*0.059 + 5*0.005 + 2*0.0225 + 0.0325 +
		578*0.0912/730 + (2*0.40+3*1.00+2*0.10+0.50+3.00)/730
	p, err := Read(goldenPlan)
	if err != nil {
		t.Fatal(err)
	}
	prices, err := cost.LoadPrices()
	if err != nil {
		t.Fatal(err)
	}
	e := prices.Estimate(CostResources(p, "ap-northeast-2"), time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	if got := e.PerHour(); math.Abs(got-want) > 1e-9 {
		var lines []string
		for _, l := range e.Lines {
			lines = append(lines, l.What)
		}
		t.Errorf("dev costs $%.7f/hour, the hand calculation $%.7f/hour; priced:\n%s", got, want, strings.Join(lines, "\n"))
	}
	if regions := e.Regions(); len(regions) != 1 || math.Abs(regions["ap-northeast-2"]-want) > 1e-9 {
		t.Errorf("regions %v", regions)
	}
	if md := e.Markdown("dev", prices); !strings.Contains(md, "**$0.8170/hour** ($596.40/month at 730 hours)") {
		t.Errorf("markdown head: %.200s", md)
	}
}
