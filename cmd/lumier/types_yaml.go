package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// appToken is the App component's type token, as a YAML program names it.
const appToken = "lumier:index:App"

// yamlProgram is the part of a Pulumi YAML program (Pulumi.yaml, or Main.yaml beside it) that
// `lumier types` reads: its runtime and resources.
type yamlProgram struct {
	Runtime   any `yaml:"runtime"` // a name, or {name, options}
	Resources map[string]struct {
		Type       string         `yaml:"type"`
		Properties map[string]any `yaml:"properties"`
	} `yaml:"resources"`
}

// isYAMLProject reports whether dir's Pulumi.yaml is a YAML program.
func isYAMLProject(dir string) bool { return projectRuntime(dir) == "yaml" }

// projectRuntime is the runtime dir's Pulumi.yaml names ("" without one).
func projectRuntime(dir string) string {
	p, err := readYAMLProgram(filepath.Join(dir, "Pulumi.yaml"))
	if err != nil {
		return ""
	}
	name := p.Runtime
	if m, ok := p.Runtime.(map[string]any); ok {
		name = m["name"]
	}
	s, _ := name.(string)
	return s
}

func readYAMLProgram(path string) (yamlProgram, error) {
	var p yamlProgram
	data, err := os.ReadFile(path)
	if err != nil {
		return p, err
	}
	if err := yaml.Unmarshal(data, &p); err != nil {
		return p, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// yamlDeclarations are the inputs of the one lumier:index:App a YAML program in dir declares, as
// JSON: its properties as written. An interpolation (${...}) stays a string, which is what the
// plan takes for a value known only at deploy time.
func yamlDeclarations(dir string) ([]byte, error) {
	var found []string
	var inputs map[string]any
	for _, file := range []string{"Pulumi.yaml", "Main.yaml"} {
		p, err := readYAMLProgram(filepath.Join(dir, file))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for name, r := range p.Resources {
			if r.Type == appToken {
				found = append(found, file+": "+name)
				inputs = r.Properties
			}
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("the YAML program in %s declares no %s resource: nothing to type", dir, appToken)
	case 1:
	default:
		return nil, fmt.Errorf("the YAML program in %s declares %d %s resources (%v): lumier types types one App", dir, len(found), appToken, found)
	}
	data, err := json.Marshal(inputs)
	if err != nil {
		return nil, fmt.Errorf("the App's properties in %s: %w", dir, err)
	}
	return data, nil
}
