package settings

import (
	"encoding/json"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const albHost = `(internal-)?hello-dev-cd-[0-9]+\.ap-northeast-2\.elb\.amazonaws\.com`

func example() Settings {
	return Settings{
		Version: "2026.2.3", Namespace: "spinnaker", Services: DefaultServices(),
		RedisURL: "redis://spin-redis.spinnaker:6379",
		SQL:      SQL{Host: "spin-mysql.spinnaker", Port: 3306, User: "spinnaker", Password: "dbSecret1"},
		Kubernetes: []KubernetesAccount{{Name: "eks", Context: "eks", KubeconfigContents: "apiVersion: v1\nkind: Config\n",
			Namespaces: []string{"hello-dev"}}},
		AWS:         []AWSAccount{{Name: "ec2", AccountID: "123456789012", AssumeRole: "arn:aws:iam::123456789012:role/managed", Regions: []string{"ap-northeast-2"}}},
		S3Artifacts: []S3ArtifactAccount{{Name: "platform", Region: "ap-northeast-2"}},
		CodeBuild:   []CodeBuildAccount{{Name: "platform", AccountID: "123456789012", AssumeRole: "arn:aws:iam::123456789012:role/managed", Region: "ap-northeast-2"}},
		DeckURL:     "http://localhost:9000", GateURL: "http://localhost:8084/api/v1", IngressHost: albHost,
		AdminPassword: "adminSecret1",
	}
}

func parse(t *testing.T, text string) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// get walks a path such as "kubernetes.accounts.0.name"; a missing key is nil.
func get(doc any, path string) any {
	cur := doc
	for _, part := range strings.Split(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			cur = v[part]
		case []any:
			i := int(part[0] - '0')
			if i >= len(v) {
				return nil
			}
			cur = v[i]
		default:
			return nil
		}
	}
	return cur
}

