// Package spinnaker installs Spinnaker on the platform cluster in the shape of
// upstream's Kustomize install (Halyard is gone): one Deployment and Service
// per service, Redis, MySQL for the SQL stores, config rendered from Go
// types, and the workshop's application and pipelines saved through gate.
package spinnaker

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/password"
	"github.com/workshop/spinnaker-modernization/components/spinnaker/settings"
)

// Images of the parts that are not Spinnaker services.
const (
	RedisImage = "redis:7.4.1-alpine"
	MySQLImage = "mysql:8.0.40"
	CurlImage  = "curlimages/curl:8.11.0"
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
	// Storage provisions the MySQL volume (the EBS CSI driver).
	Storage []pulumi.Resource
	// AppAccess is clouddriver's access entry on the app cluster.
	AppAccess pulumi.Resource
	// RoleBindings are the Pod Identity associations the services' pods
	// need at start.
	RoleBindings pulumi.Resource

	AccountID         pulumi.StringInput
	ManagedRoleArn    pulumi.StringInput
	ArtifactBucket    pulumi.StringInput
	CodeBuildProject  pulumi.StringInput
	AppClusterName    string
	AppKubeconfigJSON pulumi.StringInput
	// Ingress is the optional ALB; IngressController is the load balancer
	// controller that serves it.
	Ingress           IngressConfig
	IngressController []pulumi.Resource
	// YelbNamespace is where the pipelines deploy the app.
	YelbNamespace string
	Tags          map[string]string
}

// Spinnaker is a running Spinnaker.
type Spinnaker struct {
	pulumi.ResourceState

	Namespace       pulumi.StringOutput
	AdminPassword   pulumi.StringOutput
	TunnelCommand   pulumi.StringOutput
	DeckURL         pulumi.StringOutput
	PipelineSeedJob pulumi.StringOutput
}

