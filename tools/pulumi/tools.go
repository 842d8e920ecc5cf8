//go:build tools

// Package tools pins the Pulumi CLI the real-engine tests drive:
// go build -o BIN github.com/pulumi/pulumi/pkg/v3/cmd/pulumi.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
