package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeGate answers like gate under /api/v1: /health without a login
// (gate-core/.../config/AuthConfig.java), POST /tasks with a ref
// (orca's OperationsController), GET /tasks/<id> with the task, whose own
// status comes before its steps' (gate-web/.../controllers/TaskController.groovy),
// and POST /pipelines, which fails with an error when the save fails.
type fakeGate struct {
	unhealthy  int      // health checks to fail first
	statuses   []string // the task's status on each read; the last repeats
	stepStatus string   // every step's status
	saveStatus int      // POST /pipelines answer

	mu     sync.Mutex
	reads  int
	tasks  int
	saved  []string
	denied int
}

func (f *fakeGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u, p, ok := r.BasicAuth(); r.URL.Path != "/api/v1/health" && (!ok || u != "admin" || p != "pw") {
		f.denied++
		http.Error(w, "login", http.StatusUnauthorized)
		return
	}
	switch {
	case r.URL.Path == "/api/v1/health":
		if f.unhealthy > 0 {
			f.unhealthy--
			http.Error(w, `{"status":"DOWN"}`, http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, `{"status":"UP"}`)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/tasks":
		f.tasks++
		io.WriteString(w, `{"ref":"/tasks/01TASK"}`)
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/tasks/01TASK":
		status := f.statuses[min(f.reads, len(f.statuses)-1)]
		f.reads++
		io.WriteString(w, `{"id":"01TASK","status":"`+status+`","steps":[{"name":"createApplication","status":"`+f.stepStatus+`"},{"name":"monitor","status":"`+f.stepStatus+`"}]}`)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/pipelines":
		b, _ := io.ReadAll(r.Body)
		if f.saveStatus != http.StatusOK {
			http.Error(w, `{"message":"Pipeline save operation did not succeed"}`, f.saveStatus)
			return
		}
		f.saved = append(f.saved, string(b))
	default:
		http.NotFound(w, r)
	}
}

func files(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"application.json":  `{"job":[{"type":"createApplication"}]}`,
		"service-mesh.json": `{"name":"service-mesh"}`, "chaos-engineering.json": `{"name":"chaos-engineering"}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSeed(t *testing.T) {
	const poll = 20 * time.Millisecond
	for _, c := range []struct {
		name    string
		gate    *fakeGate
		wantErr string
		saved   int
	}{
		{name: "saves after gate comes up and the task succeeds",
			gate:  &fakeGate{unhealthy: 3, statuses: []string{"NOT_STARTED", "RUNNING", "SUCCEEDED"}, stepStatus: "RUNNING", saveStatus: http.StatusOK},
			saved: 2},
		// The steps' statuses follow the task's own: reading the last
		// "status" in the answer, as the shell script's sed did, took a
		// failed task for a finished one, or kept waiting on it.
		{name: "a terminal task fails at once although its steps succeeded",
			gate:    &fakeGate{statuses: []string{"TERMINAL"}, stepStatus: "SUCCEEDED", saveStatus: http.StatusOK},
			wantErr: "ended TERMINAL"},
		{name: "a canceled task fails at once while steps wait",
			gate:    &fakeGate{statuses: []string{"RUNNING", "CANCELED"}, stepStatus: "NOT_STARTED", saveStatus: http.StatusOK},
			wantErr: "ended CANCELED"},
		{name: "a rejected pipeline fails",
			gate:    &fakeGate{statuses: []string{"SUCCEEDED"}, stepStatus: "SUCCEEDED", saveStatus: http.StatusBadRequest},
			wantErr: "saving chaos-engineering.json"},
		{name: "gate never healthy ends at the deadline",
			gate:    &fakeGate{unhealthy: 1 << 30, statuses: []string{"SUCCEEDED"}, saveStatus: http.StatusOK},
			wantErr: "gate did not become healthy"},
		{name: "a task that never ends stops at the deadline",
			gate:    &fakeGate{statuses: []string{"RUNNING"}, stepStatus: "SUCCEEDED", saveStatus: http.StatusOK},
			wantErr: "did not finish"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.gate)
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			g := gate{url: srv.URL + "/api/v1", user: "admin", password: "pw", client: srv.Client()}
			start := time.Now()
			err := seed(ctx, g, []string{files(t)}, poll)
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("seed: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("err = %v, want %q", err, c.wantErr)
			}
			if c.wantErr == "ended TERMINAL" || c.wantErr == "ended CANCELED" {
				if took := time.Since(start); took > time.Second {
					t.Errorf("a failed task was reported after %s, not at once", took)
				}
			}
			if len(c.gate.saved) != c.saved {
				t.Errorf("%d pipelines saved, want %d", len(c.gate.saved), c.saved)
			}
			if c.gate.denied > 0 {
				t.Errorf("%d requests without the login", c.gate.denied)
			}
		})
	}
}

func TestSeedNeedsItsInputs(t *testing.T) {
	ctx := context.Background()
	if err := seed(ctx, gate{url: "http://gate/api/v1"}, []string{files(t)}, time.Millisecond); err == nil {
		t.Error("missing login accepted")
	}
	g := gate{url: "http://gate/api/v1", user: "admin", password: "pw", client: http.DefaultClient}
	if err := seed(ctx, g, []string{files(t), t.TempDir()}, time.Millisecond); err == nil || !strings.Contains(err.Error(), "no application.json") {
		t.Errorf("empty directory: %v", err)
	}
	dir := files(t)
	if err := os.WriteFile(filepath.Join(dir, "broken.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := seed(ctx, g, []string{dir}, time.Millisecond); err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("broken file: %v", err)
	}
	if err := seed(ctx, g, nil, time.Millisecond); err == nil || !strings.Contains(err.Error(), "no -dir") {
		t.Errorf("no directory: %v", err)
	}
}

// TestSeedSavesEveryApplication: a room's Spinnaker seeds one application
// per attendee in one run, each application before its pipelines.
func TestSeedSavesEveryApplication(t *testing.T) {
	fake := &fakeGate{statuses: []string{"SUCCEEDED"}, stepStatus: "SUCCEEDED", saveStatus: http.StatusOK}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	g := gate{url: srv.URL + "/api/v1", user: "admin", password: "pw", client: srv.Client()}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := seed(ctx, g, []string{files(t), files(t), files(t)}, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if len(fake.saved) != 6 || fake.tasks != 3 {
		t.Errorf("%d pipelines and %d application tasks saved, want 6 and 3", len(fake.saved), fake.tasks)
	}
}