// TestUpstreamPropertyNames reads each rendered file back and checks the keys
// the services bind, as upstream names them:
//   - clouddriver: kubernetes accounts (clouddriver-kubernetes/.../KubernetesAccountProperties.java),
//     aws.accounts and aws.defaultRegions (clouddriver-aws/.../security/config/CredentialsConfig.java,
//     bound under "aws" in AmazonCredentialsInitializer.java), artifacts.s3 (S3ArtifactProviderProperties.java),
//     sql (spinnaker-kustomize/components/mysql/files/clouddriver.yml);
//   - orca and front50: sql.connectionPools (kork/kork-sql/.../SqlProperties.kt: connectionPool is deprecated);
//   - igor: codebuild (igor-web/.../config/AwsCodeBuildProperties.java);
//   - gate: services.deck.redirect-host-pattern (gate-web/.../controllers/AuthController.groovy),
//     cors.allowed-origins-pattern (gate-web/.../config/GateCorsConfig.java).
//
// A nil value means the key must be absent: primaryAccount is read by no
// main code of clouddriver (only its integration tests), and orca's
// connectionPool is the deprecated form.
func TestUpstreamPropertyNames(t *testing.T) {
	files := example().Files()
	docs := map[string]map[string]any{}
	for _, name := range []string{"clouddriver-local.yml", "igor-local.yml", "front50-local.yml", "orca-local.yml", "gate-local.yml", "spinnaker.yml"} {
		docs[name] = parse(t, files[name])
	}
	for _, w := range []struct {
		file, path string
		want       any
	}{
		{"clouddriver-local.yml", "kubernetes.enabled", true},
		{"clouddriver-local.yml", "kubernetes.accounts.0.name", "eks"},
		{"clouddriver-local.yml", "kubernetes.accounts.0.context", "eks"},
		{"clouddriver-local.yml", "kubernetes.accounts.0.kubeconfigContents", "apiVersion: v1\nkind: Config\n"},
		{"clouddriver-local.yml", "kubernetes.accounts.0.namespaces.0", "hello-dev"},
		{"clouddriver-local.yml", "kubernetes.primaryAccount", nil},
		{"clouddriver-local.yml", "aws.enabled", true},
		{"clouddriver-local.yml", "aws.accounts.0.name", "ec2"},
		{"clouddriver-local.yml", "aws.accounts.0.accountId", "123456789012"},
		{"clouddriver-local.yml", "aws.accounts.0.assumeRole", "arn:aws:iam::123456789012:role/managed"},
		{"clouddriver-local.yml", "aws.accounts.0.regions.0.name", "ap-northeast-2"},
		{"clouddriver-local.yml", "aws.defaultRegions.0.name", "ap-northeast-2"},
		{"clouddriver-local.yml", "aws.primaryAccount", nil},
		{"clouddriver-local.yml", "artifacts.s3.enabled", true},
		{"clouddriver-local.yml", "artifacts.s3.accounts.0.name", "platform"},
		{"clouddriver-local.yml", "artifacts.s3.accounts.0.region", "ap-northeast-2"},
		{"clouddriver-local.yml", "sql.enabled", true},
		{"clouddriver-local.yml", "sql.connectionPools.default.jdbcUrl", "jdbc:mysql://spin-mysql.spinnaker:3306/clouddriver?useSSL=false&allowPublicKeyRetrieval=true"},
		{"clouddriver-local.yml", "sql.connectionPools.default.user", "spinnaker"},
		{"clouddriver-local.yml", "sql.connectionPools.default.default", true},
		{"clouddriver-local.yml", "sql.migration.password", "dbSecret1"},
		{"clouddriver-local.yml", "redis.enabled", false},
		{"igor-local.yml", "codebuild.enabled", true},
		{"igor-local.yml", "codebuild.accounts.0.name", "platform"},
		{"igor-local.yml", "codebuild.accounts.0.accountId", "123456789012"},
		{"igor-local.yml", "codebuild.accounts.0.assumeRole", "arn:aws:iam::123456789012:role/managed"},
		{"igor-local.yml", "codebuild.accounts.0.region", "ap-northeast-2"},
		{"front50-local.yml", "spinnaker.s3.enabled", false},
		{"front50-local.yml", "sql.enabled", true},
		{"front50-local.yml", "sql.connectionPools.default.jdbcUrl", "jdbc:mysql://spin-mysql.spinnaker:3306/front50?useSSL=false&allowPublicKeyRetrieval=true"},
		{"orca-local.yml", "sql.connectionPools.default.jdbcUrl", "jdbc:mysql://spin-mysql.spinnaker:3306/orca?useSSL=false&allowPublicKeyRetrieval=true"},
		{"orca-local.yml", "sql.connectionPools.default.default", true},
		{"orca-local.yml", "sql.connectionPool", nil},
		{"orca-local.yml", "sql.migration.user", "spinnaker"},
		{"orca-local.yml", "executionRepository.sql.enabled", true},
		{"orca-local.yml", "executionRepository.redis.enabled", false},
		{"gate-local.yml", "security.basicform.enabled", true},
		{"gate-local.yml", "spring.security.user.name", "admin"},
		{"gate-local.yml", "spring.security.user.password", "adminSecret1"},
		{"gate-local.yml", "server.servlet.context-path", "/api/v1"},
		{"gate-local.yml", "services.deck.baseUrl", "http://localhost:9000"},
		{"gate-local.yml", "services.deck.redirect-host-pattern", "(localhost|" + albHost + ")"},
		{"gate-local.yml", "cors.allowed-origins-pattern", `^(http://localhost:9000|http://(` + albHost + `))$`},
		{"spinnaker.yml", "services.clouddriver.baseUrl", "http://spin-clouddriver.spinnaker:7002"},
		{"spinnaker.yml", "services.gate.baseUrl", "http://spin-gate.spinnaker:8084"},
		{"spinnaker.yml", "services.deck.baseUrl", "http://localhost:9000"},
		{"spinnaker.yml", "services.fiat.enabled", false},
		{"spinnaker.yml", "redis.connection", "redis://spin-redis.spinnaker:6379"},
	} {
		t.Run(w.file+"/"+w.path, func(t *testing.T) {
			if got := get(docs[w.file], w.path); got != w.want {
				t.Errorf("%s = %#v, want %#v", w.path, got, w.want)
			}
		})
	}
}

