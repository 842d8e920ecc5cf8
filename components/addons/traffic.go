package addons

import (
	"context"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	yamlv2 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/yaml/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/components/awsiam"
	"github.com/workshop/spinnaker-modernization/manifests"
)

// Names the traffic add-ons fix; the yelb manifests refer to them.
const (
	LatticeNamespace      = "aws-application-networking-system"
	LatticeServiceAccount = "gateway-api-controller"
	LatticeGatewayClass   = "amazon-vpc-lattice"
	externalDNSNamespace  = "external-dns"
	AppMeshNamespace      = "appmesh-system"
	appMeshServiceAccount = "appmesh-controller"
	// WorkloadServiceAccount runs every yelb pod; under App Mesh its Envoy
	// sidecars need AWS credentials through it.
	WorkloadServiceAccount = "yelb"
)

// TrafficArgs configure the traffic backend add-ons of the app cluster.
type TrafficArgs struct {
	// AccountID is the AWS account, which the controllers need.
	AccountID string
	// ServiceDomain is the private hosted zone the app's Lattice services
	// get custom domains in (Lattice only).
	ServiceDomain string
	// AppNamespace is where the app runs (App Mesh: its Envoys' identity).
	AppNamespace string
}

// GatewayAPIControllerPolicy is the Lattice controller's policy: upstream's
// recommended one (files/controller-installation/recommended-inline-policy.json)
// with vpc-lattice:* spelled out as the verbs the controller uses.
func GatewayAPIControllerPolicy() (awsiam.Document, error) {
	return awsiam.Parse(manifests.Read("iam/gateway-api-controller.json"))
}

// ExternalDNSPolicy may change records only in the given zone.
func ExternalDNSPolicy(zoneArn string) awsiam.Document {
	return awsiam.Policy(
		awsiam.Allow([]string{"route53:ChangeResourceRecordSets"}, zoneArn),
		awsiam.Allow([]string{"route53:ListHostedZones", "route53:ListResourceRecordSets", "route53:ListTagsForResources"}, "*"),
	)
}

// GatewayAPICRDs is the GatewayAPIVersion release's standard channel,
// embedded so that installing it downloads nothing
// (manifests/gateway-api/README.md).
var GatewayAPICRDs = manifests.Read("gateway-api/standard-install.yaml")

// NewGatewayAPICRDs applies GatewayAPICRDs. Stacks from before they were
// embedded hold them under a ConfigFile of the release URL; the aliases
// move them, and every HTTPRoute with them, to this group in place. The
// group's own alias does not reach the objects the provider registers
// under it, so a transform gives each of them its own.
func NewGatewayAPICRDs(ctx *pulumi.Context, name string, opts ...pulumi.ResourceOption) (*yamlv2.ConfigGroup, error) {
	return yamlv2.NewConfigGroup(ctx, name, &yamlv2.ConfigGroupArgs{Yaml: pulumi.String(GatewayAPICRDs)},
		append(opts,
			pulumi.Aliases([]pulumi.Alias{{Type: pulumi.String(configFileType)}}),
			pulumi.Transforms([]pulumi.ResourceTransform{underFormerConfigFile}))...)
}

const (
	configFileType  = "kubernetes:yaml/v2:ConfigFile"
	configGroupType = "kubernetes:yaml/v2:ConfigGroup"
)

// underFormerConfigFile aliases an object of the group to its URN under
// the ConfigFile the group replaced: the same parent URN with the
// ConfigFile type, the object's own type and name.
func underFormerConfigFile(_ context.Context, args *pulumi.ResourceTransformArgs) *pulumi.ResourceTransformResult {
	if !args.Custom || args.Opts.Parent == nil {
		return nil
	}
	former := args.Opts.Parent.URN().ApplyT(formerParent).(pulumi.URNOutput)
	opts := args.Opts
	opts.Aliases = append(opts.Aliases, pulumi.Alias{Name: pulumi.String(args.Name), Type: pulumi.String(args.Type), ParentURN: former})
	return &pulumi.ResourceTransformResult{Props: args.Props, Opts: opts}
}

// formerParent is the URN a ConfigGroup had as a ConfigFile: the last type
// of a URN's type chain is the resource's own, just before "::<name>".
func formerParent(group pulumi.URN) pulumi.URN {
	u := string(group)
	i := strings.LastIndex(u, "::")
	if i < 0 || !strings.HasSuffix(u[:i], configGroupType) {
		return group
	}
	return pulumi.URN(strings.TrimSuffix(u[:i], configGroupType) + configFileType + u[i:])
}

