// Package settings renders Spinnaker's service config files from Go values:
// what Halyard's halconfig produced before upstream removed Halyard. Each
// service reads spinnaker.yml and <service>-local.yml (Spring profile
// "local") from /opt/spinnaker/config.
package settings

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Settings is the configuration of one Spinnaker.
type Settings struct {
	Version     string
	Namespace   string
	Services    []string
	RedisURL    string
	SQL         SQL
	Kubernetes  []KubernetesAccount
	AWS         []AWSAccount
	S3Artifacts []S3ArtifactAccount
	CodeBuild   []CodeBuildAccount
	// DeckURL and GateURL are what a browser uses (through the tunnel).
	DeckURL, GateURL string
	// AdminPassword is gate's basic-form login for user "admin".
	AdminPassword string
}

// SQL is the MySQL store; Databases maps a service to its schema.
type SQL struct {
	Host      string
	Port      int
	User      string
	Password  string
	Databases map[string]string
}

// KubernetesAccount is a clouddriver kubernetes.accounts[] entry.
type KubernetesAccount struct {
	Name                 string   `yaml:"name"`
	Context              string   `yaml:"context"`
	KubeconfigContents   string   `yaml:"kubeconfigContents"`
	Namespaces           []string `yaml:"namespaces,omitempty"`
	OnlySpinnakerManaged bool     `yaml:"onlySpinnakerManaged"`
}

// AWSAccount is a clouddriver aws.accounts[] entry.
type AWSAccount struct {
	Name       string
	AccountID  string
	AssumeRole string
	Regions    []string
}

// S3ArtifactAccount is an artifacts.s3.accounts[] entry.
type S3ArtifactAccount struct {
	Name   string `yaml:"name"`
	Region string `yaml:"region,omitempty"`
}

// CodeBuildAccount is an igor codebuild.accounts[] entry.
type CodeBuildAccount struct {
	Name       string `yaml:"name"`
	AccountID  string `yaml:"accountId"`
	AssumeRole string `yaml:"assumeRole"`
	Region     string `yaml:"region"`
}

var ports = map[string]int{
	"deck": 9000, "gate": 8084, "orca": 8083, "clouddriver": 7002,
	"front50": 8080, "echo": 8089, "igor": 8088, "rosco": 8087,
}

// Ports returns each service's port (upstream defaults).
func Ports() map[string]int {
	out := map[string]int{}
	for k, v := range ports {
		out[k] = v
	}
	return out
}

// DefaultServices are the services the workshop runs, in start order.
func DefaultServices() []string {
	return []string{"clouddriver", "front50", "orca", "echo", "igor", "rosco", "gate", "deck"}
}

// sqlServices keep their state in MySQL.
var sqlServices = []string{"clouddriver", "front50", "orca"}

// Validate names the first problem of every kind it finds.
func (s Settings) Validate() error {
	var errs []error
	if s.Version == "" || s.Namespace == "" {
		errs = append(errs, errors.New("settings: version and namespace are required"))
	}
	for _, svc := range s.Services {
		if _, ok := ports[svc]; !ok {
			errs = append(errs, fmt.Errorf("settings: unknown service %q", svc))
		}
		if slices.Contains(sqlServices, svc) && (s.SQL.Host == "" || s.SQL.Port == 0 || s.SQL.Databases[svc] == "") {
			errs = append(errs, fmt.Errorf("settings: %s keeps its data in SQL but no host, port or database is set for it", svc))
		}
	}
	names := map[string]bool{}
	check := func(kind, name string) {
		if name == "" {
			errs = append(errs, fmt.Errorf("settings: a %s account has no name", kind))
		} else if names[kind+"/"+name] {
			errs = append(errs, fmt.Errorf("settings: two %s accounts are named %q", kind, name))
		}
		names[kind+"/"+name] = true
	}
	for _, a := range s.Kubernetes {
		check("kubernetes", a.Name)
		if a.KubeconfigContents == "" || a.Context == "" {
			errs = append(errs, fmt.Errorf("settings: kubernetes account %q needs kubeconfig contents and a context", a.Name))
		}
	}
	for _, a := range s.AWS {
		check("aws", a.Name)
		if a.AccountID == "" || len(a.Regions) == 0 {
			errs = append(errs, fmt.Errorf("settings: aws account %q needs an account id and a region", a.Name))
		}
	}
	for _, a := range s.S3Artifacts {
		check("s3 artifact", a.Name)
	}
	for _, a := range s.CodeBuild {
		check("codebuild", a.Name)
		if a.AccountID == "" || a.AssumeRole == "" || a.Region == "" {
			errs = append(errs, fmt.Errorf("settings: codebuild account %q needs accountId, assumeRole and region", a.Name))
		}
	}
	if slices.Contains(s.Services, "gate") && s.AdminPassword == "" {
		errs = append(errs, errors.New("settings: gate needs an admin password; Spinnaker is never served without a login"))
	}
	return errors.Join(errs...)
}

