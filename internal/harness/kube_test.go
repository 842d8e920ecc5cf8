package harness

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The harness is only worth something if the API server it starts rejects
// what a real one rejects: an unknown field under strict field validation.
func TestAPIServerRejectsUnknownFieldsStrictly(t *testing.T) {
	cp := StartForTest(t, Options{})
	ctx := context.Background()
	body := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"default"},"dataa":{}}`
	res, err := cp.Do(ctx, http.MethodPost, "/api/v1/namespaces/default/configmaps?dryRun=All&fieldValidation=Strict", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(msg), `unknown field \"dataa\"`) {
		t.Fatalf("want 400 naming the unknown field, got %s: %s", res.Status, msg)
	}
}

// Without kube-controller-manager's namespace controller a deleted
// namespace never goes; the controller list must also be one it accepts.
func TestNamespaceDeletionFinishesWithTheControllers(t *testing.T) {
	cp := StartForTest(t, Options{Controllers: true, Scheduler: true})
	ctx := context.Background()
	ns := Object{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "gone"}}
	if err := cp.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	if err := cp.Delete(ctx, ns); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, found, err := cp.Get(ctx, ns)
		if err != nil {
			t.Fatal(err)
		}
		if !found {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("namespace still there a minute after deletion; controller manager:\n%s", cp.Tail("kube-controller-manager"))
		}
		time.Sleep(500 * time.Millisecond)
	}
}
