// Package readmecheck finds what the README tells a user to run, so tests
// can hold the program to it.
package readmecheck

import (
	"regexp"
	"strings"
)

// OutputRead is one `pulumi stack output NAME` in the README.
type OutputRead struct {
	Name        string
	ShowSecrets bool
}

var (
	fence      = regexp.MustCompile("(?m)^```")
	outputRead = regexp.MustCompile("pulumi stack output ([A-Za-z]+)([^\n`]*)")
	changeDir  = regexp.MustCompile(`(?m)^cd ([^\s;&]+)`)
)

// StackOutputReads returns the stack output reads of the project in dir ("" for
// the repository root): a read belongs to the directory the last `cd` before
// it in its code block moved to, and to the root when there is none.
func StackOutputReads(readme, dir string) []OutputRead {
	var out []OutputRead
	// Odd pieces are inside fences; inline code outside them is the root's.
	for i, piece := range fence.Split(readme, -1) {
		out = append(out, readsIn(piece, dir, i%2 == 1)...)
	}
	return out
}

func readsIn(text, dir string, inBlock bool) []OutputRead {
	var out []OutputRead
	current := ""
	for _, line := range strings.Split(text, "\n") {
		if m := changeDir.FindStringSubmatch(line); inBlock && m != nil {
			current = strings.TrimSuffix(m[1], "/")
		}
		if current != dir {
			continue
		}
		for _, m := range outputRead.FindAllStringSubmatch(line, -1) {
			out = append(out, OutputRead{Name: m[1], ShowSecrets: strings.Contains(m[2], "--show-secrets")})
		}
	}
	return out
}
