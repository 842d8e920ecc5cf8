package engine

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"

	"github.com/workshop/spinnaker-modernization/components/addons"
	"github.com/workshop/spinnaker-modernization/internal/harness"
	"github.com/workshop/spinnaker-modernization/internal/harness/standin"
	"github.com/workshop/spinnaker-modernization/stacks"
)

// repo is the project directory, where Pulumi.yaml and the stack files are.
const repo = "../.."

// world is everything one scenario runs against.
type world struct {
	t        *testing.T
	cfg      stacks.Config
	raw      map[string]string
	clusters standin.Clusters
	aws      *standin.AWS
	engine   *harness.Engine
	stack    auto.Stack
}

// charts are every chart the program can install, for the stand-in mirror.
func charts() []standin.Chart {
	var out []standin.Chart
	for _, c := range addons.Charts {
		out = append(out, standin.Chart{Name: c.Name, Version: c.Version})
	}
	return out
}

// newWorld starts, for the stack file's config with overrides, an API
// server per EKS cluster the config creates, the chart mirror, the
// stand-in providers and an engine workspace, and creates the stack.
func newWorld(t *testing.T, stack string, overrides map[string]string) *world {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the real engine scenarios take minutes")
	}
	project, raw, _, err := stacks.ReadStackConfig(repo, "dev")
	if err != nil {
		t.Fatal(err)
	}
	mirror, err := standin.ServeCharts(charts())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mirror.Close() })
	maps.Copy(raw, overrides)
	raw["workshop:chartMirror"] = mirror.URL
	cfg, err := stacks.Parse(stack, raw)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, cfg: cfg, raw: raw, clusters: standin.Clusters{}}
	names := []string{cfg.Prefix + "-app"}
	if cfg.Platform {
		names = append(names, cfg.Prefix+"-platform")
	}
	for _, name := range names {
		w.clusters[name] = harness.StartForTest(t, harness.Options{
			Controllers: true, Scheduler: true,
			KwokStages: harness.KwokStages() + "---\n" + harness.AWSControllerStages(),
		})
	}
	providers, err := standin.Start(cfg.Region, w.clusters)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(providers.Stop)
	w.aws = providers.AWS
	w.engine = harness.NewEngine(t, harness.EngineOptions{DebugProviders: providers.DebugProviders(), Kubernetes: true})
	w.stack, err = w.engine.Stack(context.Background(), project, stack, stacks.Program(raw), raw)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// reconfigure changes config keys and the program that reads them.
func (w *world) reconfigure(changes map[string]string) {
	w.t.Helper()
	maps.Copy(w.raw, changes)
	cfg, err := stacks.Parse(w.cfg.Stack, w.raw)
	if err != nil {
		w.t.Fatal(err)
	}
	w.cfg = cfg
	w.stack, err = w.engine.Stack(context.Background(), "workshop", cfg.Stack, stacks.Program(w.raw), w.raw)
	if err != nil {
		w.t.Fatal(err)
	}
}

// recorder keeps an operation's engine events in order.
type recorder struct {
	ch     chan events.EngineEvent
	done   chan struct{}
	events []events.EngineEvent
}

func record() *recorder {
	r := &recorder{ch: make(chan events.EngineEvent), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for e := range r.ch {
			r.events = append(r.events, e)
		}
	}()
	return r
}

// wait returns the events once the operation has closed the channel.
func (r *recorder) wait() []events.EngineEvent {
	<-r.done
	sort.SliceStable(r.events, func(i, j int) bool { return r.events[i].Sequence < r.events[j].Sequence })
	return r.events
}

// figure is one scenario step's cost.
type figure struct {
	step    string
	wall    time.Duration
	peakMiB int
}

var (
	figuresMu sync.Mutex
	figures   = map[string][]figure{}
)

// measure runs step, logging its wall time and the peak memory of this
// process and everything it started (engine, providers, control planes).
func (w *world) measure(step string, run func()) {
	w.t.Helper()
	stop := make(chan struct{})
	peak := make(chan int)
	go func() {
		max := 0
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			if kb := treeRSS(os.Getpid()); kb > max {
				max = kb
			}
			select {
			case <-stop:
				peak <- max
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	run()
	close(stop)
	f := figure{step: step, wall: time.Since(start).Round(100 * time.Millisecond), peakMiB: <-peak / 1024}
	w.t.Logf("FIGURE %s %s: %s, peak %d MiB", w.t.Name(), step, f.wall, f.peakMiB)
	figuresMu.Lock()
	figures[w.t.Name()] = append(figures[w.t.Name()], f)
	figuresMu.Unlock()
}

// treeRSS is the resident memory, in KiB, of pid and its descendants.
func treeRSS(pid int) int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at ')'.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 1 {
			ppid, _ := strconv.Atoi(fields[1])
			children[ppid] = append(children[ppid], p)
		}
	}
	total := 0
	var walk func(int)
	walk = func(p int) {
		total += rssKiB(p)
		for _, c := range children[p] {
			walk(c)
		}
	}
	walk(pid)
	return total
}

func rssKiB(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return kb
		}
	}
	return 0
}
