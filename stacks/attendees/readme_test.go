package attendees

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEShowsTheCommandHelp keeps the README's copy of `go run .
// attendees -h` the command's own.
func TestREADMEShowsTheCommandHelp(t *testing.T) {
	t.Setenv("PULUMI_BACKEND_URL", "") // the flag's default reads it
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## A room of attendees\n")
	if !ok {
		t.Fatal("the README has no section \"A room of attendees\"")
	}
	var help strings.Builder
	usage(&help)
	if !strings.Contains(section, "```\n"+help.String()+"```\n") {
		t.Errorf("the README's help differs from the command's; paste this:\n%s", help.String())
	}
}
