//go:build tools

// Package tools pins kwok, the fake-node controller the rehearsal and the
// real-engine tests run: go build -o BIN sigs.k8s.io/kwok/cmd/kwok.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
