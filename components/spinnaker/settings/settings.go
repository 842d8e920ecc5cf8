// Package settings renders Spinnaker's service config files from Go values:
// what Halyard's halconfig produced before upstream removed Halyard. Each
// service reads spinnaker.yml and <service>-local.yml (Spring profile
// "local") from /opt/spinnaker/config.
package settings

import (
	"errors"
	"fmt"
	"regexp"
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
	// DeckURL and GateURL are what a browser uses through the tunnel.
	DeckURL, GateURL string
	// IngressHost is a regular expression of the optional ALB's host name,
	// empty without one: its name is known up front, its DNS name is not.
	IngressHost string
	// AdminPassword is gate's basic-form login for user "admin".
	AdminPassword string
}

// SQL is the MySQL store.
type SQL struct {
	Host     string
	Port     int
	User     string
	Password string
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

// SQLServices keep their state in MySQL, each in a schema of its own name.
func SQLServices() []string { return []string{"clouddriver", "front50", "orca"} }

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
		if slices.Contains(SQLServices(), svc) && (s.SQL.Host == "" || s.SQL.Port == 0) {
			errs = append(errs, fmt.Errorf("settings: %s keeps its data in SQL but no host or port is set", svc))
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

// DeckSettings is Deck's settings.js, which replaces the one in its image.
const DeckSettings = "settings.js"

// localFile is a service's <service>-local.yml: whether it holds passwords
// or credentials, and how it is rendered.
type localFile struct {
	secret bool
	render func(Settings) map[string]any
}

// localFiles are the services with a config file of their own; the others
// read only spinnaker.yml.
var localFiles = map[string]localFile{
	"clouddriver": {true, Settings.clouddriver},
	"front50":     {true, Settings.front50},
	"orca":        {true, Settings.orca},
	"igor":        {false, Settings.igor},
	"gate":        {true, Settings.gate},
}

// ServiceFiles are the files one service reads: spinnaker.yml and its own
// <service>-local.yml (Spring profile "local"); Deck, a static site, reads
// only settings.js.
func ServiceFiles(svc string) []string {
	if svc == "deck" {
		return []string{DeckSettings}
	}
	files := []string{"spinnaker.yml"}
	if _, ok := localFiles[svc]; ok {
		files = append(files, svc+"-local.yml")
	}
	return files
}

// IsSecret says whether a file holds passwords or credentials.
func IsSecret(file string) bool {
	svc, ok := strings.CutSuffix(file, "-local.yml")
	return ok && localFiles[svc].secret
}

// Files renders every config file of the services, by file name.
func (s Settings) Files() map[string]string {
	out := map[string]string{"spinnaker.yml": render(s.shared())}
	for _, svc := range s.Services {
		if f, ok := localFiles[svc]; ok {
			out[svc+"-local.yml"] = render(f.render(s))
		}
		if svc == "deck" {
			out[DeckSettings] = s.deckSettings()
		}
	}
	return out
}

// SecretFiles are the files holding passwords or credentials.
func (s Settings) SecretFiles() map[string]string { return s.pick(true) }

// PublicFiles are the rest.
func (s Settings) PublicFiles() map[string]string { return s.pick(false) }

func (s Settings) pick(secret bool) map[string]string {
	out := map[string]string{}
	for name, text := range s.Files() {
		if IsSecret(name) == secret {
			out[name] = text
		}
	}
	return out
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
	return fmt.Sprintf("jdbc:mysql://%s:%d/%s?useSSL=false&allowPublicKeyRetrieval=true", s.SQL.Host, s.SQL.Port, svc)
}

func (s Settings) login(svc string) map[string]any {
	return map[string]any{"jdbcUrl": s.JDBCURL(svc), "user": s.SQL.User, "password": s.SQL.Password}
}

// sql is the store of one service: kork's named default pool
// (sql.connectionPool is deprecated) and the migration login.
func (s Settings) sql(svc string, extra map[string]any) map[string]any {
	pool := s.login(svc)
	pool["default"] = true
	out := map[string]any{
		"enabled":         true,
		"connectionPools": map[string]any{"default": pool},
		"migration":       s.login(svc),
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func (s Settings) clouddriver() map[string]any {
	return map[string]any{
		"kubernetes": map[string]any{"enabled": len(s.Kubernetes) > 0, "accounts": s.Kubernetes},
		"aws":        s.awsAccounts(),
		"artifacts":  map[string]any{"s3": map[string]any{"enabled": len(s.S3Artifacts) > 0, "accounts": s.S3Artifacts}},
		"sql": s.sql("clouddriver", map[string]any{
			"taskRepository": map[string]any{"enabled": true},
			"cache":          map[string]any{"enabled": true},
			"scheduler":      map[string]any{"enabled": true},
		}),
		// SQL takes over caching, tasks and scheduling from Redis.
		"redis": map[string]any{
			"enabled":        false,
			"cache":          map[string]any{"enabled": false},
			"scheduler":      map[string]any{"enabled": false},
			"taskRepository": map[string]any{"enabled": false},
		},
	}
}

// awsAccounts names every account's regions, and the same regions as the
// defaults: without defaults clouddriver lists every region of AWS with its
// own credentials before it loads an account.
func (s Settings) awsAccounts() map[string]any {
	var accounts []any
	var defaults []any
	seen := map[string]bool{}
	for _, a := range s.AWS {
		var regions []any
		for _, r := range a.Regions {
			regions = append(regions, map[string]any{"name": r})
			if !seen[r] {
				seen[r] = true
				defaults = append(defaults, map[string]any{"name": r})
			}
		}
		accounts = append(accounts, map[string]any{
			"name": a.Name, "accountId": a.AccountID, "assumeRole": a.AssumeRole, "regions": regions,
		})
	}
	return map[string]any{"enabled": len(s.AWS) > 0, "accounts": accounts, "defaultRegions": defaults}
}

func (s Settings) front50() map[string]any {
	return map[string]any{
		// Front50's S3 storage is deprecated upstream; SQL replaces it.
		"spinnaker": map[string]any{"s3": map[string]any{"enabled": false}},
		"sql":       s.sql("front50", nil),
	}
}

func (s Settings) orca() map[string]any {
	return map[string]any{
		"sql": s.sql("orca", nil),
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

// ALBHost is a regular expression of the DNS names ELB gives an ALB of that
// name in that region: <name>-<digits>.<region>.elb.amazonaws.com, with
// "internal-" in front when it is internal.
func ALBHost(name, region string) string {
	return `(internal-)?` + regexp.QuoteMeta(name) + `-[0-9]+\.` + regexp.QuoteMeta(region) + `\.elb\.amazonaws\.com`
}

// deckHosts matches the host names Deck is served on: the tunnel's, and the
// ALB's when there is one.
func (s Settings) deckHosts() string {
	hosts := "localhost"
	if s.IngressHost != "" {
		hosts += "|" + s.IngressHost
	}
	return "(" + hosts + ")"
}

// deckOrigins matches the origins Deck's calls to gate come from.
func (s Settings) deckOrigins() string {
	origins := regexp.QuoteMeta(s.DeckURL)
	if s.IngressHost != "" {
		origins += "|http://(" + s.IngressHost + ")"
	}
	return "^(" + origins + ")$"
}

func (s Settings) gate() map[string]any {
	return map[string]any{
		"server":   map[string]any{"port": ports["gate"], "servlet": map[string]any{"context-path": "/api/v1"}},
		"security": map[string]any{"basicform": map[string]any{"enabled": true}},
		"spring": map[string]any{"security": map[string]any{"user": map[string]any{
			"name": "admin", "password": s.AdminPassword, "roles": "admin",
		}}},
		// After the login gate sends the browser back to Deck, but only to
		// a host this pattern matches (or, without one, to baseUrl's).
		"services": map[string]any{"deck": map[string]any{
			"baseUrl": s.DeckURL, "redirect-host-pattern": s.deckHosts(),
		}},
		"cors": map[string]any{"allowed-origins-pattern": s.deckOrigins()},
	}
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
