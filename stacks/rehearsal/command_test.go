package rehearsal

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestBadFlagsNameTheFlag(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{nil, "--stack is required"},
		{[]string{"--stack", "dev", "--speed", "50"}, "--speed 50"},
		{[]string{"--stack", "dev", "--speed", "0.5"}, "--speed 0.5"},
		{[]string{"--stack", "dev", "--pick", "worst"}, "--pick \"worst\""},
		{[]string{"--stack", "dev", "--min-availability", "1.5"}, "--min-availability 1.5"},
		{[]string{"--stack", "dev", "--node-delay", "0s"}, "--node-delay 0s"},
		{[]string{"--stack", "dev", "--pod-stop", "-1s"}, "--pod-stop -1s"},
		{[]string{"--stack", "dev", "--node-ready", "-1s"}, "--node-ready -1s"},
		{[]string{"--stack", "dev", "--cwd", "/nonexistent"}, "--cwd /nonexistent"},
		{[]string{"--stack", "dev", "extra"}, "unexpected argument \"extra\""},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			_, err := ParseFlags(c.args)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want an error containing %q, got %v", c.want, err)
			}
		})
	}
}

// A config the rehearsal cannot shape is a usage error, reported before
// any component starts.
func TestCommandRefusesABadStackBeforeStarting(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no such stack", []string{"--stack", "nosuch", "--cwd", "../.."}, "Pulumi.nosuch.yaml"},
		{"stage out of range", []string{"--stack", "dev", "--cwd", "../..", "--stage", "7"}, "--stage 7"},
		{"unknown template", []string{"--stack", "dev", "--cwd", "../..", "--template", "Nope"}, "--template \"Nope\""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			code := Command(context.Background(), c.args, &out, &errs)
			if code != ExitUsage || !strings.Contains(errs.String(), c.want) {
				t.Fatalf("exit %d, stderr %q: want %d and %q", code, errs.String(), ExitUsage, c.want)
			}
		})
	}
}
