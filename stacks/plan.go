package stacks

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ReadStackConfig reads Pulumi.yaml and Pulumi.<stack>.yaml from dir the way
// the Pulumi CLI hands config to a program: full keys, structured values as
// JSON, project defaults filled in. Secure values cannot be decrypted offline
// and read as "[secret]".
func ReadStackConfig(dir, stack string) (project string, raw map[string]string, secretKeys []string, err error) {
	var proj struct {
		Name   string                    `yaml:"name"`
		Config map[string]map[string]any `yaml:"config"`
	}
	if err := readYAML(filepath.Join(dir, "Pulumi.yaml"), &proj); err != nil {
		return "", nil, nil, err
	}
	if proj.Name == "" {
		return "", nil, nil, errors.New("Pulumi.yaml: no project name")
	}
	var st struct {
		Config map[string]any `yaml:"config"`
	}
	stackFile := filepath.Join(dir, "Pulumi."+stack+".yaml")
	if err := readYAML(stackFile, &st); err != nil {
		return "", nil, nil, err
	}

	raw = map[string]string{}
	for key, value := range st.Config {
		if !strings.Contains(key, ":") {
			key = proj.Name + ":" + key
		}
		if m, ok := value.(map[string]any); ok && len(m) == 1 && m["secure"] != nil {
			raw[key] = "[secret]"
			secretKeys = append(secretKeys, key)
			continue
		}
		s, err := configString(value)
		if err != nil {
			return "", nil, nil, fmt.Errorf("%s: config %s: %w", stackFile, key, err)
		}
		raw[key] = s
	}
	for key, decl := range proj.Config {
		if !strings.Contains(key, ":") {
			key = proj.Name + ":" + key
		}
		def, ok := decl["default"]
		if _, set := raw[key]; set || !ok {
			continue
		}
		s, err := configString(def)
		if err != nil {
			return "", nil, nil, fmt.Errorf("Pulumi.yaml: default of %s: %w", key, err)
		}
		raw[key] = s
	}
	sort.Strings(secretKeys)
	return proj.Name, raw, secretKeys, nil
}

func readYAML(path string, into any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		return fmt.Errorf("parsing %s: %w", path, err)
	}
	return nil
}

// configString renders a YAML config value as the CLI passes it to programs.
func configString(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case bool:
		return strconv.FormatBool(t), nil
	case int:
		return strconv.Itoa(t), nil
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), nil
	case nil:
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
