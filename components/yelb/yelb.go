package yelb

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	yamlv2 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/yaml/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"sigs.k8s.io/yaml"
)

// AppArgs place the app on the app cluster.
type AppArgs struct {
	// Prefix is "<name>-<stack>"; the namespace and AWS names derive from it.
	Prefix   string
	Backend  string
	Delivery string
	// Stage is how far Pulumi delivery goes (1-4); Spinnaker delivery
	// leaves the stages to the pipelines.
	Stage  int
	Images Images
	Region string

	Provider *kubernetes.Provider
	// Controllers must run before the app and outlive it on destroy: the
	// ALB, volumes and Lattice services the app's objects stand for are
	// removed by them.
	Controllers []pulumi.Resource

	// Lattice only.
	VpcId               pulumi.StringInput
	VpcCidr             string
	NodeSecurityGroupId pulumi.StringInput
	ServiceDomain       string

	// App Mesh only: the role the Envoy sidecars assume through IRSA.
	EnvoyRoleArn string

	// Spinnaker only: where the pipelines read the manifests, and the key
	// prefix ("alice/") of this app's, when a room's apps share the bucket.
	ArtifactBucket pulumi.StringInput
	ArtifactPrefix string

	// DockerHubCredential, when set, is the ARN of the Secrets Manager
	// secret (ecr-pullthroughcache/...) with which the stack's ECR pulls the
	// Docker Hub images through; the nodes then pull from ECR.
	DockerHubCredential string
	AccountID           string
	// NodeRoleArn is the app nodes' role, which fills the cache.
	NodeRoleArn pulumi.StringInput

	Tags map[string]string
}

// App is the yelb app on its traffic backend.
type App struct {
	pulumi.ResourceState

	Namespace        string
	LoadBalancerName string
	// AppServerHost is the app server's stable name behind Lattice.
	AppServerHost string
	// Applied is what Pulumi applied (at least the namespace).
	Applied pulumi.Resource
}

// StorageClassName is the class of the data tier's volumes.
const StorageClassName = "yelb-gp3"

// ServiceDomain is the private zone of a stack's Lattice service names.
func ServiceDomain(prefix string) string { return "yelb." + prefix + ".internal" }

// ValuesFor are the template values of a stack; the Spinnaker delivery keeps
// the pipeline's namespace override and the build's image placeholder.
func ValuesFor(args AppArgs, delivery string) Values {
	v := Values{
		Namespace:        args.Prefix,
		Backend:          args.Backend,
		Images:           args.Images,
		StorageClass:     StorageClassName,
		ALBTags:          albTags(args.Tags),
		LoadBalancerName: args.Prefix + "-ui",
		Mesh:             MeshValues{Name: "yelb-mesh", AWSName: args.Prefix + "-yelb-mesh", EnvoyRoleArn: args.EnvoyRoleArn},
		Lattice: LatticeValues{
			GatewayName:   args.Prefix + "-yelb",
			RouteName:     "appserver",
			ServiceName:   LatticeServiceName(args.Prefix),
			AppServerHost: "appserver." + args.ServiceDomain,
		},
	}
	if delivery == DeliverySpinnaker {
		v.Namespace = SpinnakerNamespace
		v.Images.AppServerV2 = AppServerV2Placeholder
	}
	return v
}

func albTags(tags map[string]string) string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+tags[k])
	}
	return strings.Join(parts, ",")
}

// anchorKinds are the objects Pulumi applies even when Spinnaker delivers:
// the namespace (deleting it on destroy removes whatever the pipelines put
// in it, while the controllers that clean up after it still run) and the
// cluster-scoped objects a namespace deletion would leave behind.
var anchorKinds = map[string]bool{"Namespace": true, "StorageClass": true, "Mesh": true}

