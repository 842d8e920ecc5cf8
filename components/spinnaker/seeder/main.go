// Command seeder saves the workshop's Spinnaker application and pipelines
// through gate. It runs in a Kubernetes Job (`go run` in the golang image:
// standard library only), so a failure exits non-zero and fails the Job and
// the `pulumi up` waiting for it, with the reason in the log.
//
// Environment: GATE_URL (ending in /api/v1), GATE_USER, GATE_PASSWORD.
// Files: per application a directory (-dir, repeated) holding
// application.json (a createApplication task) and one <pipeline>.json per
// pipeline.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// ApplicationFile is the createApplication task among the files.
const ApplicationFile = "application.json"

func main() {
	var dirs []string
	flag.Func("dir", "directory of one application's application.json and pipelines (repeat for more)", func(d string) error {
		dirs = append(dirs, d)
		return nil
	})
	deadline := flag.Duration("deadline", 15*time.Minute, "give up after this long")
	poll := flag.Duration("poll", 10*time.Second, "pause between checks of gate and of the task")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *deadline)
	defer cancel()
	g := gate{
		url: strings.TrimSuffix(os.Getenv("GATE_URL"), "/"), user: os.Getenv("GATE_USER"), password: os.Getenv("GATE_PASSWORD"),
		client: &http.Client{Timeout: 2 * time.Minute},
	}
	if err := seed(ctx, g, dirs, *poll); err != nil {
		log.Fatalf("seeding failed: %v", err)
	}
	log.Printf("%d applications and their pipelines saved", len(dirs))
}

// seed reads every application first, so a bad file fails before gate is
// touched, then waits for gate and saves them one after another.
func seed(ctx context.Context, g gate, dirs []string, poll time.Duration) error {
	if g.url == "" || g.user == "" || g.password == "" {
		return errors.New("GATE_URL, GATE_USER and GATE_PASSWORD are required")
	}
	if len(dirs) == 0 {
		return errors.New("no -dir given: nothing to seed")
	}
	apps := make([]application, len(dirs))
	for i, dir := range dirs {
		var err error
		if apps[i], err = readFiles(dir); err != nil {
			return err
		}
	}
	log.Printf("waiting for gate at %s/health", g.url)
	if err := waitHealthy(ctx, g, poll); err != nil {
		return err
	}
	for _, app := range apps {
		if err := saveApplication(ctx, g, app, poll); err != nil {
			return fmt.Errorf("%s: %w", app.dir, err)
		}
	}
	return nil
}

// saveApplication creates one application, then saves its pipelines.
func saveApplication(ctx context.Context, g gate, app application, poll time.Duration) error {
	log.Printf("creating the application of %s", app.dir)
	if err := createApplication(ctx, g, app.task, poll); err != nil {
		return err
	}
	for _, p := range app.pipelines {
		log.Printf("saving pipeline %s", strings.TrimSuffix(filepath.Base(p.name), ".json"))
		// gate saves through an orca task and answers an error when it fails
		// (gate-web/.../controllers/PipelineController.groovy, savePipeline).
		if _, err := g.call(ctx, http.MethodPost, "/pipelines", p.body); err != nil {
			return fmt.Errorf("saving %s: %w", filepath.Base(p.name), err)
		}
	}
	return nil
}

// application is one directory's createApplication task and pipelines.
type application struct {
	dir       string
	task      []byte
	pipelines []file
}

type file struct {
	name string
	body []byte
}

// readFiles returns the application task and the pipelines, in name order.
func readFiles(dir string) (application, error) {
	app := application{dir: dir}
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return app, err
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return app, err
		}
		if !json.Valid(b) {
			return app, fmt.Errorf("%s is not JSON", n)
		}
		if filepath.Base(n) == ApplicationFile {
			app.task = b
			continue
		}
		app.pipelines = append(app.pipelines, file{n, b})
	}
	if app.task == nil {
		return app, fmt.Errorf("no %s in %s", ApplicationFile, dir)
	}
	return app, nil
}

// gate is gate's API under /api/v1, with the basic-form login.
type gate struct {
	url, user, password string
	client              *http.Client
}

// call sends one request and returns the body of a 2xx answer.
func (g gate) call(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, g.url+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(g.user, g.password)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(out))
	}
	return out, nil
}

// waitHealthy polls gate's health until it answers 200 or ctx ends.
func waitHealthy(ctx context.Context, g gate, poll time.Duration) error {
	var last error
	for {
		if _, last = g.call(ctx, http.MethodGet, "/health", nil); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gate did not become healthy: %w (last: %v)", ctx.Err(), last)
		case <-time.After(poll):
		}
	}
}

// createApplication submits the createApplication task and follows it until
// it completes: SUCCEEDED is success, any other completed status a failure
// reported at once (orca-api/.../models/ExecutionStatus.java).
func createApplication(ctx context.Context, g gate, task []byte, poll time.Duration) error {
	out, err := g.call(ctx, http.MethodPost, "/tasks", task)
	if err != nil {
		return err
	}
	var submitted struct {
		Ref string `json:"ref"`
	}
	if err := json.Unmarshal(out, &submitted); err != nil || !strings.HasPrefix(submitted.Ref, "/tasks/") {
		return fmt.Errorf("gate answered no task reference: %s", out)
	}
	for {
		status, err := taskStatus(ctx, g, submitted.Ref)
		if err != nil {
			return err
		}
		switch status {
		case "SUCCEEDED":
			return nil
		case "TERMINAL", "CANCELED", "STOPPED", "FAILED_CONTINUE", "SKIPPED":
			return fmt.Errorf("creating the application ended %s (task %s)", status, submitted.Ref)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("creating the application did not finish: %w (last status %s)", ctx.Err(), status)
		case <-time.After(poll):
		}
	}
}

// taskStatus is the task's own status, not one of its steps'.
func taskStatus(ctx context.Context, g gate, ref string) (string, error) {
	out, err := g.call(ctx, http.MethodGet, ref, nil)
	if err != nil {
		return "", err
	}
	var task struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(out, &task); err != nil {
		return "", fmt.Errorf("reading task %s: %w", ref, err)
	}
	if task.Status == "" {
		return "", fmt.Errorf("task %s has no status: %s", ref, out)
	}
	return task.Status, nil
}
