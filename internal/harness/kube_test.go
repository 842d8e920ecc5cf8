package harness

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
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
