package attendees

import (
	"context"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// roomRun runs `up` for a room of fake attendees and returns the wall
// time against the ideal ceil(n/parallel) x one stack. One stack's life on
// the fake engine: opening takes the fake's millisecond, one stack at a
// time, then the update takes `update`.
func roomRun(tb testing.TB, targets []Target, parallel int, update time.Duration) (wall, ideal time.Duration) {
	tb.Helper()
	e := newFakeEngine()
	for _, t := range targets {
		e.scripts[t.Stack()] = &script{delay: update}
	}
	start := time.Now()
	report, err := newRunner(e, parallel).Run(context.Background(), OpUp, targets)
	wall = time.Since(start)
	if err != nil || report.Failed() != 0 {
		tb.Fatalf("run failed: %v %+v", err, report.Results)
	}
	n := len(targets)
	return wall, time.Duration((n+parallel-1)/parallel) * (update + time.Millisecond)
}

// BenchmarkRoom drives 50 fake attendees whose update takes a simulated
// second (a real one takes some 30 minutes and opening a stack about a
// second, so the simulation's open-to-update ratio is the harsher). It
// fails when the wall time exceeds ceil(50/P) x one stack by more than 10%,
// and reports the ratio and the runner's own cost per stack: CPU time and
// bytes allocated, the fake engine's share included.
func BenchmarkRoom(b *testing.B) {
	targets := targetsOf(b, roster(b, 50, TopologyPerAttendee))
	for _, parallel := range []int{5, 10, 25, 50} {
		b.Run(fmt.Sprintf("attendees=50/parallel=%d", parallel), func(b *testing.B) {
			var wall, ideal time.Duration
			var before, after runtime.MemStats
			cpu0 := cpuTime()
			runtime.ReadMemStats(&before)
			for range b.N {
				w, i := roomRun(b, targets, parallel, time.Second)
				wall, ideal = wall+w, ideal+i
			}
			runtime.ReadMemStats(&after)
			cpu := cpuTime() - cpu0
			stacks := float64(50 * b.N)
			ratio := float64(wall) / float64(ideal)
			if ratio > 1.10 {
				b.Errorf("50 stacks took %s; want within 10%% of ceil(50/%d) x one stack = %s", wall/time.Duration(b.N), parallel, ideal/time.Duration(b.N))
			}
			b.ReportMetric(ratio, "wall/ideal")
			b.ReportMetric(wall.Seconds()/float64(b.N), "wall-s")
			b.ReportMetric(ideal.Seconds()/float64(b.N), "ideal-s")
			b.ReportMetric(float64(cpu.Microseconds())/stacks, "cpu-µs/stack")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/stacks/1024, "KiB/stack")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
