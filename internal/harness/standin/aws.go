package standin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/workshop/spinnaker-modernization/internal/mockcloud"
)

// AWS is the stand-in for pulumi-aws.
type AWS struct {
	plugin.UnimplementedProvider

	cloud    *mockcloud.Cloud
	state    *state
	clusters Clusters
	// retry is how long a refused delete is tried again, as the real
	// provider retries DependencyViolation and friends.
	retry time.Duration
}

// NewAWS is a stand-in answering as region; clusters are the API servers
// EKS clusters of these names stand for.
func NewAWS(region string, clusters Clusters) *AWS {
	return &AWS{
		cloud:    mockcloud.New("workshop", "standin", region),
		state:    newState(),
		clusters: clusters,
		retry:    10 * time.Second,
	}
}

// Resources are the resources the stand-in holds now, by type.
func (p *AWS) Resources() map[string]int { return p.state.count() }

func (p *AWS) GetPluginInfo(context.Context) (plugin.PluginInfo, error) {
	v := semver.MustParse(AWSVersion)
	return plugin.PluginInfo{Version: &v}, nil
}

func (p *AWS) Close() error { return nil }

func (p *AWS) SignalCancellation(context.Context) error { return nil }

// CheckConfig: the provider needs a region; ours has no other source for it.
func (p *AWS) CheckConfig(_ context.Context, req plugin.CheckConfigRequest) (plugin.CheckConfigResponse, error) {
	region := req.News["region"]
	if !region.IsComputed() && (!region.IsString() || region.StringValue() == "") {
		return plugin.CheckConfigResponse{Failures: []plugin.CheckFailure{{Property: "region", Reason: "missing required configuration key \"aws:region\""}}}, nil
	}
	return plugin.CheckConfigResponse{Properties: req.News}, nil
}

func (p *AWS) DiffConfig(_ context.Context, req plugin.DiffConfigRequest) (plugin.DiffConfigResponse, error) {
	return diffProperties(req.OldInputs, req.NewInputs, map[string]bool{"region": true}), nil
}

func (p *AWS) Configure(_ context.Context, req plugin.ConfigureRequest) (plugin.ConfigureResponse, error) {
	if r := req.Inputs["region"]; r.IsString() && r.StringValue() != p.cloud.Region {
		return plugin.ConfigureResponse{}, fmt.Errorf("the stand-in answers for region %s, not %s", p.cloud.Region, r.StringValue())
	}
	return plugin.ConfigureResponse{}, nil
}

// Check validates the inputs against the type's published shape and
// auto-names the resource, keeping the name it had.
func (p *AWS) Check(_ context.Context, req plugin.CheckRequest) (plugin.CheckResponse, error) {
	t, ok := awsTypes[string(req.Type)]
	if !ok {
		return plugin.CheckResponse{}, fmt.Errorf("the aws stand-in does not know type %s: add it to awsTypes", req.Type)
	}
	news := req.News.Copy()
	if t.autoName != "" {
		key := resource.PropertyKey(t.autoName)
		if _, set := news[key]; !set {
			if old, had := req.Olds[key]; had {
				news[key] = old
			} else if _, prefixed := news[key+"Prefix"]; !prefixed {
				news[key] = resource.NewStringProperty(autoName(req.Name, req.RandomSeed))
			}
		}
	}
	var failures []plugin.CheckFailure
	for _, f := range t.inputs.check("", news) {
		failures = append(failures, plugin.CheckFailure{Property: resource.PropertyKey(f.Property), Reason: f.Reason})
	}
	return plugin.CheckResponse{Properties: news, Failures: failures}, nil
}

// autoName is pulumi-aws's: the logical name, a dash and seven hex digits.
func autoName(name string, seed []byte) string {
	sum := sha256.Sum256(append([]byte(name), seed...))
	return name + "-" + hex.EncodeToString(sum[:])[:7]
}

func (p *AWS) Diff(_ context.Context, req plugin.DiffRequest) (plugin.DiffResponse, error) {
	return diffProperties(req.OldInputs, req.NewInputs, awsTypes[string(req.Type)].replace), nil
}

func (p *AWS) Create(ctx context.Context, req plugin.CreateRequest) (plugin.CreateResponse, error) {
	if req.Preview {
		return plugin.CreateResponse{Properties: p.previewOutputs(req.Type, req.Properties)}, nil
	}
	id, outputs, err := p.answer(ctx, req.URN, req.Properties)
	if err != nil {
		return plugin.CreateResponse{}, err
	}
	if req.Type == nodeGroupType {
		if err := p.startNodes(ctx, req.Properties); err != nil {
			return plugin.CreateResponse{}, fmt.Errorf("creating EKS Node Group (%s): %w", id, err)
		}
	}
	p.state.put(&record{typ: string(req.Type), urn: req.URN, id: id, inputs: req.Properties, outputs: outputs})
	return plugin.CreateResponse{ID: resource.ID(id), Properties: outputs, Status: resource.StatusOK}, nil
}

// previewOutputs are the inputs, and every other output unknown: what a
// bridged provider previews.
func (p *AWS) previewOutputs(typ tokens.Type, inputs resource.PropertyMap) resource.PropertyMap {
	out := inputs.Copy()
	for _, k := range awsTypes[string(typ)].outputs {
		if _, ok := out[resource.PropertyKey(k)]; !ok {
			out[resource.PropertyKey(k)] = resource.MakeComputed(resource.NewStringProperty(""))
		}
	}
	return out
}

