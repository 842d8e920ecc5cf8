// Package addons installs the app cluster's add-ons, each with its own
// least-privilege IAM role and its own enable flag. Pod Identity gives every
// add-on its credentials, except App Mesh, whose SDK and Envoy predate it.
package addons

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	helmv4 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v4"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
)

// Flags switches each add-on on or off.
type Flags struct {
	LoadBalancerController  bool `json:"awsLoadBalancerController"`
	ClusterAutoscaler       bool `json:"clusterAutoscaler"`
	CloudWatchObservability bool `json:"cloudwatchObservability"`
	MetricsServer           bool `json:"metricsServer"`
	EBSCSIDriver            bool `json:"ebsCsiDriver"`
	// The traffic backends follow the app's backend, not their own keys.
	GatewayAPIController bool `json:"-"`
	AppMeshController    bool `json:"-"`
}

// AddOnsArgs says which cluster to install into and what to install.
type AddOnsArgs struct {
	// ClusterName is known up front (IAM conditions and log group names carry
	// it); ClusterReady resolves to the same name once the cluster exists.
	ClusterName       string
	ClusterReady      pulumi.StringInput
	KubernetesVersion string
	Region            string
	VpcId             pulumi.StringInput
	// OIDC is the cluster's IAM OIDC provider, for what cannot use Pod
	// Identity (App Mesh).
	OIDC     OIDCProvider
	Provider *kubernetes.Provider
	// Nodes must exist before anything with pods can become ready.
	Nodes            pulumi.Resource
	Flags            Flags
	LogRetentionDays int
	Tags             map[string]string
	Traffic          TrafficArgs
	// ChartMirror, when set, is the Helm repository every chart comes from
	// instead of its upstream one.
	ChartMirror string
}

// AddOns is the set of installed add-ons.
type AddOns struct {
	pulumi.ResourceState

	// Resources are everything the add-ons created. Depend on all of them,
	// not on the component, whose children a dependency may see only in
	// part: the dependent then starts after them and is destroyed before
	// them, while the controllers that clean up after it still run.
	Resources []pulumi.Resource
	// EnvoyRoleArn is the role the app's Envoy sidecars assume through IRSA
	// (App Mesh only); the app's service account must name it.
	EnvoyRoleArn string
}

// NewAddOns installs the enabled add-ons.
func NewAddOns(ctx *pulumi.Context, name string, args AddOnsArgs, opts ...pulumi.ResourceOption) (*AddOns, error) {
	a := &AddOns{}
	if err := ctx.RegisterComponentResource("workshop:addons:AddOns", name, a, opts...); err != nil {
		return nil, err
	}
	in := installer{ctx: ctx, name: name, args: args, parent: a}

	// pulumi-eks leaves CoreDNS out of a cluster without a default node
	// group; without it nothing resolves a Service name.
	if _, err := in.eksAddon("coredns", CoreDNSVersion, nil); err != nil {
		return nil, err
	}
	agent, err := in.eksAddon("eks-pod-identity-agent", PodIdentityAgentVersion, nil)
	if err != nil {
		return nil, err
	}
	in.agent = agent

	steps := []struct {
		enabled bool
		name    string
		install func() error
	}{
		{args.Flags.LoadBalancerController, LoadBalancerControllerChart.Name, in.loadBalancerController},
		{args.Flags.ClusterAutoscaler, ClusterAutoscalerChart.Name, in.clusterAutoscaler},
		{args.Flags.CloudWatchObservability, "amazon-cloudwatch-observability", in.cloudWatchObservability},
		{args.Flags.MetricsServer, MetricsServerChart.Name, in.metricsServer},
		{args.Flags.EBSCSIDriver, "aws-ebs-csi-driver", in.ebsCSIDriver},
		{args.Flags.GatewayAPIController, GatewayAPIControllerChart.Name, in.latticeController},
		{args.Flags.AppMeshController, AppMeshControllerChart.Name, in.appMeshController},
	}
	for _, s := range steps {
		if !s.enabled {
			continue
		}
		if err := s.install(); err != nil {
			return nil, fmt.Errorf("add-ons %s: %s: %w", name, s.name, err)
		}
	}
	a.Resources = in.created
	a.EnvoyRoleArn = in.envoyRoleArn
	return a, ctx.RegisterResourceOutputs(a, pulumi.Map{})
}

// installer carries what every add-on needs, and collects what it creates.
type installer struct {
	ctx          *pulumi.Context
	name         string
	args         AddOnsArgs
	parent       pulumi.Resource
	agent        *eks.Addon
	created      []pulumi.Resource
	envoyRoleArn string
}

func (in *installer) child(name string) string { return in.name + "-" + name }

func (in *installer) keep(rs ...pulumi.Resource) { in.created = append(in.created, rs...) }

