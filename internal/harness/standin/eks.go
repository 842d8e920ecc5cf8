package standin

import (
	"context"
	"crypto/sha1" //nolint:gosec // pulumi-eks names attachments by a SHA-1 prefix
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// EKSVersion is the pulumi-eks release the program's SDK asks for.
const EKSVersion = "3.9.1"

// EKS is the stand-in for pulumi-eks: only its Cluster component, which
// registers through the engine what pulumi-eks v3.9.1 registers for the
// program's arguments (nodejs/eks/cluster/cluster.ts, createCore).
type EKS struct {
	plugin.UnimplementedProvider
	clusters Clusters
}

// NewEKS is a stand-in whose clusters' kubeconfigs reach these API servers.
func NewEKS(clusters Clusters) *EKS { return &EKS{clusters: clusters} }

func (p *EKS) GetPluginInfo(context.Context) (plugin.PluginInfo, error) {
	v := semver.MustParse(EKSVersion)
	return plugin.PluginInfo{Version: &v}, nil
}

func (p *EKS) Close() error { return nil }

func (p *EKS) SignalCancellation(context.Context) error { return nil }

func (p *EKS) CheckConfig(_ context.Context, req plugin.CheckConfigRequest) (plugin.CheckConfigResponse, error) {
	return plugin.CheckConfigResponse{Properties: req.News}, nil
}

func (p *EKS) DiffConfig(context.Context, plugin.DiffConfigRequest) (plugin.DiffConfigResponse, error) {
	return plugin.DiffResult{Changes: plugin.DiffNone}, nil
}

func (p *EKS) Configure(context.Context, plugin.ConfigureRequest) (plugin.ConfigureResponse, error) {
	return plugin.ConfigureResponse{}, nil
}

// ConstructRPC builds a remote component through the engine; Serve hands it
// the gRPC request, which the SDK's provider.Construct needs.
func (p *EKS) ConstructRPC(ctx context.Context, req *pulumirpc.ConstructRequest, engine *grpc.ClientConn) (*pulumirpc.ConstructResponse, error) {
	return provider.Construct(ctx, req, engine, func(ctx *pulumi.Context, typ, name string, inputs provider.ConstructInputs, opts pulumi.ResourceOption) (*provider.ConstructResult, error) {
		if typ != "eks:index:Cluster" {
			return nil, fmt.Errorf("the eks stand-in constructs only eks:index:Cluster, not %s", typ)
		}
		var args clusterArgs
		if err := inputs.CopyTo(&args); err != nil {
			return nil, fmt.Errorf("eks:index:Cluster %s: reading inputs: %w", name, err)
		}
		c, err := newCluster(ctx, name, args, p.clusters, opts)
		if err != nil {
			return nil, err
		}
		return &provider.ConstructResult{URN: c.URN(), State: c.state}, nil
	})
}

// clusterArgs are the inputs of eks:index:Cluster the program sets.
type clusterArgs struct {
	Name                   pulumi.StringInput      `pulumi:"name"`
	Version                pulumi.StringInput      `pulumi:"version"`
	VpcId                  pulumi.StringInput      `pulumi:"vpcId"`
	PublicSubnetIds        pulumi.StringArrayInput `pulumi:"publicSubnetIds"`
	PrivateSubnetIds       pulumi.StringArrayInput `pulumi:"privateSubnetIds"`
	EndpointPrivateAccess  pulumi.BoolInput        `pulumi:"endpointPrivateAccess"`
	EndpointPublicAccess   pulumi.BoolInput        `pulumi:"endpointPublicAccess"`
	PublicAccessCidrs      pulumi.StringArrayInput `pulumi:"publicAccessCidrs"`
	EnabledClusterLogTypes pulumi.StringArrayInput `pulumi:"enabledClusterLogTypes"`
	EncryptionConfigKeyArn pulumi.StringInput      `pulumi:"encryptionConfigKeyArn"`
	AuthenticationMode     pulumi.StringInput      `pulumi:"authenticationMode"`
	AccessEntries          map[string]accessEntry  `pulumi:"accessEntries"`
	CreateOidcProvider     pulumi.BoolInput        `pulumi:"createOidcProvider"`
	SkipDefaultNodeGroup   pulumi.BoolInput        `pulumi:"skipDefaultNodeGroup"`
	Tags                   pulumi.StringMapInput   `pulumi:"tags"`
	ClusterTags            pulumi.StringMapInput   `pulumi:"clusterTags"`
}

// accessEntry is pulumi-eks's AccessEntry type, the fields the program sets.
type accessEntry struct {
	PrincipalArn   string                  `pulumi:"principalArn"`
	Tags           map[string]string       `pulumi:"tags"`
	AccessPolicies map[string]accessPolicy `pulumi:"accessPolicies"`
}

type accessPolicy struct {
	PolicyArn   string      `pulumi:"policyArn"`
	AccessScope accessScope `pulumi:"accessScope"`
}

type accessScope struct {
	Type       string   `pulumi:"type"`
	Namespaces []string `pulumi:"namespaces"`
}

// sha1Prefix is pulumi-eks's sha1hash (nodejs/eks/servicerole.ts).
func sha1Prefix(s string) string {
	sum := sha1.Sum([]byte(s)) //nolint:gosec // a name, not a secret
	return hex.EncodeToString(sum[:])[:8]
}

// sha1Full stands for a certificate thumbprint: 40 hex digits.
func sha1Full(s string) string {
	sum := sha1.Sum([]byte(s)) //nolint:gosec // a stand-in value
	return hex.EncodeToString(sum[:])
}

// kubeconfig reaches the API server standing for the cluster with its
// token; pulumi-eks's runs `aws eks get-token` instead, which needs AWS.
func kubeconfig(endpoint, token string) map[string]any {
	return map[string]any{
		"apiVersion": "v1",
		"kind":       "Config",
		"clusters": []any{map[string]any{"name": "kubernetes", "cluster": map[string]any{
			"server": endpoint, "insecure-skip-tls-verify": true,
		}}},
		"contexts": []any{map[string]any{"name": "aws", "context": map[string]any{
			"cluster": "kubernetes", "user": "aws",
		}}},
		"current-context": "aws",
		"users":           []any{map[string]any{"name": "aws", "user": map[string]any{"token": token}}},
	}
}

func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
