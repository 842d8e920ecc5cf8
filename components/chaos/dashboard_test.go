package chaos

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// dashboardMetrics returns every metric and expression of a dashboard
// body's graphs, each with the options map that carries its id.
func dashboardMetrics(t *testing.T, body string) []map[string]any {
	t.Helper()
	var d struct {
		Widgets []struct {
			Properties struct {
				Metrics []any `json:"metrics"`
			} `json:"properties"`
		} `json:"widgets"`
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, w := range d.Widgets {
		for _, m := range w.Properties.Metrics {
			entry := m.([]any)
			opts, _ := entry[len(entry)-1].(map[string]any)
			out = append(out, opts)
		}
	}
	return out
}

// CloudWatch ids: "It can include numbers, letters, an underscore, and must
// start with a lowercase letter" (CloudWatch User Guide, "Using metric math",
// awsdocs/amazon-cloudwatch-user-guide doc_source/using-metric-math.md).
var validID = regexp.MustCompile(`^[a-z][A-Za-z0-9_]*$`)

// TestDashboardMetricIDs: every metric and expression has its own valid id;
// two series with one id break the graph they are in.
func TestDashboardMetricIDs(t *testing.T) {
	body, err := DashboardBody("ap-northeast-2", "hello-dev-app", "hello-dev", "hello-dev-ui", []string{"arn:a"})
	if err != nil {
		t.Fatal(err)
	}
	metrics := dashboardMetrics(t, body)
	if len(metrics) < 8 {
		t.Fatalf("%d metrics; the dashboard graphs four tiers, CPU and three ALB series", len(metrics))
	}
	seen := map[string]bool{}
	for i, opts := range metrics {
		id, _ := opts["id"].(string)
		t.Run(id, func(t *testing.T) {
			switch {
			case !validID.MatchString(id):
				t.Errorf("metric %d: id %q is not a lowercase letter then letters, digits or _", i, id)
			case seen[id]:
				t.Errorf("metric %d: id %q is used twice", i, id)
			}
			seen[id] = true
		})
	}
}

// tokens splits a string as CloudWatch search does: non-alphanumerics
// delimit, and a capital after a lowercase letter or a digit after a
// letter starts a new token; all lowercase.
func tokens(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = nil
		}
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if len(cur) > 0 {
			prev := cur[len(cur)-1]
			if unicode.IsUpper(r) && unicode.IsLower(prev) || unicode.IsDigit(r) != unicode.IsDigit(prev) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

// searchMatches says whether a search term finds a dimension value, by the
// rules of the CloudWatch User Guide, "CloudWatch search expression syntax"
// (awsdocs/amazon-cloudwatch-user-guide doc_source/search-expression-syntax.md):
// a term in double quotes must equal the whole value; otherwise its tokens
// must appear consecutively among the value's.
func searchMatches(term, value string) bool {
	if unquoted, ok := strings.CutPrefix(term, `"`); ok {
		return strings.TrimSuffix(unquoted, `"`) == value
	}
	want, have := tokens(term), tokens(value)
	for i := 0; i+len(want) <= len(have); i++ {
		if slices.Equal(have[i:i+len(want)], want) {
			return true
		}
	}
	return false
}

var loadBalancerTerm = regexp.MustCompile(`LoadBalancer=("[^"]*"|[^\s']+)`)

// TestALBSeriesFindTheLoadBalancer: the LoadBalancer dimension of an ALB's
// metrics is "app/<name>/<id>", the last part of its ARN (Elastic Load
// Balancing User Guide, "CloudWatch metrics for your Application Load
// Balancer", docs.aws.amazon.com/elasticloadbalancing/latest/application/
// load-balancer-cloudwatch-metrics.html); the id is assigned when the
// controller creates it, so every ALB series must find that value from
// the name alone, and not another load balancer's.
func TestALBSeriesFindTheLoadBalancer(t *testing.T) {
	body, err := DashboardBody("ap-northeast-2", "hello-dev-app", "hello-dev", "hello-dev-ui", nil)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, opts := range dashboardMetrics(t, body) {
		expr, _ := opts["expression"].(string)
		if !strings.Contains(expr, "AWS/ApplicationELB") {
			continue
		}
		found++
		t.Run(opts["id"].(string), func(t *testing.T) {
			m := loadBalancerTerm.FindStringSubmatch(expr)
			if m == nil {
				t.Fatalf("%s names no LoadBalancer", expr)
			}
			if !searchMatches(m[1], "app/hello-dev-ui/50dc6c495c0c9188") {
				t.Errorf("LoadBalancer=%s does not find app/hello-dev-ui/50dc6c495c0c9188", m[1])
			}
			if searchMatches(m[1], "app/hello-prod-ui/50dc6c495c0c9188") {
				t.Errorf("LoadBalancer=%s finds another stack's load balancer", m[1])
			}
		})
	}
	if found != 3 {
		t.Errorf("%d ALB series, want 5xx from the ELB and the targets, and p99 latency", found)
	}
}

// TestSearchMatches checks the emulation against the guide's own examples.
func TestSearchMatches(t *testing.T) {
	cases := []struct {
		term, value string
		want        bool
	}{
		{"count", "CustomCount1", true},
		{"CustomCount", "CustomCount1", true},
		{"customcount", "CustomCount1", false},
		{"couNT", "CustomCount1", false},
		{`"CustomCount1"`, "CustomCount1", true},
		{`"Custom"`, "CustomCount1", false},
		{"network/errors", "Network-Errors-2", true},
		{`"Network_Errors_2"`, "Network-Errors-2", false},
	}
	for _, c := range cases {
		t.Run(c.term+" in "+c.value, func(t *testing.T) {
			if got := searchMatches(c.term, c.value); got != c.want {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}
