package mockcloud

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// answerer builds the id and output state the simulated cloud gives one
// resource: its inputs, the name auto-naming picks, and (outside a preview)
// the attributes the provider computes.
type answerer struct {
	c       *Cloud
	r       Resource
	out     resource.PropertyMap
	preview bool
}

func (a *answerer) set(k string, v any) {
	a.out[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
}

// computed sets an attribute the provider only knows once the resource
// exists; in a preview a string becomes unknown (see Cloud.Preview).
func (a *answerer) computed(k string, v any) {
	if a.preview {
		v = unknownLike(v)
	}
	a.set(k, v)
}

// unknownLike is the preview's stand-in for a computed value.
func unknownLike(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	if strings.HasPrefix(s, "arn:") {
		if parts := strings.SplitN(s, ":", 6); len(parts) == 6 {
			return strings.Join(parts[:5], ":") + ":" + UnknownMarker
		}
	}
	return UnknownMarker
}

// name returns the physical name in input k, auto-naming it when absent, as
// the provider's Check does during a preview too.
func (a *answerer) name(k string) string {
	if _, ok := a.out[resource.PropertyKey(k)]; !ok {
		a.set(k, autoName(a.r))
	}
	s, _ := Plain(a.out[resource.PropertyKey(k)], false).(string)
	return s
}

func (a *answerer) input(k string) string {
	s, _ := Plain(a.out[resource.PropertyKey(k)], false).(string)
	return s
}

// regional is an ARN of a regional service in this account.
func (a *answerer) regional(service, rest string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, a.c.Region, AccountID, rest)
}

// hex is a stable made-up hex identifier of n characters for this resource.
func (a *answerer) hex(n int) string { return hexOf(a.r.URN, n) }

func (a *answerer) uuid() string {
	h := a.hex(32)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Answer returns the id and outputs the simulated cloud gives r once created,
// from r.Inputs. The stand-in providers of internal/harness/standin answer
// the real engine with it.
func (c *Cloud) Answer(r Resource) (string, resource.PropertyMap, error) {
	return c.answer(r, r.Inputs)
}

// answer returns the id and outputs for r, given the inputs the provider
// receives. Types it does not know get their inputs back and no invented
// attributes, so a program reading one sees it empty (or unknown in a
// preview) rather than a plausible fake.
func (c *Cloud) answer(r Resource, inputs resource.PropertyMap) (string, resource.PropertyMap, error) {
	c.mu.Lock()
	preview := c.preview
	c.mu.Unlock()
	a := &answerer{c: c, r: r, out: inputs.Copy(), preview: preview}
	id := ""
	switch {
	case r.Type == "eks:index:Cluster":
		a.eksCluster()
	case strings.HasPrefix(r.Type, "kubernetes:helm.sh/v4:Chart"), strings.HasPrefix(r.Type, "kubernetes:yaml/v2:"):
		a.computed("resources", []any{})
	case strings.HasPrefix(r.Type, "pulumi:providers:"):
		id = "provider-" + a.hex(12)
	case r.Type == "pulumi:pulumi:StackReference":
		return c.stackReference(r)
	default:
		if s, ok := shapes[r.Type]; ok {
			id = s(a)
		} else if r.Custom {
			id = a.hex(17)
		}
	}
	if preview && r.Custom {
		// A resource that does not exist yet has no id in a preview.
		id = UnknownMarker
	}
	return id, a.out, nil
}

// stackReference answers a StackReference with the stack's outputs.
func (c *Cloud) stackReference(r Resource) (string, resource.PropertyMap, error) {
	name := r.String("name")
	c.mu.Lock()
	outputs, ok := c.Stacks[name]
	c.mu.Unlock()
	if !ok {
		return "", nil, fmt.Errorf("unknown stack %q", name)
	}
	return name, resource.NewPropertyMapFromMap(map[string]any{
		"name": name, "outputs": outputs, "secretOutputNames": []any{},
	}), nil
}

// eksCluster fills in what pulumi-eks returns for eks:index:Cluster. As a
// remote component it creates no children under mocks, so its eksCluster
// output refers to the component itself, typed as the aws:eks Cluster it
// wraps; the state below carries that cluster's attributes, which is what
// the SDK reads when it rehydrates the reference.
func (a *answerer) eksCluster() {
	clusterName := a.input("name")
	if clusterName == "" {
		clusterName = autoName(a.r)
		a.set("name", clusterName)
	}
	id := clusterName
	if a.preview {
		id = UnknownMarker
	}
	a.out["eksCluster"] = resource.NewProperty(resource.ResourceReference{
		URN:  resource.URN(a.r.URN),
		Name: a.r.Name + "-eksCluster",
		Type: "aws:eks/cluster:Cluster",
		ID:   resource.NewProperty(id),
	})
	issuer := fmt.Sprintf("oidc.eks.%s.amazonaws.com/id/%s", a.c.Region, strings.ToUpper(a.hex(32)))
	endpoint := fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", strings.ToUpper(a.hex(32)), a.c.Region)
	if a.preview {
		issuer = fmt.Sprintf("oidc.eks.%s.amazonaws.com/id/%s", a.c.Region, UnknownMarker)
		endpoint = fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", UnknownMarker, a.c.Region)
	}
	kubeconfig := eksKubeconfig(endpoint, a.c.Region, clusterName)
	raw, _ := json.Marshal(kubeconfig)
	a.computed("arn", a.regional("eks", "cluster/"+clusterName))
	a.set("endpoint", endpoint)
	a.computed("status", "ACTIVE")
	a.set("oidcIssuer", issuer)
	a.set("oidcProviderUrl", "https://"+issuer)
	a.set("oidcProviderArn", "arn:aws:iam::"+AccountID+":oidc-provider/"+issuer)
	a.computed("clusterSecurityGroupId", "sg-"+hexOf(clusterName+"/cluster", 17))
	a.computed("nodeSecurityGroupId", "sg-"+hexOf(clusterName+"/node", 17))
	// pulumi-eks marks both kubeconfig outputs secret.
	a.out["kubeconfig"] = resource.MakeSecret(resource.NewPropertyValue(kubeconfig))
	a.out["kubeconfigJson"] = resource.MakeSecret(resource.NewProperty(string(raw)))
}

func eksKubeconfig(endpoint, region, clusterName string) map[string]any {
	return map[string]any{
		"apiVersion": "v1",
		"kind":       "Config",
		"clusters": []any{map[string]any{"name": "kubernetes", "cluster": map[string]any{
			"server": endpoint, "certificate-authority-data": "LS0tLS1CRUdJTi1DRVJU",
		}}},
		"contexts": []any{map[string]any{"name": "aws", "context": map[string]any{
			"cluster": "kubernetes", "user": "aws",
		}}},
		"current-context": "aws",
		"users": []any{map[string]any{"name": "aws", "user": map[string]any{"exec": map[string]any{
			"apiVersion": "client.authentication.k8s.io/v1beta1",
			"command":    "aws",
			"args":       []any{"--region", region, "eks", "get-token", "--cluster-name", clusterName, "--output", "json"},
		}}}},
	}
}
