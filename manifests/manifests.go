// Package manifests holds the text the program embeds: IAM policies, the
// yelb app's Kubernetes manifests (templates) and the build spec.
package manifests

import "embed"

// Files is every embedded file, addressed by its path under manifests/.
//
//go:embed iam/*.json buildspec.yml yelb/* gateway-api/standard-install.yaml
var Files embed.FS

// Read returns one embedded file; a missing file is a build defect.
func Read(path string) string {
	b, err := Files.ReadFile(path)
	if err != nil {
		panic("manifests: " + err.Error())
	}
	return string(b)
}
