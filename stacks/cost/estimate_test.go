package cost

import (
	"math"
	"strings"
	"testing"
	"time"
)

const seoul = "ap-northeast-2"

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustPrices(t *testing.T) Prices {
	t.Helper()
	p, err := LoadPrices()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// Each case prices a few hand-made resources; want is worked out by hand
// from prices.json (730 hours a month).
func TestEstimateResources(t *testing.T) {
	nodeGroup := []Resource{
		{Type: "aws:ec2/launchTemplate:LaunchTemplate", URN: "urn:lt", Region: seoul, Inputs: map[string]any{
			"blockDeviceMappings": []any{map[string]any{"ebs": map[string]any{"volumeSize": 20.0, "volumeType": "gp3"}}},
		}},
		{Type: "aws:eks/nodeGroup:NodeGroup", URN: "urn:pulumi:dev::p::aws:eks/nodeGroup:NodeGroup::app-default", Region: seoul,
			Dependencies: []string{"urn:lt"}, Inputs: map[string]any{
				"instanceTypes": []any{"t3.small"},
				"scalingConfig": map[string]any{"desiredSize": 3.0, "minSize": 1.0, "maxSize": 9.0},
			}},
	}
	publicSubnets := func(zones ...string) []Resource {
		var out []Resource
		for _, z := range zones {
			out = append(out, Resource{Type: "aws:ec2/subnet:Subnet", URN: "urn:subnet-" + z, Region: seoul, Inputs: map[string]any{
				"availabilityZone": z, "tags": map[string]any{"kubernetes.io/role/elb": "1"},
			}})
		}
		return out
	}
	ingress := Resource{Type: "kubernetes:networking.k8s.io/v1:Ingress", URN: "urn:ingress", Region: seoul, Inputs: map[string]any{
		"kind": "Ingress", "metadata": map[string]any{"name": "yelb-ui", "annotations": map[string]any{"alb.ingress.kubernetes.io/scheme": "internet-facing"}},
		"spec": map[string]any{"ingressClassName": "alb"},
	}}
	gp3Class := Resource{Type: "kubernetes:storage.k8s.io/v1:StorageClass", URN: "urn:sc", Region: seoul, Inputs: map[string]any{
		"kind": "StorageClass", "metadata": map[string]any{"name": "gp3"}, "parameters": map[string]any{"type": "gp3"},
	}}
	statefulSet := Resource{Type: "kubernetes:apps/v1:StatefulSet", URN: "urn:sts", Region: seoul, Inputs: map[string]any{
		"kind": "StatefulSet", "metadata": map[string]any{"name": "mysql"},
		"spec": map[string]any{"replicas": 1.0, "volumeClaimTemplates": []any{map[string]any{
			"spec": map[string]any{"storageClassName": "gp3", "resources": map[string]any{"requests": map[string]any{"storage": "10Gi"}}},
		}}},
	}}
	stage := "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: appserver\n---\n" +
		"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: yelb-ui\n  annotations:\n    alb.ingress.kubernetes.io/scheme: internal\nspec:\n  ingressClassName: alb\n"
	cases := []struct {
		name      string
		resources []Resource
		on        string
		perHour   float64
		warning   string
	}{
		{"EKS 1.34 the day before standard support ends", []Resource{{Type: "eks:index:Cluster", URN: "urn:c", Region: seoul, Inputs: map[string]any{"version": "1.34"}}},
			"2026-12-01", 0.10, ""},
		{"EKS 1.34 from the day standard support ends", []Resource{{Type: "eks:index:Cluster", URN: "urn:c", Region: seoul, Inputs: map[string]any{"version": "1.34"}}},
			"2026-12-02", 0.60, ""},
		{"EKS version the calendar does not know", []Resource{{Type: "eks:index:Cluster", URN: "urn:c", Region: seoul, Inputs: map[string]any{"version": "1.36"}}},
			"2026-12-01", 0.10, "no end of standard support known for EKS 1.36"},
		// 3 × 0.026 + 3 × 20 GB × 0.0912 / 730
		{"node group sized from the launch template", nodeGroup, "2026-12-01", 3*0.026 + 60*0.0912/730, "ec2:t3.small (ap-northeast-2)"},
		{"node group of an instance type without a price", []Resource{{Type: "aws:eks/nodeGroup:NodeGroup", URN: "urn:ng", Region: seoul, Inputs: map[string]any{
			"instanceTypes": []any{"m7g.large"}, "scalingConfig": map[string]any{"desiredSize": 2.0},
		}}}, "2026-12-01", 0, "no price for ec2:m7g.large in ap-northeast-2"},
		{"NAT gateway and its Elastic IP", []Resource{
			{Type: "aws:ec2/natGateway:NatGateway", URN: "urn:nat", Region: seoul},
			{Type: "aws:ec2/eip:Eip", URN: "urn:eip", Region: seoul},
		}, "2026-12-01", 0.059 + 0.005, ""},
		// 0.30 / 730 for the 30 s alarm, 0.10 / 730 for the 60 s one, 0.50 / 730 composite, 3 / 730 dashboard
		{"alarms by resolution, composite and dashboard", []Resource{
			{Type: "aws:cloudwatch/metricAlarm:MetricAlarm", URN: "urn:a1", Region: seoul, Inputs: map[string]any{"period": 30.0}},
			{Type: "aws:cloudwatch/metricAlarm:MetricAlarm", URN: "urn:a2", Region: seoul, Inputs: map[string]any{"period": 60.0}},
			{Type: "aws:cloudwatch/compositeAlarm:CompositeAlarm", URN: "urn:a3", Region: seoul},
			{Type: "aws:cloudwatch/dashboard:Dashboard", URN: "urn:d", Region: seoul},
		}, "2026-12-01", (0.30 + 0.10 + 0.50 + 3.00) / 730, "cloudwatch-alarm-high-resolution (all regions)"},
		{"secret and KMS key", []Resource{
			{Type: "aws:secretsmanager/secret:Secret", URN: "urn:s", Region: seoul},
			{Type: "aws:kms/key:Key", URN: "urn:k", Region: seoul},
		}, "2026-12-01", (0.40 + 1.00) / 730, ""},
		// one ALB plus a public address in each of the 3 zones
		{"internet-facing ingress", append(publicSubnets("a", "b", "c"), ingress), "2026-12-01", 0.0225 + 3*0.005, ""},
		{"internet-facing ingress without tagged subnets", []Resource{ingress}, "2026-12-01", 0.0225, "no subnet tagged kubernetes.io/role/elb"},
		// 10 GiB × 0.0912 / 730
		{"StatefulSet claim on a gp3 class", []Resource{gp3Class, statefulSet}, "2026-12-01", 10 * 0.0912 / 730, ""},
		{"StatefulSet claim on a class the plan lacks", []Resource{statefulSet}, "2026-12-01", 10 * 0.0912 / 730, `storage class "gp3" is not in the plan`},
		// stage manifests uploaded twice count once: one Lattice service, one internal ALB
		{"manifests shipped to S3 for the pipeline", []Resource{
			{Type: "aws:s3/bucketObjectv2:BucketObjectv2", URN: "urn:o1", Region: seoul, Inputs: map[string]any{"key": "1.app-v1.yaml", "content": stage}},
			{Type: "aws:s3/bucketObjectv2:BucketObjectv2", URN: "urn:o3", Region: seoul, Inputs: map[string]any{"key": "3.weighted-route.yaml", "content": stage}},
			{Type: "aws:s3/bucketObjectv2:BucketObjectv2", URN: "urn:o4", Region: seoul, Inputs: map[string]any{"key": "README.txt", "content": stage}},
		}, "2026-12-01", 0.0325 + 0.0225, "lattice-service (ap-northeast-2)"},
	}
	prices := mustPrices(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := prices.Estimate(c.resources, day(c.on))
			if !near(e.PerHour(), c.perHour) {
				t.Errorf("per hour = %.10f, want %.10f; lines %+v", e.PerHour(), c.perHour, e.Lines)
			}
			joined := strings.Join(e.Warnings, "\n")
			if c.warning != "" && !strings.Contains(joined, c.warning) {
				t.Errorf("warnings %q lack %q", joined, c.warning)
			}
		})
	}
}