// TestGateAcceptsDeckHosts: gate redirects after the login only to a host
// its pattern matches in full (Pattern.matcher(host).matches() in
// gate-web/.../controllers/AuthController.groovy), and answers CORS only for
// origins allowed-origins-pattern matches in full (GateOriginValidator.java).
func TestGateAcceptsDeckHosts(t *testing.T) {
	gate := parse(t, example().Files()["gate-local.yml"])
	redirect := regexp.MustCompile("^(?:" + get(gate, "services.deck.redirect-host-pattern").(string) + ")$")
	origins := regexp.MustCompile(get(gate, "cors.allowed-origins-pattern").(string))
	for _, c := range []struct {
		host string
		ok   bool
	}{
		{"localhost", true},
		{"internal-hello-dev-cd-1234567890.ap-northeast-2.elb.amazonaws.com", true},
		{"hello-dev-cd-1234567890.ap-northeast-2.elb.amazonaws.com", true},
		{"other-cd-1234567890.ap-northeast-2.elb.amazonaws.com", false},
		{"hello-dev-cd-1234567890.us-east-1.elb.amazonaws.com", false},
		{"hello-dev-cd-1234567890.ap-northeast-2.elb.amazonaws.com.example.com", false},
		{"example.com", false},
	} {
		t.Run(c.host, func(t *testing.T) {
			if redirect.MatchString(c.host) != c.ok {
				t.Errorf("redirect to %s allowed = %v, want %v", c.host, !c.ok, c.ok)
			}
			origin := "http://" + c.host
			if c.host == "localhost" {
				origin += ":9000"
			}
			if origins.MatchString(origin) != c.ok {
				t.Errorf("CORS for %s allowed = %v, want %v", origin, !c.ok, c.ok)
			}
		})
	}
	noIngress := example()
	noIngress.IngressHost = ""
	gate = parse(t, noIngress.Files()["gate-local.yml"])
	if got := get(gate, "services.deck.redirect-host-pattern"); got != "(localhost)" {
		t.Errorf("without an ingress the redirect pattern is %v", got)
	}
}

func TestALBHost(t *testing.T) {
	if got := ALBHost("hello-dev-cd", "ap-northeast-2"); got != albHost {
		t.Errorf("ALBHost = %s, want %s", got, albHost)
	}
}

// upstreamDeckKeys are the top-level keys of upstream's settings.js
// (spinnaker-kustomize/base/deck/files/settings.js).
var upstreamDeckKeys = []string{"authEnabled", "authEndpoint", "bakeryDetailUrl", "canary", "defaultInstancePort",
	"defaultTimeZone", "feature", "gateUrl", "notifications", "providers", "version"}

// TestDeckSettings: Deck's image copies /opt/spinnaker/config/settings.js
// over its own (deck/docker/run-apache2.sh), whose authEndpoint is its
// default gate host plus /auth/user, without /api/v1
// (deck/packages/app/src/settings.js): so a settings.js of ours must set
// gateUrl and authEndpoint = gateUrl + '/auth/user' for the tunnel and for
// the ALB. With node installed the file is run as a browser would.
func TestDeckSettings(t *testing.T) {
	js, ok := example().Files()[DeckSettings]
	if !ok {
		t.Fatalf("no %s among the files", DeckSettings)
	}
	if !strings.Contains(js, "authEndpoint = gateHost + '/auth/user'") {
		t.Errorf("authEndpoint is not gate's /auth/user:\n%s", js)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed: settings.js not run")
	}
	for _, c := range []struct{ page, gate string }{
		{"http://localhost:9000", "http://localhost:8084/api/v1"},
		{"http://internal-hello-dev-cd-1.ap-northeast-2.elb.amazonaws.com", "http://internal-hello-dev-cd-1.ap-northeast-2.elb.amazonaws.com/api/v1"},
	} {
		t.Run(c.page, func(t *testing.T) {
			got := runDeckSettings(t, node, js, c.page)
			if got["gateUrl"] != c.gate || got["authEndpoint"] != c.gate+"/auth/user" {
				t.Errorf("gateUrl %v, authEndpoint %v; want %s and %s/auth/user", got["gateUrl"], got["authEndpoint"], c.gate, c.gate)
			}
			for _, k := range upstreamDeckKeys {
				if _, ok := got[k]; !ok {
					t.Errorf("settings.js sets no %s", k)
				}
			}
			if got["authEnabled"] != true {
				t.Error("authEnabled is not true")
			}
		})
	}
}

