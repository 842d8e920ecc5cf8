package attendees

import (
	"context"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// Retry is how transient failures are retried: up to Attempts tries, waiting
// Base, 2 Base, 4 Base, ... (at most Max, with jitter) in between.
type Retry struct {
	Attempts int
	Base     time.Duration
	Max      time.Duration
	// Sleep waits or returns the context's error; nil sleeps for real.
	Sleep func(context.Context, time.Duration) error
}

// DefaultRetry suits a room: a lock or a throttle clears within minutes.
var DefaultRetry = Retry{Attempts: 5, Base: 5 * time.Second, Max: time.Minute}

func (r Retry) delay(attempt int) time.Duration {
	d := r.Base << min(attempt-1, 16)
	if d > r.Max || d <= 0 {
		d = r.Max
	}
	// Stacks that failed together retry apart.
	return d/2 + rand.N(d/2+1)
}

func (r Retry) sleep(ctx context.Context, d time.Duration) error {
	if r.Sleep != nil {
		return r.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// transientText are failures that go away when tried again later: a stack
// locked by another update (the Pulumi Cloud's 409 and the DIY backend's
// lock file, the texts auto.IsConcurrentUpdateError matches in
// sdk/go/auto/errors.go, for errors that reach us wrapped) and a stack just
// created and not yet visible (pulumi/pulumi#8122).
var transientText = []string{
	"[409] Conflict: Another update is currently in progress",
	"the stack is currently locked by",
	"[404] Not Found",
}

// throttleCodes are the AWS error codes the AWS SDK for Go v2 treats as
// throttling (aws/retry/standard.go, DefaultThrottleErrorCodes): an update
// that failed on one after the provider's own retries succeeds later. IAM's
// LimitExceededException is left out: there it is a quota, not a rate.
func throttleCodes() []string {
	var out []string
	for code := range retry.DefaultThrottleErrorCodes {
		if code != "LimitExceededException" {
			out = append(out, code)
		}
	}
	return out
}

// Transient reports whether a failure is worth another try.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	if auto.IsConcurrentUpdateError(err) {
		return true
	}
	msg := err.Error()
	for _, s := range append(transientText, throttleCodes()...) {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
