// Package kubecheck holds the test that submits every Kubernetes object the
// program would create to a real kube-apiserver (see kubecheck_test.go).
package kubecheck
