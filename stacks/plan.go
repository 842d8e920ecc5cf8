package stacks

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// ReadStackConfig reads Pulumi.yaml and Pulumi.<stack>.yaml from dir the way
// the Pulumi CLI hands config to a program: full keys, structured values as
// JSON, project defaults filled in, and the CLI's own checks first (a
// required key missing from the stack, a value of the wrong type). Secure
// values cannot be decrypted offline and read as "[secret]".
func ReadStackConfig(dir, stack string) (project string, raw map[string]string, secretKeys []string, err error) {
	proj, err := workspace.LoadProject(filepath.Join(dir, "Pulumi.yaml"))
	if err != nil {
		return "", nil, nil, fmt.Errorf("reading Pulumi.yaml: %w", err)
	}
	stackFile := filepath.Join(dir, "Pulumi."+stack+".yaml")
	if _, err := os.Stat(stackFile); err != nil {
		return "", nil, nil, fmt.Errorf("reading %s: %w", stackFile, err)
	}
	ps, err := workspace.LoadProjectStack(nil, proj, stackFile)
	if err != nil {
		return "", nil, nil, fmt.Errorf("parsing %s: %w", stackFile, err)
	}
	if ps.Config == nil {
		ps.Config = config.Map{}
	}
	if err := applyProjectConfig(stack, proj, ps.Config); err != nil {
		return "", nil, nil, err
	}
	decrypted, err := ps.Config.Decrypt(config.NewBlindingDecrypter())
	if err != nil {
		return "", nil, nil, fmt.Errorf("%s: %w", stackFile, err)
	}
	raw = map[string]string{}
	for k, v := range decrypted {
		raw[k.String()] = v
	}
	for _, k := range ps.Config.SecureKeys() {
		secretKeys = append(secretKeys, k.String())
	}
	sort.Strings(secretKeys)
	return proj.Name.String(), raw, secretKeys, nil
}

// applyProjectConfig is what the CLI does before running a program
// (github.com/pulumi/pulumi pkg/workspace/config.go at v3.274.1, mergeConfig
// and validateStackConfigValues): a project key of the project's namespace
// with neither a default nor a value must be set in the stack, project
// defaults fill the rest, and typed keys must hold values of their type.
func applyProjectConfig(stack string, proj *workspace.Project, cfg config.Map) error {
	var missing []string
	for _, name := range slices.Sorted(maps.Keys(proj.Config)) {
		decl := proj.Config[name]
		key, err := projectKey(proj.Name.String(), name)
		if err != nil {
			return err
		}
		if _, found, err := cfg.Get(key, true); err != nil || found {
			if err != nil {
				return fmt.Errorf("getting stack config value for key '%v': %w", key, err)
			}
			continue
		}
		value := decl.Default
		if value == nil {
			value = decl.Value
		}
		if value == nil {
			if key.Namespace() == proj.Name.String() {
				missing = append(missing, name)
			}
			continue
		}
		v, err := projectConfigValue(value)
		if err != nil {
			return err
		}
		if err := cfg.Set(key, v, true); err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		return missingKeysError(stack, missing)
	}
	return checkConfigTypes(stack, proj, cfg)
}

func projectKey(project, name string) (config.Key, error) {
	if strings.Contains(name, ":") {
		return config.ParseKey(name)
	}
	return config.MustMakeKey(project, name), nil
}

// projectConfigValue renders a Pulumi.yaml default as the CLI stores it:
// scalars as their text, everything else as JSON.
func projectConfigValue(v any) (config.Value, error) {
	switch v.(type) {
	case string, int, bool:
		return config.NewValue(fmt.Sprintf("%v", v)), nil
	}
	simple, err := workspace.SimplifyMarshalledValue(v)
	if err != nil {
		return config.Value{}, err
	}
	b, err := json.Marshal(simple)
	if err != nil {
		return config.Value{}, err
	}
	return config.NewObjectValue(string(b)), nil
}

// missingKeysError is the CLI's message for required keys a stack lacks.
func missingKeysError(stack string, keys []string) error {
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = "'" + k + "'"
	}
	if len(keys) == 1 {
		return fmt.Errorf("Stack '%s' is missing configuration value %s", stack, quoted[0])
	}
	list := strings.Join(quoted[:len(quoted)-1], ", ") + " and " + quoted[len(quoted)-1]
	return fmt.Errorf("Stack '%s' is missing configuration values %s", stack, list)
}

// checkConfigTypes rejects a stack value of another type than Pulumi.yaml
// declares, with the CLI's message. Secure values cannot be read offline and
// are left to the CLI.
func checkConfigTypes(stack string, proj *workspace.Project, cfg config.Map) error {
	for _, name := range slices.Sorted(maps.Keys(proj.Config)) {
		decl := proj.Config[name]
		if !decl.IsExplicitlyTyped() {
			continue
		}
		key, err := projectKey(proj.Name.String(), name)
		if err != nil {
			return err
		}
		v, found, err := cfg.Get(key, true)
		if err != nil || !found || v.Secure() {
			continue
		}
		text, err := v.Value(config.NopDecrypter)
		if err != nil {
			return err
		}
		var content any = text
		if v.Object() {
			if err := json.Unmarshal([]byte(text), &content); err != nil {
				return err
			}
		}
		if !workspace.ValidateConfigValue(*decl.Type, decl.Items, content) {
			return fmt.Errorf("Stack '%s' with configuration key '%s' must be of type '%s'",
				stack, name, workspace.InferFullTypeName(*decl.Type, decl.Items))
		}
	}
	return nil
}
