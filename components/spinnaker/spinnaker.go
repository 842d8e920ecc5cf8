// Package spinnaker installs Spinnaker on the platform cluster in the shape of
// upstream's Kustomize install (Halyard is gone): one Deployment and Service
// per service, Redis, MySQL for the SQL stores, config rendered from Go
// types, and the workshop's application and pipelines saved through gate.
package spinnaker

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/password"
	"github.com/workshop/spinnaker-modernization/components/spinnaker/pipelines"
	"github.com/workshop/spinnaker-modernization/components/spinnaker/settings"
)

// Images of the parts that are not Spinnaker services.
const (
	RedisImage = "redis:7.4.1-alpine"
	MySQLImage = "mysql:8.0.40"
)

// Local ports of the port-forward the README and outputs describe.
const (
	LocalDeckPort = 9000
	LocalGatePort = 8084
)

// SpinnakerArgs configures the install. Account details are inputs because
// they come from the delivery resources and the app cluster.
type SpinnakerArgs struct {
	Version   string
	Namespace string
	Region    string
	Provider  *kubernetes.Provider
	// PlatformClusterName is the cluster Spinnaker runs on.
	PlatformClusterName string
	// Nodes must exist before pods can start.
	Nodes pulumi.Resource
	// AddOns are the platform cluster's add-ons every pod needs first:
	// CoreDNS, the Pod Identity agent, the EBS CSI driver for MySQL's volume.
	AddOns []pulumi.Resource
	// RoleBindings are the Pod Identity associations and policies the
	// services' pods need at start.
	RoleBindings pulumi.Resource

	AccountID        pulumi.StringInput
	ManagedRoleArn   pulumi.StringInput
	ArtifactBucket   pulumi.StringInput
	CodeBuildProject pulumi.StringInput
	// Apps are the clusters Spinnaker delivers yelb to, each with its
	// account, application and pipelines.
	Apps []AppTarget
	// StageFiles are the manifests the pipelines deploy, in order, as the
	// app uploads them to the artifact bucket.
	StageFiles []string
	// Ingress is the optional ALB; IngressName names it (32 characters at
	// most), so gate can tell its host name before it exists.
	// IngressController is the load balancer controller that serves it.
	Ingress           IngressConfig
	IngressName       string
	IngressController []pulumi.Resource
	Tags              map[string]string
}

// Spinnaker is a running Spinnaker.
type Spinnaker struct {
	pulumi.ResourceState

	Namespace     pulumi.StringOutput
	AdminPassword pulumi.StringOutput
	TunnelCommand pulumi.StringOutput
	DeckURL       pulumi.StringOutput
}

// NewSpinnaker installs Spinnaker and seeds its pipelines.
func NewSpinnaker(ctx *pulumi.Context, name string, args SpinnakerArgs, opts ...pulumi.ResourceOption) (*Spinnaker, error) {
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("spinnaker %s: %w", name, err)
	}
	s := &Spinnaker{}
	if err := ctx.RegisterComponentResource("workshop:spinnaker:Spinnaker", name, s, opts...); err != nil {
		return nil, err
	}
	in := &installer{ctx: ctx, name: name, args: args, parent: s}
	adminPassword, err := in.install()
	if err != nil {
		return nil, fmt.Errorf("spinnaker %s: %w", name, err)
	}
	s.Namespace = in.namespace.Metadata.Name().Elem()
	s.AdminPassword = adminPassword
	s.TunnelCommand = pulumi.String(TunnelCommand(args.PlatformClusterName, args.Region, args.Namespace)).ToStringOutput()
	s.DeckURL = pulumi.Sprintf("http://localhost:%d", LocalDeckPort).ToStringOutput()
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{
		"namespace":     s.Namespace,
		"deckUrl":       s.DeckURL,
		"tunnelCommand": s.TunnelCommand,
	})
}

// validate refuses what would fail only once the cluster applies it.
func (a SpinnakerArgs) validate() error {
	if a.Ingress.Enabled && !albName.MatchString(a.IngressName) {
		return fmt.Errorf("ingress name %q is not an ALB name: 1 to 32 letters, digits and hyphens, no hyphen at either end", a.IngressName)
	}
	if len(a.StageFiles) != pipelines.Stages {
		return fmt.Errorf("%d stage files given; the pipelines deploy %d", len(a.StageFiles), pipelines.Stages)
	}
	return validateApps(a.Apps)
}