// latticeController installs the AWS Gateway API Controller for VPC Lattice:
// Gateway API CRDs, ExternalDNS writing the routes' custom domains into a
// private zone of the app VPC, the controller with its Pod Identity role,
// and the GatewayClass.
func (in *installer) latticeController() error {
	crds, err := NewGatewayAPICRDs(in.ctx, in.child("gateway-api-crds"),
		pulumi.Parent(in.parent), pulumi.Provider(in.args.Provider), pulumi.DependsOn([]pulumi.Resource{in.args.Nodes}))
	if err != nil {
		return fmt.Errorf("installing Gateway API %s CRDs: %w", GatewayAPIVersion, err)
	}
	in.keep(crds)
	// The controller watches DNSEndpoints only if their CRD exists when it
	// starts (pkg/controllers/route_controller.go, IsGVKSupported), and the
	// external-dns chart is what installs that CRD.
	dns, err := in.externalDNS()
	if err != nil {
		return err
	}
	ns, err := in.namespace(LatticeNamespace)
	if err != nil {
		return err
	}
	policy, err := GatewayAPIControllerPolicy()
	if err != nil {
		return err
	}
	assoc, err := in.podIdentity("lattice", LatticeNamespace, LatticeServiceAccount, &policy, nil)
	if err != nil {
		return err
	}
	controller, err := in.chart(GatewayAPIControllerChart, LatticeNamespace, pulumi.Map{
		"serviceAccount": pulumi.Map{"create": pulumi.Bool(true), "name": pulumi.String(LatticeServiceAccount)},
		"awsRegion":      pulumi.String(in.args.Region),
		"awsAccountId":   pulumi.String(in.args.Traffic.AccountID),
		"clusterVpcId":   in.args.VpcId,
		"clusterName":    pulumi.String(in.args.ClusterName),
		// The external-dns chart ships the DNSEndpoint CRD; two copies under
		// two field managers conflict (upstream's values.yaml: false when
		// external-dns is installed).
		"installExternalDNSCRD": pulumi.Bool(false),
		// The readiness-gate webhook needs certificates we would have to
		// manage; the app's own readiness probes and Lattice health checks
		// already keep unready pods out of the target groups.
		"webhookEnabled": pulumi.Bool(false),
		"pdb":            pulumi.Map{"enabled": pulumi.Bool(true), "minAvailable": pulumi.Int(1)},
	}, ns, assoc, crds, dns)
	if err != nil {
		return err
	}
	return in.gatewayClass(crds, controller)
}

// gatewayClass hands Gateways of the class to the Lattice controller. The
// app must outlive it: without the class the controller no longer takes the
// app's Gateway and routes for its own (pkg/k8s/utils.go,
// IsControlledByLatticeGatewayController), never removes their finalizers,
// and the Lattice service leaks.
func (in *installer) gatewayClass(deps ...pulumi.Resource) error {
	class, err := apiextensions.NewCustomResource(in.ctx, in.child("gatewayclass"), &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("gateway.networking.k8s.io/v1"),
		Kind:       pulumi.String("GatewayClass"),
		Metadata:   metav1.ObjectMetaArgs{Name: pulumi.String(LatticeGatewayClass)},
		OtherFields: map[string]any{
			"spec": map[string]any{"controllerName": "application-networking.k8s.aws/gateway-api-controller"},
		},
	}, pulumi.Parent(in.parent), pulumi.Provider(in.args.Provider), pulumi.DependsOn(deps))
	if err != nil {
		return fmt.Errorf("creating GatewayClass: %w", err)
	}
	in.keep(class)
	return nil
}

