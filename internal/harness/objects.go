package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Object is a Kubernetes object as plain JSON values.
type Object = map[string]any

// APIResource is where the API server serves one kind.
type APIResource struct {
	Name       string // plural, as in the path
	Namespaced bool
}

// APIError is the API server's refusal of an object.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string { return fmt.Sprintf("%d: %s", e.Status, e.Message) }

// discovery caches what each group version serves; a kind it has not seen
// is asked for again, since CRDs come and go.
type discovery struct {
	mu    sync.Mutex
	kinds map[string]map[string]APIResource // apiVersion -> kind -> resource
}

var discoveries sync.Map // *ControlPlane -> *discovery

// Resource finds the REST resource of an apiVersion and kind.
func (cp *ControlPlane) Resource(ctx context.Context, apiVersion, kind string) (APIResource, error) {
	d, _ := discoveries.LoadOrStore(cp, &discovery{kinds: map[string]map[string]APIResource{}})
	disc := d.(*discovery)
	disc.mu.Lock()
	defer disc.mu.Unlock()
	if r, ok := disc.kinds[apiVersion][kind]; ok {
		return r, nil
	}
	path := "/apis/" + apiVersion
	if apiVersion == "v1" {
		path = "/api/v1"
	}
	var list struct {
		Resources []struct {
			Name       string `json:"name"`
			Kind       string `json:"kind"`
			Namespaced bool   `json:"namespaced"`
		} `json:"resources"`
	}
	if err := cp.getJSON(ctx, path, &list); err != nil {
		if e, ok := err.(*APIError); ok {
			return APIResource{}, &APIError{e.Status, fmt.Sprintf("%s %s: %s", apiVersion, kind, e.Message)}
		}
		return APIResource{}, fmt.Errorf("%s %s: %w", apiVersion, kind, err)
	}
	kinds := map[string]APIResource{}
	for _, r := range list.Resources {
		if !strings.Contains(r.Name, "/") {
			kinds[r.Kind] = APIResource{Name: r.Name, Namespaced: r.Namespaced}
		}
	}
	disc.kinds[apiVersion] = kinds
	r, ok := kinds[kind]
	if !ok {
		return APIResource{}, &APIError{http.StatusNotFound, fmt.Sprintf("the API server serves no kind %s in %s", kind, apiVersion)}
	}
	return r, nil
}

func (cp *ControlPlane) getJSON(ctx context.Context, path string, into any) error {
	res, err := cp.Do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return &APIError{res.StatusCode, apiMessage(body)}
	}
	return json.Unmarshal(body, into)
}

// collectionPath is the path objects of this kind are created at.
func (cp *ControlPlane) collectionPath(ctx context.Context, obj Object) (string, error) {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	if apiVersion == "" || kind == "" {
		return "", fmt.Errorf("object without apiVersion or kind")
	}
	r, err := cp.Resource(ctx, apiVersion, kind)
	if err != nil {
		return "", err
	}
	base := "/apis/" + apiVersion
	if apiVersion == "v1" {
		base = "/api/v1"
	}
	if !r.Namespaced {
		return base + "/" + r.Name, nil
	}
	ns := Namespace(obj)
	if ns == "" {
		ns = "default"
	}
	return base + "/namespaces/" + ns + "/" + r.Name, nil
}

// Namespace is the object's metadata.namespace.
func Namespace(obj Object) string {
	meta, _ := obj["metadata"].(map[string]any)
	ns, _ := meta["namespace"].(string)
	return ns
}

// Name is the object's metadata.name.
func Name(obj Object) string {
	meta, _ := obj["metadata"].(map[string]any)
	n, _ := meta["name"].(string)
	return n
}

// DryRun submits obj as a create with dryRun=All and strict field
// validation: the server decodes, defaults, validates and admits it, and
// stores nothing.
func (cp *ControlPlane) DryRun(ctx context.Context, obj Object) error {
	return cp.create(ctx, obj, "?dryRun=All&fieldValidation=Strict")
}

// Create stores obj, strictly validated; an object that exists is left alone.
func (cp *ControlPlane) Create(ctx context.Context, obj Object) error {
	err := cp.create(ctx, obj, "?fieldValidation=Strict")
	if e, ok := err.(*APIError); ok && e.Status == http.StatusConflict {
		return nil
	}
	return err
}

func (cp *ControlPlane) create(ctx context.Context, obj Object, query string) error {
	path, err := cp.collectionPath(ctx, obj)
	if err != nil {
		return err
	}
	body, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	res, err := cp.Do(ctx, http.MethodPost, path+query, bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		return &APIError{res.StatusCode, apiMessage(msg)}
	}
	return nil
}

// WaitEstablished waits until every named CRD is served.
func (cp *ControlPlane) WaitEstablished(ctx context.Context, names []string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for _, name := range names {
		for {
			var crd struct {
				Status struct {
					Conditions []struct{ Type, Status string } `json:"conditions"`
				} `json:"status"`
			}
			err := cp.getJSON(ctx, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"+name, &crd)
			established := false
			for _, c := range crd.Status.Conditions {
				established = established || c.Type == "Established" && c.Status == "True"
			}
			if err == nil && established {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("CRD %s not established: %v", name, err)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	// New kinds are served now: forget what discovery said before.
	discoveries.Delete(cp)
	return nil
}

// apiMessage is the message of a Status body, or the body itself.
func apiMessage(body []byte) string {
	var st struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &st) == nil && st.Message != "" {
		return st.Message
	}
	return strings.TrimSpace(string(body))
}

// objectPath is the path of one object of this kind.
func (cp *ControlPlane) objectPath(ctx context.Context, obj Object) (string, error) {
	base, err := cp.collectionPath(ctx, obj)
	if err != nil {
		return "", err
	}
	return base + "/" + Name(obj), nil
}

// Get reads the object named by obj's apiVersion, kind, namespace and name
// as the API server has it; found is false when it does not exist, nor
// its kind (a custom resource whose definition is gone).
func (cp *ControlPlane) Get(ctx context.Context, obj Object) (live Object, found bool, err error) {
	path, err := cp.objectPath(ctx, obj)
	if err == nil {
		err = cp.getJSON(ctx, path, &live)
	}
	if e, ok := err.(*APIError); ok && e.Status == http.StatusNotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return live, true, nil
}

// Delete removes the object named by obj; one already gone is no error.
func (cp *ControlPlane) Delete(ctx context.Context, obj Object) error {
	path, err := cp.objectPath(ctx, obj)
	if err != nil {
		return err
	}
	res, err := cp.Do(ctx, http.MethodDelete, path, nil)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 && res.StatusCode != http.StatusNotFound {
		return &APIError{res.StatusCode, apiMessage(msg)}
	}
	return nil
}