// Files renders every config file, by file name.
func (s Settings) Files() map[string]string {
	out := map[string]string{}
	for name, doc := range s.documents() {
		out[name] = render(doc.body)
	}
	out["settings-local.js"] = s.deckSettings()
	return out
}

// SecretFiles are the files holding passwords or credentials.
func (s Settings) SecretFiles() map[string]string { return s.pick(true) }

// PublicFiles are the rest.
func (s Settings) PublicFiles() map[string]string { return s.pick(false) }

func (s Settings) pick(secret bool) map[string]string {
	all := s.Files()
	out := map[string]string{}
	docs := s.documents()
	for name, text := range all {
		if docs[name].secret == secret || (name == "settings-local.js" && !secret) {
			out[name] = text
		}
	}
	return out
}

type document struct {
	secret bool
	body   map[string]any
}

func (s Settings) documents() map[string]document {
	docs := map[string]document{"spinnaker.yml": {body: s.shared()}}
	for _, svc := range s.Services {
		switch svc {
		case "clouddriver":
			docs["clouddriver-local.yml"] = document{true, s.clouddriver()}
		case "front50":
			docs["front50-local.yml"] = document{true, s.front50()}
		case "orca":
			docs["orca-local.yml"] = document{true, s.orca()}
		case "igor":
			docs["igor-local.yml"] = document{false, s.igor()}
		case "gate":
			docs["gate-local.yml"] = document{true, s.gate()}
		}
	}
	return docs
}

func (s Settings) baseURL(svc string) string {
	return fmt.Sprintf("http://spin-%s.%s:%d", svc, s.Namespace, ports[svc])
}

func (s Settings) shared() map[string]any {
	services := map[string]any{
		"redis": map[string]any{"baseUrl": s.RedisURL, "enabled": true},
		// Not run by the workshop; said explicitly so no service waits for them.
		"fiat":    map[string]any{"enabled": false},
		"kayenta": map[string]any{"enabled": false},
		"keel":    map[string]any{"enabled": false},
	}
	for _, svc := range s.Services {
		services[svc] = map[string]any{"baseUrl": s.baseURL(svc), "enabled": true}
	}
	if d, ok := services["deck"].(map[string]any); ok && s.DeckURL != "" {
		d["baseUrl"] = s.DeckURL
	}
	return map[string]any{
		"services": services,
		"redis":    map[string]any{"connection": s.RedisURL},
	}
}

// JDBCURL is the MySQL URL of one service's schema.
func (s Settings) JDBCURL(svc string) string {
	return fmt.Sprintf("jdbc:mysql://%s:%d/%s?useSSL=false&allowPublicKeyRetrieval=true", s.SQL.Host, s.SQL.Port, s.SQL.Databases[svc])
}

func (s Settings) login(svc string) map[string]any {
	return map[string]any{"jdbcUrl": s.JDBCURL(svc), "user": s.SQL.User, "password": s.SQL.Password}
}