// externalDNS creates the private zone and ExternalDNS watching the
// DNSEndpoints the Lattice controller writes. Policy sync deletes records
// with their routes, so a destroy leaves no stale names.
func (in *installer) externalDNS() (pulumi.Resource, error) {
	zone, err := route53.NewZone(in.ctx, in.child("services"), &route53.ZoneArgs{
		Name:         pulumi.String(in.args.Traffic.ServiceDomain),
		Comment:      pulumi.Sprintf("Lattice service names of EKS cluster %s", in.args.ClusterName),
		Vpcs:         route53.ZoneVpcArray{route53.ZoneVpcArgs{VpcId: in.args.VpcId}},
		ForceDestroy: pulumi.Bool(true),
		Tags:         pulumi.ToStringMap(in.args.Tags),
	}, pulumi.Parent(in.parent))
	if err != nil {
		return nil, fmt.Errorf("creating private zone %s: %w", in.args.Traffic.ServiceDomain, err)
	}
	in.keep(zone)
	policy := zone.Arn.ApplyT(func(arn string) string { return ExternalDNSPolicy(arn).JSON() }).(pulumi.StringOutput)
	role, err := awsiam.NewRole(in.ctx, in.child("external-dns"), awsiam.RoleArgs{
		Description: fmt.Sprintf("%s/external-dns in EKS cluster %s", externalDNSNamespace, in.args.ClusterName),
		Trust:       awsiam.PodIdentityTrust(),
		Policy:      policy,
		Tags:        in.args.Tags,
	}, pulumi.Parent(in.parent))
	if err != nil {
		return nil, err
	}
	assoc, err := in.associate("external-dns", externalDNSNamespace, "external-dns", role.Arn)
	if err != nil {
		return nil, err
	}
	ns, err := in.namespace(externalDNSNamespace)
	if err != nil {
		return nil, err
	}
	return in.chart(ExternalDNSChart, externalDNSNamespace, pulumi.Map{
		"provider":       pulumi.Map{"name": pulumi.String("aws")},
		"sources":        pulumi.StringArray{pulumi.String("crd")},
		"domainFilters":  pulumi.StringArray{pulumi.String(in.args.Traffic.ServiceDomain)},
		"policy":         pulumi.String("sync"),
		"registry":       pulumi.String("txt"),
		"txtOwnerId":     pulumi.String(in.args.ClusterName),
		"serviceAccount": pulumi.Map{"create": pulumi.Bool(true), "name": pulumi.String("external-dns")},
		"env":            pulumi.Array{pulumi.Map{"name": pulumi.String("AWS_DEFAULT_REGION"), "value": pulumi.String(in.args.Region)}},
		"extraArgs": pulumi.StringArray{
			pulumi.String("--crd-source-apiversion=externaldns.k8s.io/v1alpha1"),
			pulumi.String("--crd-source-kind=DNSEndpoint"),
			pulumi.String("--aws-zone-type=private"),
			// TXT ownership records may not share a name with the CNAME.
			pulumi.String("--txt-prefix=owner."),
		},
	}, ns, assoc, zone)
}

// AppMeshPolicies are the managed policies upstream gives the controller.
var AppMeshPolicies = []string{"AWSCloudMapFullAccess", "AWSAppMeshFullAccess"}

// AppMeshEnvoyPolicies let the app's Envoy sidecars fetch their config and
// their X-Ray daemons send traces.
var AppMeshEnvoyPolicies = []string{"AWSAppMeshEnvoyAccess", "AWSXRayDaemonWriteAccess"}

// irsaRoleAnnotation names the role the EKS pod identity webhook gives a
// service account's pods through IRSA.
const irsaRoleAnnotation = "eks.amazonaws.com/role-arn"

// EnvoyRoleName is the role of a cluster's Envoy sidecars, named up front so
// the app's manifests can carry its ARN.
func EnvoyRoleName(clusterName string) string { return clusterName + "-envoy" }

// appMeshController installs the App Mesh controller with X-Ray tracing,
// and the identity of the app's Envoy sidecars. Both use IRSA: controller
// 1.13.3 is built with aws-sdk-go v1.44.252 (go.mod at v1.13.3), older than
// the v1.47.11 Pod Identity needs (EKS user guide, pod-id-minimum-sdk.html),
// and Envoy does not read Pod Identity credentials (aws-app-mesh-roadmap#493).
func (in *installer) appMeshController() error {
	envoyRole := EnvoyRoleName(in.args.ClusterName)
	if len(envoyRole) > 64 {
		return fmt.Errorf("the Envoy role name %q is longer than IAM's 64 characters", envoyRole)
	}
	ns, err := in.namespace(AppMeshNamespace)
	if err != nil {
		return err
	}
	controllerRole, err := in.irsaRole("appmesh", "", AppMeshNamespace, appMeshServiceAccount, AppMeshPolicies)
	if err != nil {
		return err
	}
	if _, err := in.irsaRole("envoy", envoyRole, in.args.Traffic.AppNamespace, WorkloadServiceAccount, AppMeshEnvoyPolicies); err != nil {
		return err
	}
	in.envoyRoleArn = fmt.Sprintf("arn:aws:iam::%s:role/%s", in.args.Traffic.AccountID, envoyRole)
	_, err = in.chart(AppMeshControllerChart, AppMeshNamespace, pulumi.Map{
		"region":    pulumi.String(in.args.Region),
		"accountId": pulumi.String(in.args.Traffic.AccountID),
		"serviceAccount": pulumi.Map{
			"create":      pulumi.Bool(true),
			"name":        pulumi.String(appMeshServiceAccount),
			"annotations": pulumi.Map{irsaRoleAnnotation: controllerRole},
		},
		"tracing": pulumi.Map{
			"enabled":  pulumi.Bool(true),
			"provider": pulumi.String("x-ray"),
		},
	}, ns)
	return err
}
