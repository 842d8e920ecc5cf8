package rehearsal

import (
	"math"
	"time"
)

// clock runs simulated time Speed times faster than the wall clock. The
// rehearsal's own actors (the cloud, the autoscaler, FIS) act on it; the
// Kubernetes components get their periods divided by Speed (timing.go), so
// the two agree.
type clock struct {
	start time.Time
	speed float64
	now   func() time.Time
}

func newClock(speed float64) *clock {
	return &clock{start: time.Now(), speed: speed, now: time.Now}
}

// sim is the simulated time since the clock started.
func (c *clock) sim() time.Duration {
	return time.Duration(float64(c.now().Sub(c.start)) * c.speed)
}

// wall is how long a simulated span takes on the wall clock.
func (c *clock) wall(sim time.Duration) time.Duration {
	return time.Duration(float64(sim) / c.speed)
}

// seconds rounds a simulated time to whole seconds, the timeline's unit.
func seconds(d time.Duration) int { return int(math.Round(d.Seconds())) }
