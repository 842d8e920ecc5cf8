package harness

import (
	"embed"
	"io/fs"
	"strings"
)

//go:embed kwok/*.yaml kwok/aws/*.yaml
var kwokStages embed.FS

// KwokStages are kwok's own fast node and pod Stages with node heartbeats
// (kwok/README.md): nodes turn Ready, pods Running and Ready, Jobs' pods
// complete, deleted pods go.
func KwokStages() string { return concatYAML("kwok/*.yaml") }

// AWSControllerStages stand in for what AWS controllers do on EKS: the EBS
// CSI driver provisioning and deleting volumes, the AWS Load Balancer
// Controller giving ALB Ingresses their hostname (kwok/README.md).
func AWSControllerStages() string { return concatYAML("kwok/aws/*.yaml") }

// KwokStage is one of kwok's Stages by name (node-initialize,
// pod-ready, ...), for a caller that changes it before use.
func KwokStage(name string) ([]byte, error) {
	return kwokStages.ReadFile("kwok/" + name + ".yaml")
}

func concatYAML(pattern string) string {
	files, err := fs.Glob(kwokStages, pattern)
	if err != nil {
		panic(err)
	}
	docs := make([]string, 0, len(files))
	for _, f := range files {
		b, err := kwokStages.ReadFile(f)
		if err != nil {
			panic(err)
		}
		docs = append(docs, strings.TrimSpace(string(b)))
	}
	return strings.Join(docs, "\n---\n") + "\n"
}
