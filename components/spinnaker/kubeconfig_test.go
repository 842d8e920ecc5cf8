package spinnaker

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestAccountKubeconfigUsesGetTokenForTheAppCluster(t *testing.T) {
	app := `{"clusters":[{"name":"kubernetes","cluster":{"server":"https://ABC.gr7.ap-northeast-2.eks.amazonaws.com","certificate-authority-data":"Q0E="}}],
		"users":[{"name":"aws","user":{"exec":{"command":"aws","env":[{"name":"AWS_PROFILE","value":"laptop"}]}}}]}`
	out, err := AccountKubeconfig(app, "hello-dev-app", "ap-northeast-2")
	if err != nil {
		t.Fatal(err)
	}
	var kc struct {
		CurrentContext string `yaml:"current-context"`
		Clusters       []struct {
			Name    string
			Cluster map[string]string
		}
		Contexts []struct {
			Name    string
			Context map[string]string
		}
		Users []struct {
			User struct {
				Exec struct {
					Command string
					Args    []string
					Env     []any
				}
			}
		}
	}
	if err := yaml.Unmarshal([]byte(out), &kc); err != nil {
		t.Fatal(err)
	}
	if kc.CurrentContext != "eks" || kc.Contexts[0].Name != "eks" || kc.Contexts[0].Context["cluster"] != "hello-dev-app" {
		t.Errorf("context: %+v", kc)
	}
	if kc.Clusters[0].Cluster["server"] != "https://ABC.gr7.ap-northeast-2.eks.amazonaws.com" || kc.Clusters[0].Cluster["certificate-authority-data"] != "Q0E=" {
		t.Errorf("cluster: %+v", kc.Clusters)
	}
	exec := kc.Users[0].User.Exec
	if exec.Command != "aws" || strings.Join(exec.Args, " ") != "--region ap-northeast-2 eks get-token --cluster-name hello-dev-app --output json" {
		t.Errorf("exec: %+v", exec)
	}
	// The deployer's profile must not leak into clouddriver's credentials.
	if len(exec.Env) != 0 || strings.Contains(out, "laptop") {
		t.Error("the deployer's AWS profile was carried over")
	}
	if _, err := AccountKubeconfig(`{"clusters":[]}`, "c", "r"); err == nil {
		t.Error("a kubeconfig without a server must be refused")
	}
}