// podIdentity creates a role that only the given service account can assume
// and associates the two. Pods read the association when they start, so the
// workload must wait for it.
func (in *installer) podIdentity(short, namespace, serviceAccount string, policy *awsiam.Document, managed []string) (*eks.PodIdentityAssociation, error) {
	var inline pulumi.StringInput
	if policy != nil {
		inline = awsiam.Static(*policy)
	}
	role, err := awsiam.NewRole(in.ctx, in.child(short), awsiam.RoleArgs{
		Description:     fmt.Sprintf("%s/%s in EKS cluster %s", namespace, serviceAccount, in.args.ClusterName),
		Trust:           awsiam.PodIdentityTrust(),
		Policy:          inline,
		ManagedPolicies: managed,
		Tags:            in.args.Tags,
	}, pulumi.Parent(in.parent))
	if err != nil {
		return nil, err
	}
	return in.associate(short, namespace, serviceAccount, role.Arn)
}

// associate binds a service account to a role through Pod Identity.
func (in *installer) associate(short, namespace, serviceAccount string, roleArn pulumi.StringInput) (*eks.PodIdentityAssociation, error) {
	assoc, err := eks.NewPodIdentityAssociation(in.ctx, in.child(short), &eks.PodIdentityAssociationArgs{
		ClusterName:    in.args.ClusterReady,
		Namespace:      pulumi.String(namespace),
		ServiceAccount: pulumi.String(serviceAccount),
		RoleArn:        roleArn,
		Tags:           pulumi.ToStringMap(in.args.Tags),
	}, pulumi.Parent(in.parent))
	if err != nil {
		return nil, fmt.Errorf("associating %s/%s: %w", namespace, serviceAccount, err)
	}
	in.keep(assoc)
	return assoc, nil
}

// eksAddon installs an EKS-managed add-on once nodes exist to run it.
func (in *installer) eksAddon(addon, version string, extra func(*eks.AddonArgs), deps ...pulumi.Resource) (*eks.Addon, error) {
	args := &eks.AddonArgs{
		ClusterName:              in.args.ClusterReady,
		AddonName:                pulumi.String(addon),
		ResolveConflictsOnCreate: pulumi.String("OVERWRITE"),
		ResolveConflictsOnUpdate: pulumi.String("OVERWRITE"),
		Tags:                     pulumi.ToStringMap(in.args.Tags),
	}
	if version != "" {
		args.AddonVersion = pulumi.String(version)
	}
	if extra != nil {
		extra(args)
	}
	a, err := eks.NewAddon(in.ctx, in.child(addon), args, pulumi.Parent(in.parent),
		pulumi.DependsOn(append(deps, in.args.Nodes)))
	if err != nil {
		return nil, fmt.Errorf("installing EKS add-on %s: %w", addon, err)
	}
	in.keep(a)
	return a, nil
}

// chart installs a pinned Helm chart with the v4 Chart resource, which shows
// every rendered object in preview.
func (in *installer) chart(c Chart, namespace string, values pulumi.Map, deps ...pulumi.Resource) (*helmv4.Chart, error) {
	deps = append(deps, in.args.Nodes)
	if in.agent != nil {
		deps = append(deps, in.agent)
	}
	args := &helmv4.ChartArgs{
		Chart:     pulumi.String(c.Name),
		Version:   pulumi.String(c.Version),
		Namespace: pulumi.String(namespace),
		Values:    values,
	}
	switch {
	case in.args.ChartMirror != "":
		// A mirror serves every chart by name, OCI ones included.
		args.RepositoryOpts = helmv4.RepositoryOptsArgs{Repo: pulumi.String(in.args.ChartMirror)}
	case strings.HasPrefix(c.Repo, "oci://"):
		args.Chart = pulumi.String(c.Repo + "/" + c.Name)
	default:
		args.RepositoryOpts = helmv4.RepositoryOptsArgs{Repo: pulumi.String(c.Repo)}
	}
	chart, err := helmv4.NewChart(in.ctx, in.child(c.Name), args,
		pulumi.Parent(in.parent), pulumi.Provider(in.args.Provider), pulumi.DependsOn(deps))
	if err != nil {
		return nil, fmt.Errorf("installing chart %s %s: %w", c.Name, c.Version, err)
	}
	in.keep(chart)
	return chart, nil
}

// namespace creates a namespace for a chart that does not create its own.
func (in *installer) namespace(name string) (*corev1.Namespace, error) {
	ns, err := corev1.NewNamespace(in.ctx, in.child(name), &corev1.NamespaceArgs{
		Metadata: metav1.ObjectMetaArgs{Name: pulumi.String(name)},
	}, pulumi.Parent(in.parent), pulumi.Provider(in.args.Provider), pulumi.DependsOn([]pulumi.Resource{in.args.Nodes}))
	if err != nil {
		return nil, fmt.Errorf("creating namespace %s: %w", name, err)
	}
	in.keep(ns)
	return ns, nil
}
