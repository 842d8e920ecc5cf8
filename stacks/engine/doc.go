// Package engine holds the scenarios that run the whole program on the real
// Pulumi engine, offline: the CLI built from source drives the program
// inline through the Automation API, AWS and EKS are answered by the
// stand-in providers of internal/harness/standin, and every Kubernetes
// object goes through the real Kubernetes provider to a real kube-apiserver
// with kube-controller-manager, kube-scheduler and kwok nodes. Helm charts
// come from a stand-in mirror through workshop:chartMirror.
//
// The package has tests only. Run it alone with
//
//	go run ./internal/harness/cmd/buildtools && go test ./stacks/engine -v
//
// (the first command builds the binaries once into a cache); -short skips it.
package engine