// albName is Elastic Load Balancing's rule for load balancer names.
var albName = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$`)

// install creates everything in dependency order and returns the admin
// password.
func (in *installer) install() (pulumi.StringOutput, error) {
	ns, err := corev1.NewNamespace(in.ctx, in.name, &corev1.NamespaceArgs{
		Metadata: metav1.ObjectMetaArgs{Name: pulumi.String(in.args.Namespace), Labels: in.labels("spinnaker")},
	}, in.k8s()...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	in.namespace = ns
	dbPassword, err := password.New(in.ctx, in.name+"-mysql", "Spinnaker's MySQL password for "+in.name, in.args.Tags, in.parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	adminPassword, err := password.New(in.ctx, in.name+"-admin", "Spinnaker's admin login for "+in.name, in.args.Tags, in.parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	mysql, err := in.mysql(dbPassword.Value)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	redis, err := in.redis()
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	config, err := in.configObjects(in.renderSettings(dbPassword.Value, adminPassword.Value))
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	var running []pulumi.Resource
	for _, svc := range settings.DefaultServices() {
		d, err := in.service(svc, config, mysql, redis)
		if err != nil {
			return pulumi.StringOutput{}, fmt.Errorf("%s: %w", svc, err)
		}
		running = append(running, d)
	}
	if in.args.Ingress.Enabled {
		if err := in.ingress(); err != nil {
			return pulumi.StringOutput{}, fmt.Errorf("ingress: %w", err)
		}
	}
	if err := in.seedPipelines(adminPassword.Value, running); err != nil {
		return pulumi.StringOutput{}, err
	}
	return adminPassword.Value, nil
}

// installer carries what every part of the install needs.
type installer struct {
	ctx       *pulumi.Context
	name      string
	args      SpinnakerArgs
	parent    pulumi.Resource
	namespace *corev1.Namespace
}

func (in *installer) child(part string) string { return in.name + "-" + part }

// podDeps are what any pod of the install waits for, and extra.
func (in *installer) podDeps(extra ...pulumi.Resource) []pulumi.Resource {
	return append(append([]pulumi.Resource{in.args.Nodes}, in.args.AddOns...), extra...)
}

// k8s are the options of every Kubernetes object: parented, on the platform
// cluster, and (once it exists) inside the namespace.
func (in *installer) k8s(deps ...pulumi.Resource) []pulumi.ResourceOption {
	if in.namespace != nil {
		deps = append(deps, in.namespace)
	}
	opts := []pulumi.ResourceOption{pulumi.Parent(in.parent), pulumi.Provider(in.args.Provider)}
	if len(deps) > 0 {
		opts = append(opts, pulumi.DependsOn(deps))
	}
	return opts
}

func (in *installer) labels(component string) pulumi.StringMap {
	return pulumi.StringMap{
		"app.kubernetes.io/name":       pulumi.String(component),
		"app.kubernetes.io/part-of":    pulumi.String("spinnaker"),
		"app.kubernetes.io/managed-by": pulumi.String("pulumi"),
	}
}

func (in *installer) meta(name, component string) metav1.ObjectMetaArgs {
	return metav1.ObjectMetaArgs{
		Name:      pulumi.String(name),
		Namespace: pulumi.String(in.args.Namespace),
		Labels:    in.labels(component),
	}
}

// renderedFiles are the service config files, split by whether they hold
// secrets, and all of them together for the checksums.
type renderedFiles struct {
	public, secret pulumi.StringMapOutput
	all            pulumi.StringMapOutput
}

func (in *installer) renderSettings(dbPassword, adminPassword pulumi.StringOutput) renderedFiles {
	a := in.args
	all := pulumi.All(dbPassword, adminPassword, a.AccountID, a.ManagedRoleArn, resolveApps(a.Apps, true)).ApplyT(
		func(xs []any) (map[string]string, error) {
			accounts, err := kubernetesAccounts(xs[4].([]resolvedApp), a.Region)
			if err != nil {
				return nil, err
			}
			st := Settings(a, xs[0].(string), xs[1].(string), xs[2].(string), xs[3].(string), accounts)
			if err := st.Validate(); err != nil {
				return nil, err
			}
			return st.Files(), nil
		}).(pulumi.StringMapOutput)
	pick := func(secret bool) pulumi.StringMapOutput {
		return all.ApplyT(func(files map[string]string) map[string]string {
			out := map[string]string{}
			for name, text := range files {
				if settings.IsSecret(name) == secret {
					out[name] = text
				}
			}
			return out
		}).(pulumi.StringMapOutput)
	}
	return renderedFiles{
		public: pick(false),
		secret: pulumi.ToSecret(pick(true)).(pulumi.StringMapOutput),
		all:    pulumi.ToSecret(all).(pulumi.StringMapOutput),
	}
}

// Settings is the whole Spinnaker configuration of the workshop: the
// accounts halconfig.sh used to register (a kubernetes account per app
// cluster), and SQL storage.
func Settings(a SpinnakerArgs, dbPassword, adminPassword, accountID, managedRoleArn string, kubernetes []settings.KubernetesAccount) settings.Settings {
	st := settings.Settings{
		Version:   a.Version,
		Namespace: a.Namespace,
		Services:  settings.DefaultServices(),
		RedisURL:  fmt.Sprintf("redis://spin-redis.%s:6379", a.Namespace),
		SQL: settings.SQL{
			Host: fmt.Sprintf("spin-mysql.%s", a.Namespace), Port: 3306,
			User: "spinnaker", Password: dbPassword,
		},
		Kubernetes: kubernetes,
		AWS: []settings.AWSAccount{{
			Name: "ec2", AccountID: accountID, AssumeRole: managedRoleArn, Regions: []string{a.Region},
		}},
		// The S3 artifact account has no assume-role: clouddriver reads the
		// bucket with its own Pod Identity role.
		S3Artifacts: []settings.S3ArtifactAccount{{Name: "platform", Region: a.Region}},
		CodeBuild: []settings.CodeBuildAccount{{
			Name: "platform", AccountID: accountID, AssumeRole: managedRoleArn, Region: a.Region,
		}},
		DeckURL:       fmt.Sprintf("http://localhost:%d", LocalDeckPort),
		GateURL:       fmt.Sprintf("http://localhost:%d/api/v1", LocalGatePort),
		AdminPassword: adminPassword,
	}
	if a.Ingress.Enabled {
		st.IngressHost = settings.ALBHost(a.IngressName, a.Region)
	}
	return st
}

func (in *installer) configObjects(files renderedFiles) (*config, error) {
	cm, err := corev1.NewConfigMap(in.ctx, in.child("config"), &corev1.ConfigMapArgs{
		Metadata: in.meta("spinnaker-config", "spinnaker"),
		Data:     files.public,
	}, in.k8s()...)
	if err != nil {
		return nil, fmt.Errorf("config map: %w", err)
	}
	secret, err := corev1.NewSecret(in.ctx, in.child("config"), &corev1.SecretArgs{
		Metadata:   in.meta("spinnaker-secrets", "spinnaker"),
		StringData: files.secret,
	}, in.k8s()...)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &config{configMap: cm, secret: secret, files: files.all}, nil
}

type config struct {
	configMap *corev1.ConfigMap
	secret    *corev1.Secret
	files     pulumi.StringMapOutput
}

// checksum changes when a file the service reads changes, and only then.
func (c *config) checksum(svc string) pulumi.StringOutput {
	return c.files.ApplyT(func(files map[string]string) string {
		mine := map[string]string{}
		for _, f := range settings.ServiceFiles(svc) {
			mine[f] = files[f]
		}
		return contentHash(mine)
	}).(pulumi.StringOutput)
}

// contentHash is a SHA-256 of named files, the same whatever the map order.
func contentHash(files map[string]string) string {
	h := sha256.New()
	for _, n := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(h, "%s\n%d\n%s\n", n, len(files[n]), files[n])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TunnelCommand is what tunnel.sh did: forward Deck and gate to localhost,
// the only way in unless the optional ingress is on.
func TunnelCommand(platformCluster, region, namespace string) string {
	ports := settings.Ports()
	return fmt.Sprintf("aws eks update-kubeconfig --region %[1]s --name %[2]s --alias %[2]s && "+
		"{ kubectl --context %[2]s -n %[3]s port-forward svc/spin-deck %[4]d:%[5]d & "+
		"kubectl --context %[2]s -n %[3]s port-forward svc/spin-gate %[6]d:%[7]d; }",
		region, platformCluster, namespace, LocalDeckPort, ports["deck"], LocalGatePort, ports["gate"])
}
