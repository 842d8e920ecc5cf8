// Package crds holds, byte for byte, the upstream CustomResourceDefinitions
// the program installs or whose objects it creates, so tests check objects
// against upstream schemas without reading outside the repository. README.md
// beside this file names each file's source, version and licence.
package crds

import (
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// Files is every vendored CRD file, by its path in this directory.
//
//go:embed *.yaml gateway-api-v1.5.0-standard/*.yaml
var Files embed.FS

// Document is one CRD of a vendored file.
type Document struct {
	// File is the path in Files it was read from.
	File string
	// Name is the CRD's metadata.name, "<plural>.<group>".
	Name string
	YAML []byte
}

// separator is a YAML document separator line.
var separator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// Documents returns every CRD of every vendored file, in path order. A
// document that is not a CRD is an error: only CRDs are vendored here.
func Documents() ([]Document, error) {
	var out []Document
	err := fs.WalkDir(Files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		docs, err := fileDocuments(path)
		out = append(out, docs...)
		return err
	})
	return out, err
}

func fileDocuments(path string) ([]Document, error) {
	data, err := Files.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []Document
	for i, text := range separator.Split(string(data), -1) {
		if strings.TrimSpace(text) == "" {
			continue
		}
		var head struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(text), &head); err != nil {
			return nil, fmt.Errorf("crds: %s document %d: %w", path, i+1, err)
		}
		if head.Kind != "CustomResourceDefinition" || head.Metadata.Name == "" {
			return nil, fmt.Errorf("crds: %s document %d is a %q named %q, not a CustomResourceDefinition", path, i+1, head.Kind, head.Metadata.Name)
		}
		out = append(out, Document{File: path, Name: head.Metadata.Name, YAML: []byte(text)})
	}
	return out, nil
}
