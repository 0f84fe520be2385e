package workerd

import (
	"fmt"
	"os"
	"path/filepath"
)

// writeGeneration writes cfg (config.capnp and its module files) into a new directory under
// parent and returns that directory. Modes are private: text bindings carry secrets.
func writeGeneration(parent string, cfg *config) (string, error) {
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return "", fmt.Errorf("creating config directory: %w", err)
	}
	dir, err := os.MkdirTemp(parent, "")
	if err != nil {
		return "", fmt.Errorf("creating config directory: %w", err)
	}
	write := func(rel string, data []byte) error {
		path := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return err
		}
		return os.WriteFile(path, data, 0o600)
	}
	if err := write("config.capnp", cfg.text); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("writing workerd config: %w", err)
	}
	for rel, data := range cfg.files {
		if err := write(rel, data); err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("writing module %s: %w", rel, err)
		}
	}
	return dir, nil
}

// removeGenerationsExcept deletes every generation under parent but keep, including those left
// by an earlier run.
func removeGenerationsExcept(parent, keep string) error {
	entries, err := os.ReadDir(parent)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return fmt.Errorf("listing old configs: %w", err)
	}
	for _, e := range entries {
		path := filepath.Join(parent, e.Name())
		if path == keep {
			continue
		}
		if err := os.RemoveAll(path); err != nil {
			return fmt.Errorf("removing old config: %w", err)
		}
	}
	return nil
}
