// Package yelb is the workshop's demo app: its four stage manifests, rendered
// from the templates in manifests/yelb for a traffic backend, and delivered
// either through Spinnaker (uploaded to the artifact bucket) or by Pulumi.
package yelb

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strings"
	"text/template"

	"sigs.k8s.io/yaml"

	"github.com/workshop/spinnaker-modernization/manifests"
)

// Traffic backends.
const (
	BackendLattice = "lattice"
	BackendAppMesh = "appmesh"
)

// Delivery modes.
const (
	DeliverySpinnaker = "spinnaker"
	DeliveryPulumi    = "pulumi"
)

// SpinnakerNamespace is what the manifests say for their namespace when
// Spinnaker deploys them: the deploy stage's namespace override.
const SpinnakerNamespace = "${#currentStage()['context']['namespaceOverride']}"

// AppServerV2Placeholder stands for the v2 image until the build, which
// knows the pushed tag, replaces it (manifests/buildspec.yml).
const AppServerV2Placeholder = "__APP_V2_IMAGE__"

// StageFiles are the workshop's stage manifests, in the order they are applied.
var StageFiles = manifests.YelbStageFiles

// Images the workshop runs, pinned to tags the registry serves. The v2 app
// server comes from the stack's own build.
type Images struct {
	UI          string
	AppServer   string
	DB          string
	Redis       string
	AppServerV2 string
}

// DefaultImages are the original workshop's images, by tag.
var DefaultImages = Images{
	UI:        "docker.io/mreferre/yelb-ui:0.7",
	AppServer: "docker.io/mreferre/yelb-appserver:0.5",
	DB:        "docker.io/mreferre/yelb-db:0.5",
	Redis:     "docker.io/library/redis:4.0.2",
}

// Values fill the templates.
type Values struct {
	Namespace    string
	Backend      string
	Images       Images
	StorageClass string
	// ALBTags are the load balancer's tags, "k=v,k=v".
	ALBTags string
	// LoadBalancerName is the ALB's name, 32 characters at most.
	LoadBalancerName string
	Mesh             MeshValues
	Lattice          LatticeValues

	// Derived by Render.
	NginxConf     string
	NginxChecksum string
	ResolverConf  string
}

// MeshValues name the App Mesh objects.
type MeshValues struct {
	// Name is the Kubernetes name; AWSName the account-wide App Mesh name.
	Name    string
	AWSName string
	// EnvoyRoleArn goes on the pods' service account: Envoy reads IRSA
	// credentials, not Pod Identity's (aws-app-mesh-roadmap#493).
	EnvoyRoleArn string
}

// LatticeValues name the VPC Lattice objects.
type LatticeValues struct {
	// GatewayName is also the service network's name: the controller maps
	// one to the other by name.
	GatewayName string
	RouteName   string
	// ServiceName names the app server's Lattice service, unique in the
	// account; without it the controller would truncate route and namespace.
	ServiceName string
	// AppServerHost is the app server's custom domain in the private zone.
	AppServerHost string
}

// LatticeServiceName is the app server's Lattice service name for a stack
// prefix: the prefix whole, so that two stacks never share one.
func LatticeServiceName(prefix string) string { return prefix + "-appserver" }

var latticeServiceNamePattern = regexp.MustCompile(`^[a-z0-9-]+$`)

// ValidateLatticeServiceName applies the Lattice controller's own checks on
// a service-name-override (ValidateVPCLatticeServiceName in
// aws-application-networking-k8s v2.1.3 pkg/k8s/utils.go); the controller
// refuses a route whose override fails them.
func ValidateLatticeServiceName(name string) error {
	switch {
	case len(name) < 3 || len(name) > 40:
		return fmt.Errorf("Lattice service name %q has %d characters; VPC Lattice takes 3 to 40", name, len(name))
	case !latticeServiceNamePattern.MatchString(name):
		return fmt.Errorf("Lattice service name %q may hold only lowercase letters, digits and hyphens", name)
	case strings.HasPrefix(name, "svc-"):
		return fmt.Errorf("Lattice service name %q must not start with \"svc-\"", name)
	case strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-") || strings.Contains(name, "--"):
		return fmt.Errorf("Lattice service name %q must not start or end with a hyphen or hold two in a row", name)
	}
	return nil
}

// AppServerPort is the app server's port from the ALB's view inward: yelb-ui
// proxies /api to it, whichever backend carries the request.
const AppServerPort = 4567

func (v Values) validate() error {
	switch {
	case v.Namespace == "":
		return fmt.Errorf("yelb: namespace is empty")
	case v.Backend != BackendLattice && v.Backend != BackendAppMesh:
		return fmt.Errorf("yelb: backend %q is neither %q nor %q", v.Backend, BackendLattice, BackendAppMesh)
	case v.Images.UI == "" || v.Images.AppServer == "" || v.Images.DB == "" || v.Images.Redis == "" || v.Images.AppServerV2 == "":
		return fmt.Errorf("yelb: every image must be set, got %+v", v.Images)
	case v.StorageClass == "":
		return fmt.Errorf("yelb: storage class is empty")
	case v.LoadBalancerName == "" || len(v.LoadBalancerName) > 32:
		return fmt.Errorf("yelb: load balancer name %q must be 1-32 characters", v.LoadBalancerName)
	case v.Backend == BackendAppMesh && (v.Mesh.Name == "" || v.Mesh.EnvoyRoleArn == ""):
		return fmt.Errorf("yelb: App Mesh backend needs a mesh name and the Envoy role, got %+v", v.Mesh)
	case v.Backend == BackendLattice && (v.Lattice.GatewayName == "" || v.Lattice.RouteName == "" || v.Lattice.AppServerHost == ""):
		return fmt.Errorf("yelb: Lattice backend needs gateway, route and host names, got %+v", v.Lattice)
	case v.Backend == BackendLattice:
		if err := ValidateLatticeServiceName(v.Lattice.ServiceName); err != nil {
			return fmt.Errorf("yelb: %w", err)
		}
	}
	return nil
}

