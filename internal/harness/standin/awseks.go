package standin

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/workshop/spinnaker-modernization/internal/harness"
	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

const (
	clusterType   = "aws:eks/cluster:Cluster"
	nodeGroupType = "aws:eks/nodeGroup:NodeGroup"
)

// Clusters are the API servers that stand for EKS clusters, by cluster
// name: creating the cluster hands out its endpoint, a node group's nodes
// register there.
type Clusters map[string]*harness.ControlPlane

func (p *AWS) controlPlane(name string) (*harness.ControlPlane, error) {
	cp, ok := p.clusters[name]
	if !ok {
		return nil, fmt.Errorf("no API server stands for EKS cluster %q (have %v)", name, slices.Sorted(maps.Keys(p.clusters)))
	}
	return cp, nil
}

// answerCluster is what EKS describes for a cluster: its endpoint is the
// local API server of that name.
func (p *AWS) answerCluster(r mockcloud.Resource) (string, resource.PropertyMap, error) {
	name, _ := mockcloud.Plain(r.Inputs["name"], false).(string)
	cp, err := p.controlPlane(name)
	if err != nil {
		return "", nil, fmt.Errorf("creating EKS Cluster (%s): %w", name, err)
	}
	ca, err := os.ReadFile(filepath.Join(cp.Dir, "certs", "apiserver.crt"))
	if err != nil {
		return "", nil, err
	}
	region := p.cloud.Region
	hash := strings.ToUpper(shortHash(name))
	vpcConfig, _ := mockcloud.Plain(r.Inputs["vpcConfig"], false).(map[string]any)
	if vpcConfig == nil {
		vpcConfig = map[string]any{}
	}
	vpcConfig["clusterSecurityGroupId"] = "sg-" + shortHash(name+"/cluster")
	out := r.Inputs.Copy()
	for k, v := range map[string]any{
		"arn":                  fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", region, mockcloud.AccountID, name),
		"endpoint":             cp.URL,
		"certificateAuthority": map[string]any{"data": base64.StdEncoding.EncodeToString(ca)},
		"identities": []any{map[string]any{"oidcs": []any{map[string]any{
			"issuer": fmt.Sprintf("https://oidc.eks.%s.amazonaws.com/id/%s", region, hash),
		}}}},
		"vpcConfig":       vpcConfig,
		"status":          "ACTIVE",
		"platformVersion": "eks.1",
		"clusterId":       shortHash(name + "/id"),
	} {
		out[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
	}
	return name, out, nil
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:10]
}

// startNodes registers the group's desired nodes with its cluster's API
// server, for kwok to run them, spread over the zones of its subnets.
func (p *AWS) startNodes(ctx context.Context, inputs resource.PropertyMap) error {
	return p.eachNode(inputs, func(cp *harness.ControlPlane, i int, node harness.Object) error {
		if err := cp.Create(ctx, node); err != nil {
			return fmt.Errorf("registering node %d: %w", i, err)
		}
		return nil
	})
}

// stopNodes removes the group's nodes; the node lifecycle and pod GC
// controllers evict what ran on them.
func (p *AWS) stopNodes(ctx context.Context, inputs resource.PropertyMap) error {
	return p.eachNode(inputs, func(cp *harness.ControlPlane, _ int, node harness.Object) error {
		return cp.Delete(ctx, node)
	})
}

// eachNode calls f with each desired node of the group and its cluster.
func (p *AWS) eachNode(inputs resource.PropertyMap, f func(cp *harness.ControlPlane, i int, node harness.Object) error) error {
	group, err := p.nodeGroupOf(inputs)
	if err != nil {
		return err
	}
	cp, err := p.controlPlane(group.cluster)
	if err != nil {
		return err
	}
	for i := range group.desired {
		if err := f(cp, i, group.node(i, p.cloud.Region)); err != nil {
			return err
		}
	}
	return nil
}

func (p *AWS) nodeGroupOf(inputs resource.PropertyMap) (*nodeGroup, error) {
	in := mockcloud.PlainMap(inputs, false)
	g := &nodeGroup{}
	g.cluster, _ = in["clusterName"].(string)
	g.name, _ = in["nodeGroupName"].(string)
	g.amiType, _ = in["amiType"].(string)
	if types, _ := in["instanceTypes"].([]any); len(types) > 0 {
		g.instanceType, _ = types[0].(string)
	}
	scaling, _ := in["scalingConfig"].(map[string]any)
	desired, _ := scaling["desiredSize"].(float64)
	g.desired = int(desired)
	subnets, _ := in["subnetIds"].([]any)
	for _, s := range subnets {
		id, _ := s.(string)
		if sub, ok := p.state.get("aws:ec2/subnet:Subnet", id); ok {
			if az, ok := mockcloud.Plain(sub.inputs["availabilityZone"], false).(string); ok {
				g.zones = append(g.zones, az)
			}
		}
	}
	if len(g.zones) == 0 {
		return nil, fmt.Errorf("node group %s: no zone among its subnets %v", g.name, subnets)
	}
	if _, ok := instanceTypes[g.instanceType]; !ok {
		return nil, fmt.Errorf("node group %s: the stand-in has no capacity figures for instance type %q", g.name, g.instanceType)
	}
	return g, nil
}
