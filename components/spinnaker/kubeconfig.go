package spinnaker

import (
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"
)

// AccountKubeconfig turns the app cluster's kubeconfig (from pulumi-eks) into
// the one clouddriver's "eks" account uses: same endpoint and CA, context
// "eks", and a token from `aws eks get-token` under clouddriver's own role.
func AccountKubeconfig(appKubeconfigJSON, clusterName, region string) (string, error) {
	var src struct {
		Clusters []struct {
			Cluster struct {
				Server string `json:"server"`
				CA     string `json:"certificate-authority-data"`
			} `json:"cluster"`
		} `json:"clusters"`
	}
	if err := json.Unmarshal([]byte(appKubeconfigJSON), &src); err != nil {
		return "", fmt.Errorf("reading the app cluster kubeconfig: %w", err)
	}
	if len(src.Clusters) == 0 || src.Clusters[0].Cluster.Server == "" {
		return "", fmt.Errorf("the app cluster kubeconfig names no server")
	}
	c := src.Clusters[0].Cluster
	out := map[string]any{
		"apiVersion":      "v1",
		"kind":            "Config",
		"current-context": "eks",
		"clusters": []any{map[string]any{"name": clusterName, "cluster": map[string]any{
			"server": c.Server, "certificate-authority-data": c.CA,
		}}},
		"contexts": []any{map[string]any{"name": "eks", "context": map[string]any{
			"cluster": clusterName, "user": "clouddriver",
		}}},
		"users": []any{map[string]any{"name": "clouddriver", "user": map[string]any{"exec": map[string]any{
			"apiVersion": "client.authentication.k8s.io/v1beta1",
			"command":    "aws",
			"args":       []any{"--region", region, "eks", "get-token", "--cluster-name", clusterName, "--output", "json"},
		}}}},
	}
	b, err := yaml.Marshal(out)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