func (s Settings) clouddriver() map[string]any {
	var aws []any
	for _, a := range s.AWS {
		var regions []any
		for _, r := range a.Regions {
			regions = append(regions, map[string]any{"name": r})
		}
		aws = append(aws, map[string]any{
			"name": a.Name, "accountId": a.AccountID, "assumeRole": a.AssumeRole, "regions": regions,
		})
	}
	pool := s.login("clouddriver")
	pool["default"] = true
	doc := map[string]any{
		"kubernetes": map[string]any{"enabled": len(s.Kubernetes) > 0, "accounts": s.Kubernetes},
		"aws":        map[string]any{"enabled": len(s.AWS) > 0, "accounts": aws},
		"artifacts":  map[string]any{"s3": map[string]any{"enabled": len(s.S3Artifacts) > 0, "accounts": s.S3Artifacts}},
		"sql": map[string]any{
			"enabled":         true,
			"taskRepository":  map[string]any{"enabled": true},
			"cache":           map[string]any{"enabled": true},
			"scheduler":       map[string]any{"enabled": true},
			"connectionPools": map[string]any{"default": pool},
			"migration":       s.login("clouddriver"),
		},
		// SQL takes over caching, tasks and scheduling from Redis.
		"redis": map[string]any{
			"enabled":        false,
			"cache":          map[string]any{"enabled": false},
			"scheduler":      map[string]any{"enabled": false},
			"taskRepository": map[string]any{"enabled": false},
		},
	}
	if len(s.Kubernetes) > 0 {
		doc["kubernetes"].(map[string]any)["primaryAccount"] = s.Kubernetes[0].Name
	}
	if len(s.AWS) > 0 {
		doc["aws"].(map[string]any)["primaryAccount"] = s.AWS[0].Name
	}
	return doc
}

func (s Settings) front50() map[string]any {
	pool := s.login("front50")
	pool["default"] = true
	return map[string]any{
		// Front50's S3 storage is deprecated upstream; SQL replaces it.
		"spinnaker": map[string]any{"s3": map[string]any{"enabled": false}},
		"sql": map[string]any{
			"enabled":         true,
			"connectionPools": map[string]any{"default": pool},
			"migration":       s.login("front50"),
		},
	}
}

func (s Settings) orca() map[string]any {
	return map[string]any{
		"sql": map[string]any{
			"enabled":        true,
			"connectionPool": s.login("orca"),
			"migration":      s.login("orca"),
		},
		"executionRepository": map[string]any{
			"sql":   map[string]any{"enabled": true},
			"redis": map[string]any{"enabled": false},
		},
		"monitor": map[string]any{"activeExecutions": map[string]any{"redis": false}},
	}
}

func (s Settings) igor() map[string]any {
	return map[string]any{
		"codebuild": map[string]any{"enabled": len(s.CodeBuild) > 0, "accounts": s.CodeBuild},
	}
}

func (s Settings) gate() map[string]any {
	return map[string]any{
		"server":   map[string]any{"port": ports["gate"], "servlet": map[string]any{"context-path": "/api/v1"}},
		"security": map[string]any{"basicform": map[string]any{"enabled": true}},
		"spring": map[string]any{"security": map[string]any{"user": map[string]any{
			"name": "admin", "password": s.AdminPassword, "roles": "admin",
		}}},
		"services": map[string]any{"deck": map[string]any{"baseUrl": s.DeckURL}},
		// Deck through the tunnel, or through the optional ALB.
		"cors": map[string]any{"allowed-origins-pattern": "^(" + strings.ReplaceAll(s.DeckURL, ".", `\.`) + `|https?://[^/]+\.elb\.amazonaws\.com)$`},
	}
}

// deckSettings overrides Deck's built-in settings.js with where gate is.
func (s Settings) deckSettings() string {
	return fmt.Sprintf(`// Rendered by the workshop program; Deck loads it after its own settings.js.
// Through the tunnel gate has a port of its own; through the ALB it shares
// Deck's origin under /api/v1.
window.spinnakerSettings.gateUrl = window.location.port === '9000' ? '%s' : window.location.origin + '/api/v1';
window.spinnakerSettings.authEnabled = true;
window.spinnakerSettings.feature.artifactsRewrite = true;
`, s.GateURL)
}

// render marshals with sorted keys (yaml.v3 sorts map keys), so the same
// settings always give the same bytes.
func render(doc map[string]any) string {
	b, err := yaml.Marshal(doc)
	if err != nil {
		panic(fmt.Sprintf("settings: rendering: %v", err))
	}
	return string(b)
}