// ResolverConf is the file yelb-ui's start command writes with the pod's
// nameserver, and its proxy config includes.
const ResolverConf = "/etc/nginx/resolver/resolver.conf"

// nginxConf is yelb-ui's server block. Behind Lattice it calls the app
// server's custom domain and sends it as Host, which is how Lattice picks the
// service. That name exists only once ExternalDNS has written it, so nginx
// resolves it per request (a variable in proxy_pass) rather than once at
// start, when a missing name would stop nginx. Behind App Mesh the sidecar
// catches yelb-appserver:4567, a Service of the same manifest, as upstream.
func (v Values) nginxConf() string {
	var b strings.Builder
	fmt.Fprintf(&b, "server {\n    listen 80;\n    server_name localhost;\n    root /clarity-seed/prod/dist;\n    index index.html;\n")
	fmt.Fprintf(&b, "    include %s;\n", ResolverConf)
	b.WriteString("    location /api {\n")
	if v.Backend == BackendLattice {
		// No URI after the port: with a variable, nginx would send that
		// URI as is in place of every request's own.
		fmt.Fprintf(&b, "        set $appserver %s;\n", v.Lattice.AppServerHost)
		fmt.Fprintf(&b, "        proxy_pass http://$appserver:%d;\n", AppServerPort)
		fmt.Fprintf(&b, "        proxy_set_header Host %s;\n", v.Lattice.AppServerHost)
	} else {
		fmt.Fprintf(&b, "        proxy_pass http://yelb-appserver:%d/api;\n", AppServerPort)
	}
	b.WriteString("        proxy_http_version 1.1;\n    }\n")
	b.WriteString("    gzip on;\n    gzip_types text/plain text/css application/json application/javascript;\n}\n")
	return b.String()
}

var templates = template.Must(template.New("yelb").Option("missingkey=zero").Funcs(template.FuncMap{
	"quote": func(s string) string { b, _ := json.Marshal(s); return string(b) },
	"json":  func(v any) (string, error) { b, err := json.Marshal(v); return string(b), err },
	"list":  func(items ...any) []any { return items },
	"dir":   path.Dir,
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict needs key/value pairs, got %d arguments", len(kv))
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
}).ParseFS(manifests.Files, "yelb/*"))

// Render returns one stage manifest (one of StageFiles) as YAML.
func Render(v Values, file string) (string, error) {
	if err := v.validate(); err != nil {
		return "", err
	}
	v.NginxConf = v.nginxConf()
	sum := sha256.Sum256([]byte(v.NginxConf))
	v.NginxChecksum = hex.EncodeToString(sum[:8])
	v.ResolverConf = ResolverConf
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, file, v); err != nil {
		return "", fmt.Errorf("rendering %s: %w", file, err)
	}
	return strings.TrimLeft(b.String(), "\n-") + "\n", nil
}

// RenderAll returns every stage manifest, by file name.
func RenderAll(v Values) (map[string]string, error) {
	out := make(map[string]string, len(StageFiles))
	for _, f := range StageFiles {
		text, err := Render(v, f)
		if err != nil {
			return nil, err
		}
		out[f] = text
	}
	return out, nil
}

// Object is one Kubernetes object of a manifest.
type Object map[string]any

// Kind returns the object's kind.
func (o Object) Kind() string { s, _ := o["kind"].(string); return s }

// Name returns metadata.name.
func (o Object) Name() string { return o.meta("name") }

// Namespace returns metadata.namespace.
func (o Object) Namespace() string { return o.meta("namespace") }

func (o Object) meta(key string) string {
	m, _ := o["metadata"].(map[string]any)
	s, _ := m[key].(string)
	return s
}

// ID identifies an object across stages: a later stage that names the same
// object replaces it.
func (o Object) ID() string {
	api, _ := o["apiVersion"].(string)
	group, _, _ := strings.Cut(api, "/")
	if !strings.Contains(api, "/") {
		group = ""
	}
	return group + "/" + o.Kind() + "/" + o.Namespace() + "/" + o.Name()
}

// Objects splits a manifest into its objects, in order.
func Objects(manifest string) ([]Object, error) {
	var out []Object
	for i, doc := range strings.Split(manifest, "\n---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var o Object
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		if o == nil {
			continue
		}
		out = append(out, o)
	}
	return out, nil
}

// Compose is what the cluster holds after stages 1..upTo are applied in
// turn: a later stage's object replaces an earlier one with the same ID.
func Compose(v Values, upTo int) ([]Object, error) {
	if upTo < 1 || upTo > len(StageFiles) {
		return nil, fmt.Errorf("yelb: stage %d is not between 1 and %d", upTo, len(StageFiles))
	}
	var order []string
	byID := map[string]Object{}
	for _, f := range StageFiles[:upTo] {
		text, err := Render(v, f)
		if err != nil {
			return nil, err
		}
		objs, err := Objects(text)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, o := range objs {
			if _, seen := byID[o.ID()]; !seen {
				order = append(order, o.ID())
			}
			byID[o.ID()] = o
		}
	}
	out := make([]Object, 0, len(order))
	for _, id := range order {
		out = append(out, byID[id])
	}
	return out, nil
}
