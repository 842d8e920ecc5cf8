//go:build tools

// Package tools pins the control-plane commands the test harness builds:
// go build -o BIN k8s.io/kubernetes/cmd/kube-apiserver (and the others).
package tools

import (
	_ "go.etcd.io/etcd/server/v3/etcdmain"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
