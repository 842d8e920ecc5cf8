package settings

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func example() Settings {
	return Settings{
		Version: "2026.2.3", Namespace: "spinnaker", Services: DefaultServices(),
		RedisURL: "redis://spin-redis.spinnaker:6379",
		SQL: SQL{Host: "spin-mysql.spinnaker", Port: 3306, User: "spinnaker", Password: "dbSecret1",
			Databases: map[string]string{"clouddriver": "clouddriver", "front50": "front50", "orca": "orca"}},
		Kubernetes:  []KubernetesAccount{{Name: "eks", Context: "eks", KubeconfigContents: "apiVersion: v1\nkind: Config\n", Namespaces: []string{"hello-dev"}}},
		AWS:         []AWSAccount{{Name: "ec2", AccountID: "123456789012", AssumeRole: "arn:aws:iam::123456789012:role/managed", Regions: []string{"ap-northeast-2"}}},
		S3Artifacts: []S3ArtifactAccount{{Name: "platform", Region: "ap-northeast-2"}},
		CodeBuild:   []CodeBuildAccount{{Name: "platform", AccountID: "123456789012", AssumeRole: "arn:aws:iam::123456789012:role/managed", Region: "ap-northeast-2"}},
		DeckURL:     "http://localhost:9000", GateURL: "http://localhost:8084/api/v1", AdminPassword: "adminSecret1",
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

// get walks a path such as "kubernetes.accounts.0.name".
func get(t *testing.T, doc any, path string) any {
	t.Helper()
	cur := doc
	for _, part := range strings.Split(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			cur = v[part]
		case []any:
			i := int(part[0] - '0')
			if i >= len(v) {
				t.Fatalf("%s: index %d out of range", path, i)
			}
			cur = v[i]
		default:
			t.Fatalf("%s: nothing at %s", path, part)
		}
	}
	return cur
}

func TestUpstreamPropertyNames(t *testing.T) {
	files := example().Files()
	cd := parse(t, files["clouddriver-local.yml"])
	igor := parse(t, files["igor-local.yml"])
	front50 := parse(t, files["front50-local.yml"])
	orca := parse(t, files["orca-local.yml"])
	gate := parse(t, files["gate-local.yml"])
	shared := parse(t, files["spinnaker.yml"])
	want := []struct {
		doc  map[string]any
		path string
		val  any
	}{
		{cd, "kubernetes.enabled", true},
		{cd, "kubernetes.accounts.0.name", "eks"},
		{cd, "kubernetes.accounts.0.context", "eks"},
		{cd, "kubernetes.accounts.0.kubeconfigContents", "apiVersion: v1\nkind: Config\n"},
		{cd, "kubernetes.accounts.0.namespaces.0", "hello-dev"},
		{cd, "aws.enabled", true},
		{cd, "aws.accounts.0.name", "ec2"},
		{cd, "aws.accounts.0.accountId", "123456789012"},
		{cd, "aws.accounts.0.assumeRole", "arn:aws:iam::123456789012:role/managed"},
		{cd, "aws.accounts.0.regions.0.name", "ap-northeast-2"},
		{cd, "artifacts.s3.enabled", true},
		{cd, "artifacts.s3.accounts.0.name", "platform"},
		{cd, "sql.enabled", true},
		{cd, "sql.connectionPools.default.jdbcUrl", "jdbc:mysql://spin-mysql.spinnaker:3306/clouddriver?useSSL=false&allowPublicKeyRetrieval=true"},
		{cd, "sql.connectionPools.default.user", "spinnaker"},
		{cd, "sql.migration.password", "dbSecret1"},
		{cd, "redis.enabled", false},
		{igor, "codebuild.enabled", true},
		{igor, "codebuild.accounts.0.name", "platform"},
		{igor, "codebuild.accounts.0.accountId", "123456789012"},
		{igor, "codebuild.accounts.0.assumeRole", "arn:aws:iam::123456789012:role/managed"},
		{igor, "codebuild.accounts.0.region", "ap-northeast-2"},
		{front50, "spinnaker.s3.enabled", false},
		{front50, "sql.enabled", true},
		{front50, "sql.connectionPools.default.jdbcUrl", "jdbc:mysql://spin-mysql.spinnaker:3306/front50?useSSL=false&allowPublicKeyRetrieval=true"},
		{orca, "sql.connectionPool.jdbcUrl", "jdbc:mysql://spin-mysql.spinnaker:3306/orca?useSSL=false&allowPublicKeyRetrieval=true"},
		{orca, "executionRepository.sql.enabled", true},
		{orca, "executionRepository.redis.enabled", false},
		{gate, "security.basicform.enabled", true},
		{gate, "spring.security.user.name", "admin"},
		{gate, "spring.security.user.password", "adminSecret1"},
		{gate, "server.servlet.context-path", "/api/v1"},
		{gate, "cors.allowed-origins-pattern", `^(http://localhost:9000|https?://[^/]+\.elb\.amazonaws\.com)$`},
		{shared, "services.clouddriver.baseUrl", "http://spin-clouddriver.spinnaker:7002"},
		{shared, "services.gate.baseUrl", "http://spin-gate.spinnaker:8084"},
		{shared, "services.deck.baseUrl", "http://localhost:9000"},
		{shared, "services.fiat.enabled", false},
		{shared, "redis.connection", "redis://spin-redis.spinnaker:6379"},
	}
	for _, w := range want {
		if got := get(t, w.doc, w.path); got != w.val {
			t.Errorf("%s = %#v, want %#v", w.path, got, w.val)
		}
	}
	if !strings.Contains(files["settings-local.js"], "'9000' ? 'http://localhost:8084/api/v1' : window.location.origin + '/api/v1'") {
		t.Errorf("deck settings: %s", files["settings-local.js"])
	}
}

func TestSecretsStayOutOfPublicFiles(t *testing.T) {
	s := example()
	public, secret := s.PublicFiles(), s.SecretFiles()
	if len(public)+len(secret) != len(s.Files()) {
		t.Fatalf("%d public + %d secret != %d files", len(public), len(secret), len(s.Files()))
	}
	for name, text := range public {
		for _, v := range []string{"dbSecret1", "adminSecret1", "kind: Config"} {
			if strings.Contains(text, v) {
				t.Errorf("public file %s holds %q", name, v)
			}
		}
	}
	for _, name := range []string{"clouddriver-local.yml", "gate-local.yml", "front50-local.yml", "orca-local.yml"} {
		if _, ok := secret[name]; !ok {
			t.Errorf("%s should be secret", name)
		}
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
	cases := map[string]func(*Settings){
		"unknown service":              func(s *Settings) { s.Services = append(s.Services, "halyard") },
		"no name":                      func(s *Settings) { s.AWS[0].Name = "" },
		"are named":                    func(s *Settings) { s.CodeBuild = append(s.CodeBuild, s.CodeBuild[0]) },
		"keeps its data in SQL":        func(s *Settings) { s.SQL.Host = "" },
		"needs kubeconfig contents":    func(s *Settings) { s.Kubernetes[0].KubeconfigContents = "" },
		"needs accountId":              func(s *Settings) { s.CodeBuild[0].AssumeRole = "" },
		"never served without a login": func(s *Settings) { s.AdminPassword = "" },
	}
	for want, mutate := range cases {
		s := example()
		s.AWS = append([]AWSAccount(nil), s.AWS...)
		s.CodeBuild = append([]CodeBuildAccount(nil), s.CodeBuild...)
		s.Kubernetes = append([]KubernetesAccount(nil), s.Kubernetes...)
		mutate(&s)
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v", want, err)
		}
	}
}