func (p *AWS) answer(_ context.Context, urn resource.URN, inputs resource.PropertyMap) (string, resource.PropertyMap, error) {
	r := mockcloud.Resource{Type: string(urn.Type()), Name: urn.Name(), URN: string(urn), Custom: true, Inputs: inputs}
	if r.Type == clusterType {
		return p.answerCluster(r)
	}
	return p.cloud.Answer(r)
}

func (p *AWS) Read(_ context.Context, req plugin.ReadRequest) (plugin.ReadResponse, error) {
	rec, ok := p.state.get(string(req.Type), string(req.ID))
	if !ok {
		return plugin.ReadResponse{}, nil
	}
	return plugin.ReadResponse{ReadResult: plugin.ReadResult{ID: req.ID, Inputs: rec.inputs, Outputs: rec.outputs}, Status: resource.StatusOK}, nil
}

func (p *AWS) Update(ctx context.Context, req plugin.UpdateRequest) (plugin.UpdateResponse, error) {
	if req.Preview {
		return plugin.UpdateResponse{Properties: p.previewOutputs(req.Type, req.NewInputs)}, nil
	}
	rec, ok := p.state.get(string(req.Type), string(req.ID))
	if !ok {
		return plugin.UpdateResponse{}, fmt.Errorf("updating %s (%s): not found", req.Type, req.ID)
	}
	_, outputs, err := p.answer(ctx, req.URN, req.NewInputs)
	if err != nil {
		return plugin.UpdateResponse{}, err
	}
	p.state.put(&record{typ: rec.typ, urn: req.URN, id: rec.id, inputs: req.NewInputs, outputs: outputs})
	return plugin.UpdateResponse{Properties: outputs, Status: resource.StatusOK}, nil
}

// Delete refuses, as AWS does, while something else still uses the
// resource, after retrying for a while as the real provider does.
func (p *AWS) Delete(ctx context.Context, req plugin.DeleteRequest) (plugin.DeleteResponse, error) {
	rec, ok := p.state.get(string(req.Type), string(req.ID))
	if !ok {
		return plugin.DeleteResponse{}, nil
	}
	deadline := time.Now().Add(p.retry)
	for {
		err := p.state.inUse(rec)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return plugin.DeleteResponse{}, fmt.Errorf("deleting %s (%s): %w", req.Type, req.ID, err)
		}
		select {
		case <-ctx.Done():
			return plugin.DeleteResponse{}, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	if rec.typ == nodeGroupType {
		if err := p.stopNodes(ctx, rec.inputs); err != nil {
			return plugin.DeleteResponse{}, fmt.Errorf("deleting EKS Node Group (%s): %w", req.ID, err)
		}
	}
	p.state.remove(rec)
	return plugin.DeleteResponse{}, nil
}

// Invoke answers the functions the program and pulumi-eks call.
func (p *AWS) Invoke(_ context.Context, req plugin.InvokeRequest) (plugin.InvokeResponse, error) {
	if string(req.Tok) == "aws:eks/getAddonVersion:getAddonVersion" {
		return plugin.InvokeResponse{Properties: addonVersion(req.Args)}, nil
	}
	out, err := p.cloud.Call(pulumi.MockCallArgs{Token: string(req.Tok), Args: req.Args})
	if err != nil {
		return plugin.InvokeResponse{}, err
	}
	return plugin.InvokeResponse{Properties: out}, nil
}

// addonVersion is an EKS build of the add-on for the Kubernetes minor
// asked, in the shape `aws eks describe-addon-versions` gives it.
func addonVersion(args resource.PropertyMap) resource.PropertyMap {
	name, _ := mockcloud.Plain(args["addonName"], false).(string)
	k8s, _ := mockcloud.Plain(args["kubernetesVersion"], false).(string)
	minor := strings.TrimPrefix(k8s, "1.")
	return resource.NewPropertyMapFromMap(map[string]any{
		"id": name, "addonName": name, "kubernetesVersion": k8s, "mostRecent": true,
		"version": fmt.Sprintf("v1.%s.0-eksbuild.1", minor),
	})
}

// diffProperties compares inputs: each changed property, replacing when it
// is one of replace. Unknown new values count as changes.
func diffProperties(olds, news resource.PropertyMap, replace map[string]bool) plugin.DiffResult {
	diff := olds.Diff(news, func(k resource.PropertyKey) bool { return strings.HasPrefix(string(k), "__") })
	if diff == nil {
		return plugin.DiffResult{Changes: plugin.DiffNone}
	}
	detailed := plugin.NewDetailedDiffFromObjectDiff(diff, true)
	res := plugin.DiffResult{Changes: plugin.DiffSome, DetailedDiff: map[string]plugin.PropertyDiff{}}
	for path, d := range detailed {
		root := rootKey(path)
		if replace[root] {
			d.Kind = d.Kind.AsReplace()
			if !slices.Contains(res.ReplaceKeys, resource.PropertyKey(root)) {
				res.ReplaceKeys = append(res.ReplaceKeys, resource.PropertyKey(root))
			}
		}
		res.DetailedDiff[path] = d
	}
	res.ChangedKeys = diff.ChangedKeys()
	slices.Sort(res.ReplaceKeys)
	return res
}

func rootKey(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}