// NewSpinnaker installs Spinnaker and seeds its pipelines.
func NewSpinnaker(ctx *pulumi.Context, name string, args SpinnakerArgs, opts ...pulumi.ResourceOption) (*Spinnaker, error) {
	s := &Spinnaker{}
	if err := ctx.RegisterComponentResource("workshop:spinnaker:Spinnaker", name, s, opts...); err != nil {
		return nil, err
	}
	in := &installer{ctx: ctx, name: name, args: args, parent: s}
	fail := func(err error) (*Spinnaker, error) { return nil, fmt.Errorf("spinnaker %s: %w", name, err) }

	ns, err := corev1.NewNamespace(ctx, name, &corev1.NamespaceArgs{
		Metadata: metav1.ObjectMetaArgs{Name: pulumi.String(args.Namespace), Labels: in.labels("spinnaker")},
	}, in.k8s()...)
	if err != nil {
		return fail(err)
	}
	in.namespace = ns

	dbPassword, err := password.New(ctx, name+"-mysql", "Spinnaker's MySQL password for "+name, args.Tags, s)
	if err != nil {
		return fail(err)
	}
	adminPassword, err := password.New(ctx, name+"-admin", "Spinnaker's admin login for "+name, args.Tags, s)
	if err != nil {
		return fail(err)
	}
	mysql, err := in.mysql(dbPassword.Value)
	if err != nil {
		return fail(err)
	}
	redis, err := in.redis()
	if err != nil {
		return fail(err)
	}

	files := in.renderSettings(dbPassword.Value, adminPassword.Value)
	config, err := in.configObjects(files)
	if err != nil {
		return fail(err)
	}
	for _, svc := range settings.DefaultServices() {
		if err := in.service(svc, config, mysql, redis); err != nil {
			return fail(fmt.Errorf("%s: %w", svc, err))
		}
	}
	if args.Ingress.Enabled {
		if err := in.ingress(); err != nil {
			return fail(fmt.Errorf("ingress: %w", err))
		}
	}
	job, err := in.seedPipelines(adminPassword.Value)
	if err != nil {
		return fail(err)
	}

	s.Namespace = ns.Metadata.Name().Elem()
	s.AdminPassword = adminPassword.Value
	s.TunnelCommand = pulumi.String(TunnelCommand(args.PlatformClusterName, args.Region, args.Namespace)).ToStringOutput()
	s.DeckURL = pulumi.Sprintf("http://localhost:%d", LocalDeckPort).ToStringOutput()
	s.PipelineSeedJob = job
	return s, ctx.RegisterResourceOutputs(s, pulumi.Map{
		"namespace":     s.Namespace,
		"deckUrl":       s.DeckURL,
		"tunnelCommand": s.TunnelCommand,
	})
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
// secrets, and a checksum of both that rolls the pods when either changes.
type renderedFiles struct {
	public, secret pulumi.StringMapOutput
	checksum       pulumi.StringOutput
}

func (in *installer) renderSettings(dbPassword, adminPassword pulumi.StringOutput) renderedFiles {
	a := in.args
	all := pulumi.All(dbPassword, adminPassword, a.AccountID, a.ManagedRoleArn, a.ArtifactBucket, a.AppKubeconfigJSON).ApplyT(
		func(xs []any) (map[string]map[string]string, error) {
			kubeconfig, err := AccountKubeconfig(xs[5].(string), a.AppClusterName, a.Region)
			if err != nil {
				return nil, err
			}
			st := Settings(a, xs[0].(string), xs[1].(string), xs[2].(string), xs[3].(string), xs[4].(string), kubeconfig)
			if err := st.Validate(); err != nil {
				return nil, err
			}
			return map[string]map[string]string{"public": st.PublicFiles(), "secret": st.SecretFiles()}, nil
		})
	pick := func(part string) pulumi.StringMapOutput {
		return all.ApplyT(func(v any) map[string]string {
			return v.(map[string]map[string]string)[part]
		}).(pulumi.StringMapOutput)
	}
	return renderedFiles{
		public: pick("public"),
		secret: pulumi.ToSecret(pick("secret")).(pulumi.StringMapOutput),
		checksum: pulumi.ToSecret(all.ApplyT(func(v any) string {
			return checksum(v.(map[string]map[string]string))
		})).(pulumi.StringOutput),
	}
}

// Settings is the whole Spinnaker configuration of the workshop: the
// accounts halconfig.sh used to register, and SQL storage.
func Settings(a SpinnakerArgs, dbPassword, adminPassword, accountID, managedRoleArn, bucket, kubeconfig string) settings.Settings {
	return settings.Settings{
		Version:   a.Version,
		Namespace: a.Namespace,
		Services:  settings.DefaultServices(),
		RedisURL:  fmt.Sprintf("redis://spin-redis.%s:6379", a.Namespace),
		SQL: settings.SQL{
			Host: fmt.Sprintf("spin-mysql.%s", a.Namespace), Port: 3306,
			User: "spinnaker", Password: dbPassword,
			Databases: map[string]string{"clouddriver": "clouddriver", "front50": "front50", "orca": "orca"},
		},
		Kubernetes: []settings.KubernetesAccount{{
			Name: "eks", Context: "eks", KubeconfigContents: kubeconfig,
			Namespaces: []string{a.YelbNamespace}, OnlySpinnakerManaged: false,
		}},
		AWS: []settings.AWSAccount{{
			Name: "ec2", AccountID: accountID, AssumeRole: managedRoleArn, Regions: []string{a.Region},
		}},
		S3Artifacts: []settings.S3ArtifactAccount{{Name: "platform", Region: a.Region}},
		CodeBuild: []settings.CodeBuildAccount{{
			Name: "platform", AccountID: accountID, AssumeRole: managedRoleArn, Region: a.Region,
		}},
		DeckURL:       fmt.Sprintf("http://localhost:%d", LocalDeckPort),
		GateURL:       fmt.Sprintf("http://localhost:%d/api/v1", LocalGatePort),
		AdminPassword: adminPassword,
	}
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
	return &config{configMap: cm, secret: secret, checksum: files.checksum}, nil
}

type config struct {
	configMap *corev1.ConfigMap
	secret    *corev1.Secret
	checksum  pulumi.StringOutput
}

// checksum is stable for the same files whatever the map order.
func checksum(parts map[string]map[string]string) string {
	h := sha256.New()
	for _, part := range []string{"public", "secret"} {
		var names []string
		for n := range parts[part] {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(h, "%s/%s\n%s\n", part, n, parts[part][n])
		}
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
