package addons

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// agentConfig is the part of the agent's JSON configuration that opens ports.
type agentConfig struct {
	Agent struct {
		Config struct {
			Logs struct {
				Collected map[string]json.RawMessage `json:"metrics_collected"`
			} `json:"logs"`
			Traces struct {
				Collected struct {
					AppSignals *struct{} `json:"application_signals"`
					OTLP       *struct {
						GRPC string `json:"grpc_endpoint"`
						HTTP string `json:"http_endpoint"`
					} `json:"otlp"`
					XRay *struct {
						Bind     string `json:"bind_address"`
						TCPProxy *struct {
							Bind string `json:"bind_address"`
						} `json:"tcp_proxy"`
					} `json:"xray"`
				} `json:"traces_collected"`
			} `json:"traces"`
		} `json:"config"`
	} `json:"agent"`
}

// listeners are the sockets the agent opens for a configuration, with the
// defaults of amazon-cloudwatch-agent's translator:
// translator/translate/otel/receiver/otlp/translator.go (127.0.0.1:4317 and
// :4318 unless set; only the endpoints set when one is),
// translator/translate/otel/receiver/awsxray/translator.go (UDP and its TCP
// sampling proxy both 127.0.0.1:2000 unless set),
// translator/translate/otel/extension/awsproxy/translator.go (Application
// Signals' proxy on 0.0.0.0:2000 TCP) and the Application Signals OTLP
// receivers on 0.0.0.0:4315 and :4316.
func listeners(c agentConfig) []string {
	var out []string
	or := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	tc := c.Agent.Config.Traces.Collected
	if o := tc.OTLP; o != nil {
		if o.GRPC == "" && o.HTTP == "" {
			o.GRPC, o.HTTP = "127.0.0.1:4317", "127.0.0.1:4318"
		}
		for _, e := range []string{o.GRPC, o.HTTP} {
			if e != "" {
				out = append(out, "tcp/"+e)
			}
		}
	}
	if x := tc.XRay; x != nil {
		out = append(out, "udp/"+or(x.Bind, "127.0.0.1:2000"))
		proxy := ""
		if x.TCPProxy != nil {
			proxy = x.TCPProxy.Bind
		}
		out = append(out, "tcp/"+or(proxy, "127.0.0.1:2000"))
	}
	if tc.AppSignals != nil {
		out = append(out, "tcp/0.0.0.0:2000", "tcp/0.0.0.0:4315", "tcp/0.0.0.0:4316")
	}
	return out
}

// TestCloudWatchAgentListensForPods: the agent's OTLP and X-Ray receivers
// bind 127.0.0.1 by default, where pods calling
// cloudwatch-agent.amazon-cloudwatch are refused; upstream's chart binds
// 0.0.0.0 so other pods reach them (aws-observability/helm-charts
// charts/amazon-cloudwatch-observability/templates/_helpers.tpl,
// build-config-default-otel). Every port opens once: a second TCP listener on
// a port already bound to 0.0.0.0 fails with "address already in use".
func TestCloudWatchAgentListensForPods(t *testing.T) {
	addon := eksAddonNamed(mustBuild(t, Flags{CloudWatchObservability: true}).cloud, "amazon-cloudwatch-observability")
	var cfg agentConfig
	if err := json.Unmarshal([]byte(addon.String("configurationValues")), &cfg); err != nil {
		t.Fatalf("configuration values: %v", err)
	}
	got := listeners(cfg)
	for _, want := range []string{"tcp/0.0.0.0:4317", "tcp/0.0.0.0:4318", "udp/0.0.0.0:2000", "tcp/0.0.0.0:2000"} {
		if !slices.Contains(got, want) {
			t.Errorf("the agent does not listen on %s for other pods (listens on %v)", want, got)
		}
	}
	ports := map[string]int{}
	for _, l := range got {
		proto, addr, _ := strings.Cut(l, "/")
		ports[fmt.Sprintf("%s %s", proto, addr[strings.LastIndexByte(addr, ':'):])]++
	}
	for p, n := range ports {
		if n > 1 {
			t.Errorf("%d receivers bind %s: all but the first fail", n, p)
		}
	}
	if _, ok := cfg.Agent.Config.Logs.Collected["kubernetes"]; !ok {
		t.Error("Container Insights is not collected")
	}
}

// TestContainerInsightsLogGroups: the groups Container Insights writes to,
// each created with a retention before the agent would create it without one:
// application, dataplane and host from Fluent Bit's outputs
// (aws-observability/helm-charts charts/amazon-cloudwatch-observability/
// values.yaml, log_group_name; host and dataplane read the systemd journal
// since chart 4.8.0, commit b07c797, which AL2023 nodes write) and
// performance from the agent (amazon-cloudwatch-agent
// translator/tocwconfig/sampleConfig/base_container_insights_config.yaml).
func TestContainerInsightsLogGroups(t *testing.T) {
	b := mustBuild(t, Flags{CloudWatchObservability: true})
	addon := eksAddonNamed(b.cloud, "amazon-cloudwatch-observability")
	var names []string
	for _, g := range b.cloud.OfType("aws:cloudwatch/logGroup:LogGroup") {
		names = append(names, g.String("name"))
		if !contains(addon.Dependencies, g.URN) {
			t.Errorf("log group %s is created after the agent starts writing", g.String("name"))
		}
		if g.Input("retentionInDays") != 3.0 {
			t.Errorf("log group %s keeps logs for %v days", g.String("name"), g.Input("retentionInDays"))
		}
	}
	slices.Sort(names)
	want := []string{"application", "dataplane", "host", "performance"}
	for i := range want {
		want[i] = "/aws/containerinsights/" + clusterName + "/" + want[i]
	}
	if !slices.Equal(names, want) {
		t.Errorf("log groups %v, want %v", names, want)
	}
	assocs := b.cloud.OfType("aws:eks/podIdentityAssociation:PodIdentityAssociation")
	if len(assocs) != 1 || assocs[0].String("namespace") != "amazon-cloudwatch" || assocs[0].String("serviceAccount") != "cloudwatch-agent" ||
		!contains(addon.Dependencies, assocs[0].URN) {
		t.Errorf("associations = %+v", assocs)
	}
}
