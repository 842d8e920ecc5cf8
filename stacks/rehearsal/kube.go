package rehearsal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/workshop/spinnaker-modernization/internal/harness"
)

// Patch content types the API server takes.
const (
	mergePatch     = "application/merge-patch+json"
	strategicPatch = "application/strategic-merge-patch+json"
)

// kube is plain HTTP against the rehearsal's API server.
type kube struct {
	cp     *harness.ControlPlane
	client *http.Client
}

func newKube(cp *harness.ControlPlane) *kube { return &kube{cp: cp, client: cp.Client()} }

func (k *kube) send(ctx context.Context, method, path, contentType string, body any, into any) error {
	var reader io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, k.cp.URL+path, reader)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+k.cp.Token)
	req.Header.Set("Accept", "application/json")
	if contentType == "" {
		contentType = "application/json"
	}
	req.Header.Set("Content-Type", contentType)
	res, err := k.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode >= 300 {
		return &harness.APIError{Status: res.StatusCode, Message: fmt.Sprintf("%s %s: %s", method, path, bytes.TrimSpace(out))}
	}
	if into != nil {
		return json.Unmarshal(out, into)
	}
	return nil
}

func (k *kube) get(ctx context.Context, path string, into any) error {
	return k.send(ctx, http.MethodGet, path, "", nil, into)
}

func (k *kube) create(ctx context.Context, obj any) error {
	m, err := toObject(obj)
	if err != nil {
		return err
	}
	return k.cp.Create(ctx, m)
}

func (k *kube) patch(ctx context.Context, path, contentType string, patch any) error {
	return k.send(ctx, http.MethodPatch, path, contentType, patch, nil)
}

// remove deletes an object; grace nil leaves the period to the object.
func (k *kube) remove(ctx context.Context, path string, grace *int64) error {
	var body any
	if grace != nil {
		body = map[string]any{"apiVersion": "v1", "kind": "DeleteOptions", "gracePeriodSeconds": *grace}
	}
	err := k.send(ctx, http.MethodDelete, path, "", body, nil)
	if isStatus(err, http.StatusNotFound) {
		return nil
	}
	return err
}

func isStatus(err error, status int) bool {
	e, ok := err.(*harness.APIError)
	return ok && e.Status == status
}

// toObject turns a typed object into the plain JSON map the harness takes.
func toObject(obj any) (harness.Object, error) {
	if m, ok := obj.(map[string]any); ok {
		return m, nil
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m harness.Object
	return m, json.Unmarshal(b, &m)
}

func podPath(namespace, name string) string {
	return "/api/v1/namespaces/" + url.PathEscape(namespace) + "/pods/" + url.PathEscape(name)
}