func runDeckSettings(t *testing.T, node, js, page string) map[string]any {
	t.Helper()
	script := `const u = new URL(process.argv[1]);
globalThis.window = {location: {hostname: u.hostname, port: u.port, origin: u.origin}};
eval(require('fs').readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(window.spinnakerSettings));`
	cmd := exec.Command(node, "-e", script, page)
	cmd.Stdin = strings.NewReader(js)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("running settings.js: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestEachServiceReadsItsOwnFiles: a service mounts spinnaker.yml and its
// own file only, so no pod holds another service's passwords, and Deck
// (upstream mounts only its own settings: spinnaker-kustomize/base/deck)
// holds no secret at all.
func TestEachServiceReadsItsOwnFiles(t *testing.T) {
	s := example()
	all := s.Files()
	for _, svc := range DefaultServices() {
		t.Run(svc, func(t *testing.T) {
			for _, f := range ServiceFiles(svc) {
				if _, ok := all[f]; !ok {
					t.Errorf("%s reads %s, which is not rendered", svc, f)
				}
				other, _ := strings.CutSuffix(f, "-local.yml")
				if f != "spinnaker.yml" && f != DeckSettings && other != svc {
					t.Errorf("%s reads %s", svc, f)
				}
				if svc == "deck" && IsSecret(f) {
					t.Errorf("deck reads the secret file %s", f)
				}
			}
		})
	}
	if got := ServiceFiles("deck"); !slices.Equal(got, []string{"settings.js"}) {
		t.Errorf("deck reads %v", got)
	}
}

func TestSecretsStayOutOfPublicFiles(t *testing.T) {
	s := example()
	public, secret := s.PublicFiles(), s.SecretFiles()
	if len(public)+len(secret) != len(s.Files()) {
		t.Fatalf("%d public + %d secret != %d files", len(public), len(secret), len(s.Files()))
	}
	for _, v := range []string{"dbSecret1", "adminSecret1", "kind: Config"} {
		t.Run(v, func(t *testing.T) {
			for name, text := range public {
				if strings.Contains(text, v) {
					t.Errorf("public file %s holds %q", name, v)
				}
			}
		})
	}
	for _, name := range []string{"clouddriver-local.yml", "gate-local.yml", "front50-local.yml", "orca-local.yml"} {
		t.Run(name, func(t *testing.T) {
			if _, ok := secret[name]; !ok {
				t.Errorf("%s should be secret", name)
			}
		})
	}
}

func TestRenderingIsDeterministic(t *testing.T) {
	a, b := example().Files(), example().Files()
	for name := range a {
		if a[name] != b[name] {
			t.Errorf("%s differs between renders", name)
		}
	}
}

func TestValidate(t *testing.T) {
	if err := example().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		want   string
		mutate func(*Settings)
	}{
		{"unknown service", func(s *Settings) { s.Services = append(s.Services, "halyard") }},
		{"no name", func(s *Settings) { s.AWS[0].Name = "" }},
		{"are named", func(s *Settings) { s.CodeBuild = append(s.CodeBuild, s.CodeBuild[0]) }},
		{"keeps its data in SQL", func(s *Settings) { s.SQL.Host = "" }},
		{"needs kubeconfig contents", func(s *Settings) { s.Kubernetes[0].KubeconfigContents = "" }},
		{"needs accountId", func(s *Settings) { s.CodeBuild[0].AssumeRole = "" }},
		{"never served without a login", func(s *Settings) { s.AdminPassword = "" }},
	} {
		t.Run(c.want, func(t *testing.T) {
			s := example()
			c.mutate(&s)
			if err := s.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v", err)
			}
		})
	}
}