func TestParsePricesRejectsBadEntries(t *testing.T) {
	const kms = `{"item":"kms-key","region":"*","usd":1,"per":"key-month","source":"x","date":"2026-11-25"}`
	doc := func(hoursSource, entries string) string {
		return `{"hoursPerMonth": 730, "hoursPerMonthSource": "` + hoursSource + `", "prices": [` + entries + `]}`
	}
	cases := []struct{ name, doc, want string }{
		{"no source", doc("x", strings.Replace(kms, `"source":"x",`, "", 1)), "no source"},
		{"bad date", doc("x", strings.Replace(kms, "2026-11-25", "25.11.2026", 1)), "is not YYYY-MM-DD"},
		{"zero price", doc("x", strings.Replace(kms, `"usd":1`, `"usd":0`, 1)), "must be positive"},
		{"unit neither hour nor month", doc("x", strings.Replace(kms, "key-month", "key-year", 1)), "must end in -hour or -month"},
		{"listed twice", doc("x", kms+","+kms), "listed twice"},
		{"hours per month without a source", doc("", kms), "have a source"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParsePrices([]byte(c.doc))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// The shipped file holds a price for everything the dev stack runs in its
// region, and says for each whether an AWS page confirmed it.
func TestShippedPricesCoverTheDevRegion(t *testing.T) {
	prices := mustPrices(t)
	for _, item := range []string{"eks-cluster-standard", "eks-cluster-extended", "ec2:t3.small", "ec2:m5.xlarge", "ebs-gp3",
		"nat-gateway", "public-ipv4", "alb", "lattice-service", "secretsmanager-secret", "kms-key",
		"cloudwatch-alarm-standard", "cloudwatch-alarm-high-resolution", "cloudwatch-alarm-composite", "cloudwatch-dashboard"} {
		for _, region := range []string{seoul, "us-east-1"} {
			t.Run(item+"@"+region, func(t *testing.T) {
				if _, ok := prices.Lookup(item, region); !ok {
					t.Errorf("no price")
				}
			})
		}
	}
}
