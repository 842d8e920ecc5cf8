package cost

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// kubeObjects returns the Kubernetes objects a resource creates or ships:
// the object itself, the manifests of a yaml/v2 ConfigGroup, or a manifest
// uploaded to S3 for a pipeline to deploy.
func kubeObjects(r Resource) []map[string]any {
	switch {
	case r.Type == "kubernetes:yaml/v2:ConfigGroup" || r.Type == "kubernetes:yaml/v2:ConfigFile":
		var out []map[string]any
		for _, o := range asList(r.Inputs["objs"]) {
			if m, ok := o.(map[string]any); ok {
				out = append(out, m)
			}
		}
		for _, text := range asList(r.Inputs["yaml"]) {
			if s, ok := text.(string); ok {
				out = append(out, decodeManifests(s)...)
			}
		}
		return out
	case r.Type == "aws:s3/bucketObjectv2:BucketObjectv2":
		key, _ := r.Inputs["key"].(string)
		content, _ := r.Inputs["content"].(string)
		if strings.HasSuffix(key, ".yaml") || strings.HasSuffix(key, ".yml") {
			return decodeManifests(content)
		}
	case strings.HasPrefix(r.Type, "kubernetes:") && r.Inputs["kind"] != nil:
		return []map[string]any{r.Inputs}
	}
	return nil
}

// asList accepts a value or a list of values.
func asList(v any) []any {
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		return t
	}
	return []any{v}
}

// decodeManifests reads a multi-document YAML stream; what does not parse
// is not a manifest the estimate can price.
func decodeManifests(text string) []map[string]any {
	var out []map[string]any
	dec := yaml.NewDecoder(bytes.NewReader([]byte(text)))
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if err != nil {
			return out
		}
		if doc["kind"] != nil {
			out = append(out, doc)
		}
	}
}

// kubeObject prices what a Kubernetes object makes AWS create: an ALB per
// Ingress (or Ingress group), a VPC Lattice service per HTTPRoute, and EBS
// volumes for claims.
func (e *estimator) kubeObject(r Resource, obj map[string]any, all []Resource) {
	kind, _ := obj["kind"].(string)
	name, _ := path(obj, "metadata", "name").(string)
	namespace, _ := path(obj, "metadata", "namespace").(string)
	key := kind + "/" + namespace + "/" + name
	if kind == "Ingress" {
		if group, ok := path(obj, "metadata", "annotations", "alb.ingress.kubernetes.io/group.name").(string); ok {
			key = "IngressGroup/" + group
		}
	}
	if e.seenKube[key] {
		return
	}
	e.seenKube[key] = true
	e.source = key
	via := ""
	if r.Type == "aws:s3/bucketObjectv2:BucketObjectv2" {
		via = ", deployed by the pipeline"
	}
	switch kind {
	case "Ingress":
		e.ingress(r.Region, obj, name+via, all)
	case "HTTPRoute":
		e.add(r.Region, "lattice-service", fmt.Sprintf("VPC Lattice service for HTTPRoute %s%s", name, via), 1, "service")
	case "StatefulSet":
		e.statefulSetVolumes(r.Region, obj, name+via, all)
	case "PersistentVolumeClaim":
		if size := storageGB(path(obj, "spec", "resources", "requests", "storage")); size > 0 {
			volumeType := e.volumeType(path(obj, "spec", "storageClassName"), all)
			e.add(r.Region, "ebs-"+volumeType, fmt.Sprintf("volume claim %s: %g GB %s%s", name, size, volumeType, via), size, "GB")
		}
	}
}

// ingress prices one ALB, and for an internet-facing one a public IPv4
// address in each zone it spans (the zones of the subnets tagged for
// internet-facing load balancers).
func (e *estimator) ingress(region string, obj map[string]any, what string, all []Resource) {
	class, _ := path(obj, "spec", "ingressClassName").(string)
	if legacy, ok := path(obj, "metadata", "annotations", "kubernetes.io/ingress.class").(string); ok && class == "" {
		class = legacy
	}
	if class != "alb" {
		return
	}
	e.add(region, "alb", "ALB for Ingress "+what, 1, "load balancer")
	if scheme, _ := path(obj, "metadata", "annotations", "alb.ingress.kubernetes.io/scheme").(string); scheme != "internet-facing" {
		return
	}
	zones := publicZones(all)
	if zones == 0 {
		e.warn("Ingress %s is internet-facing but the plan has no subnet tagged kubernetes.io/role/elb; its public addresses are not counted", what)
		return
	}
	e.add(region, "public-ipv4", fmt.Sprintf("ALB for Ingress %s: %d public addresses", what, zones), float64(zones), "address")
}

func publicZones(all []Resource) int {
	zones := map[string]bool{}
	for _, r := range all {
		if r.Type != "aws:ec2/subnet:Subnet" || path(r.Inputs, "tags", "kubernetes.io/role/elb") != "1" {
			continue
		}
		if az, ok := r.Inputs["availabilityZone"].(string); ok {
			zones[az] = true
		}
	}
	return len(zones)
}

func (e *estimator) statefulSetVolumes(region string, obj map[string]any, what string, all []Resource) {
	replicas, ok := number(path(obj, "spec", "replicas"))
	if !ok {
		replicas = 1
	}
	for _, t := range asList(path(obj, "spec", "volumeClaimTemplates")) {
		size := storageGB(path(t, "spec", "resources", "requests", "storage"))
		if size == 0 {
			continue
		}
		volumeType := e.volumeType(path(t, "spec", "storageClassName"), all)
		e.add(region, "ebs-"+volumeType, fmt.Sprintf("StatefulSet %s: %g × %g GB %s", what, replicas, size, volumeType), replicas*size, "GB")
	}
}

// volumeType is the EBS type of a storage class the plan defines; gp3 for
// a class it does not, with a warning.
func (e *estimator) volumeType(className any, all []Resource) string {
	name, _ := className.(string)
	for _, r := range all {
		for _, obj := range kubeObjects(r) {
			if obj["kind"] == "StorageClass" && path(obj, "metadata", "name") == name {
				if t, ok := path(obj, "parameters", "type").(string); ok {
					return t
				}
			}
		}
	}
	e.warn("storage class %q is not in the plan; its volumes are priced as gp3", name)
	return "gp3"
}

// storageGB reads a Kubernetes quantity such as "4Gi" or "500G" in GiB,
// the unit EBS sizes and bills volumes in.
func storageGB(v any) float64 {
	s, _ := v.(string)
	units := []struct {
		suffix string
		gb     float64
	}{{"Ti", 1024}, {"Gi", 1}, {"Mi", 1.0 / 1024}, {"T", 1e12 / (1 << 30)}, {"G", 1e9 / (1 << 30)}, {"M", 1e6 / (1 << 30)}}
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			f, err := strconv.ParseFloat(n, 64)
			if err != nil {
				return 0
			}
			return f * u.gb
		}
	}
	return 0
}