// NewApp renders the manifests and delivers them.
func NewApp(ctx *pulumi.Context, name string, args AppArgs, opts ...pulumi.ResourceOption) (*App, error) {
	app := &App{Namespace: args.Prefix, LoadBalancerName: args.Prefix + "-ui"}
	if err := ctx.RegisterComponentResource("workshop:yelb:App", name, app, opts...); err != nil {
		return nil, err
	}
	deps := append([]pulumi.Resource{}, args.Controllers...)
	if args.DockerHubCredential != "" {
		mirror, err := newDockerHubMirror(ctx, name, args, app)
		if err != nil {
			return nil, err
		}
		deps = append(deps, mirror...)
		registry := fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com", args.AccountID, args.Region)
		args.Images = MirroredImages(args.Images, registry, args.Prefix)
	}
	if args.Backend == BackendLattice {
		network, err := newServiceNetwork(ctx, name, args, app)
		if err != nil {
			return nil, err
		}
		deps = append(deps, network...)
		app.AppServerHost = "appserver." + args.ServiceDomain
	}
	stage, applies := args.Stage, func(Object) bool { return true }
	if args.Delivery == DeliverySpinnaker {
		stage, applies = 1, func(o Object) bool { return anchorKinds[o.Kind()] }
		if err := upload(ctx, name, args, app); err != nil {
			return nil, err
		}
	}
	applied, err := apply(ctx, name, args, stage, applies, deps, app)
	if err != nil {
		return nil, err
	}
	app.Applied = applied
	return app, ctx.RegisterResourceOutputs(app, pulumi.Map{
		"namespace":        pulumi.String(app.Namespace),
		"loadBalancerName": pulumi.String(app.LoadBalancerName),
	})
}

// apply has Pulumi apply, after deps, the objects of stages 1..stage that
// it delivers.
func apply(ctx *pulumi.Context, name string, args AppArgs, stage int, applies func(Object) bool, deps []pulumi.Resource, parent pulumi.Resource) (pulumi.Resource, error) {
	objs, err := Compose(ValuesFor(args, DeliveryPulumi), stage)
	if err != nil {
		return nil, fmt.Errorf("yelb %s: %w", name, err)
	}
	var docs []string
	for _, o := range objs {
		if !applies(o) {
			continue
		}
		b, err := yaml.Marshal(o)
		if err != nil {
			return nil, fmt.Errorf("yelb %s: %s %s: %w", name, o.Kind(), o.Name(), err)
		}
		docs = append(docs, string(b))
	}
	applied, err := yamlv2.NewConfigGroup(ctx, name, &yamlv2.ConfigGroupArgs{
		Yaml: pulumi.String(strings.Join(docs, "---\n")),
	}, pulumi.Parent(parent), pulumi.Provider(args.Provider), pulumi.DependsOn(deps))
	if err != nil {
		return nil, fmt.Errorf("yelb %s: applying manifests: %w", name, err)
	}
	return applied, nil
}

// upload puts the stage manifests where the pipelines read them; those
// that run v2 go under templates/, for the build to fill in its image.
func upload(ctx *pulumi.Context, name string, args AppArgs, parent pulumi.Resource) error {
	all, err := RenderAll(ValuesFor(args, DeliverySpinnaker))
	if err != nil {
		return fmt.Errorf("yelb %s: %w", name, err)
	}
	for _, f := range StageFiles {
		key := args.ArtifactPrefix + f
		if strings.Contains(all[f], AppServerV2Placeholder) {
			key = args.ArtifactPrefix + "templates/" + f
		}
		if _, err := s3.NewBucketObjectv2(ctx, name+"-"+strings.TrimSuffix(f, ".yaml"), &s3.BucketObjectv2Args{
			Bucket:      args.ArtifactBucket,
			Key:         pulumi.String(key),
			Content:     pulumi.String(all[f]),
			ContentType: pulumi.String("application/yaml"),
			Tags:        pulumi.ToStringMap(args.Tags),
		}, pulumi.Parent(parent)); err != nil {
			return fmt.Errorf("yelb %s: uploading %s: %w", name, key, err)
		}
	}
	return nil
}
