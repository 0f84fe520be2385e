package workerd

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
)

// Names of the services the config adds next to the scripts' own. They contain ':' so that no
// script name (see scriptNamePattern) can take them.
const (
	storageService  = "lumier:storage"
	internetService = "lumier:internet"
)

// listenAddress is the only address sockets are bound to: the local Cloudflare must not expose
// uploaded code beyond this machine. Port 0 lets the kernel choose; workerd reports the choice
// on the control fd.
const listenAddress = "127.0.0.1:0"

// config is one generated workerd configuration for a whole set of scripts.
type config struct {
	// binary is the config as workerd runs it (encode): modules included.
	binary []byte
	// text is the same config for people (config.capnp beside the process's files); it embeds
	// the module files by relative path.
	text []byte
	// files holds each module's content by path relative to the config file.
	files map[string][]byte
	// sockets names one socket per script; the socket name is the script name.
	sockets []string
	// keys lists the storage directories (unique keys) of every Durable Object namespace, i.e.
	// the files a process running this config opens.
	keys []string
	// experimental is set when a service needs workerd's --experimental (scheduled.go).
	experimental bool
	// digests fingerprints each script rendered, by name: a later config that only drops some
	// of them needs no validation (shard.validates). Digests, not the scripts, because the
	// caller owns the scripts' slices and may change them.
	digests map[string][sha256.Size]byte
}

// storageKeyPattern keeps a unique key usable as one directory name: workerd stores a namespace
// under <disk>/<uniqueKey>/.
var storageKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]*$`)

// UniqueKey is the workerd unique key, and so the storage directory name, of a Durable Object
// class hosted by script. It depends only on the two names, so a class finds its data again
// after any reload or restart. The readable part is for people looking at the storage
// directory; the hash keeps keys distinct even for classes with unusual characters and on
// case-insensitive file systems.
func UniqueKey(script, className string) string {
	sum := sha256.Sum256([]byte(script + "\x00" + className))
	readable := strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, className)
	return script + "." + readable + "." + hex.EncodeToString(sum[:6])
}

// buildConfig renders the workerd config serving scripts, with Durable Object data under
// storagePath (absolute). It is pure: the same input always gives the same output, whatever the
// order of scripts.
func buildConfig(scripts []Script, storagePath string) (*config, error) {
	sorted := slices.Clone(scripts)
	slices.SortFunc(sorted, func(a, b Script) int { return strings.Compare(a.Name, b.Name) })

	cfg := &config{files: map[string][]byte{}, digests: map[string][sha256.Size]byte{}}
	var services, sockets []Value
	keyOwner := map[string]string{}
	for i, s := range sorted {
		if err := checkScriptName(s.Name); err != nil {
			return nil, err
		}
		if i > 0 && sorted[i-1].Name == s.Name {
			return nil, fmt.Errorf("script %q given twice", s.Name)
		}
		worker, err := renderWorker(s, cfg)
		if err != nil {
			return nil, fmt.Errorf("script %q: %w", s.Name, err)
		}
		if cfg.digests[s.Name], err = digest(s); err != nil {
			return nil, fmt.Errorf("script %q: %w", s.Name, err)
		}
		for _, c := range s.Classes {
			key := classKey(s.Name, c)
			if other, ok := keyOwner[key]; ok {
				return nil, fmt.Errorf("script %q class %q: unique key %q is already used by %s", s.Name, c.Name, key, other)
			}
			keyOwner[key] = fmt.Sprintf("script %q class %q", s.Name, c.Name)
			cfg.keys = append(cfg.keys, key)
		}
		services = append(services, Struct(Field{"name", Text(s.Name)}, Field{"worker", worker}))
		sockets = append(sockets, socket(s.Name))
		cfg.sockets = append(cfg.sockets, s.Name)
		if s.Scheduled {
			service, socket := renderScheduled(s, cfg)
			services, sockets = append(services, service), append(sockets, socket)
		}
		for _, w := range s.Workflows {
			service, socket := renderWorkflow(s, w, cfg)
			services, sockets = append(services, service), append(sockets, socket)
		}
	}
	// Workers reach the internet and this machine's loopback (other local Workers, the local
	// Cloudflare) but not the rest of the private network. Naming the service explicitly also
	// keeps a script called "internet" from becoming every Worker's outbound.
	services = append(services, Struct(Field{"name", Text(internetService)}, Field{"network", Struct(
		Field{"allow", List(Text("public"), Text("local"))},
		Field{"tlsOptions", Struct(Field{"trustBrowserCas", Bool(true)})})}))
	services = append(services, externalServices(sorted)...)
	cfg.experimental = cfg.experimental || needsExperimental(sorted)
	tails, err := tailServices(sorted, cfg)
	if err != nil {
		return nil, err
	}
	services = append(services, tails...)
	if len(cfg.keys) > 0 {
		services = append(services, Struct(Field{"name", Text(storageService)}, Field{"disk", Struct(
			Field{"path", Text(storagePath)}, Field{"writable", Bool(true)})}))
	}

	if cfg.binary, err = encode(Struct(Field{"services", List(services...)}, Field{"sockets", List(sockets...)})); err != nil {
		return nil, err
	}
	cfg.text = renderConfig(services, sockets)
	return cfg, nil
}

// socket is the socket serving the service name, on listenAddress only.
func socket(name string) Value {
	return Struct(Field{"name", Text(name)}, Field{"address", Text(listenAddress)},
		Field{"http", Struct()}, Field{"service", Text(name)})
}

// renderConfig is the text form of the config, one service and one socket per line.
func renderConfig(services, sockets []Value) []byte {
	lines := func(vs []Value) string {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = v.render()
		}
		return strings.Join(out, ",\n    ")
	}
	var b strings.Builder
	b.WriteString("# Generated by lumier (local/workerd). Do not edit. workerd runs the same config in binary form.\n")
	b.WriteString("using Workerd = import \"/workerd/workerd.capnp\";\n\n")
	b.WriteString("const config :Workerd.Config = (\n  services = [\n    ")
	b.WriteString(lines(services))
	b.WriteString("\n  ],\n  sockets = [\n    ")
	b.WriteString(lines(sockets))
	b.WriteString("\n  ],\n);\n")
	return []byte(b.String())
}

// digest fingerprints everything of s that reaches the config. Module contents are hashed as
// they are, not encoded, or stand in by their SHA256 when given: Apply fingerprints every script
// on every call.
func digest(s Script) ([sha256.Size]byte, error) {
	contents := make([][]byte, len(s.Modules))
	s.Modules = slices.Clone(s.Modules)
	for i, m := range s.Modules {
		s.Modules[i].Content = nil
		if m.SHA256 == "" {
			contents[i] = m.Content
		}
	}
	h := sha256.New()
	if err := json.NewEncoder(h).Encode(s); err != nil {
		return [sha256.Size]byte{}, fmt.Errorf("fingerprinting: %w", err)
	}
	for _, c := range contents {
		fmt.Fprintf(h, "%d\n", len(c))
		h.Write(c)
	}
	return [sha256.Size]byte(h.Sum(nil)), nil
}

// digests fingerprints each of scripts by name (digest).
func digests(scripts []Script) (map[string][sha256.Size]byte, error) {
	out := make(map[string][sha256.Size]byte, len(scripts))
	for _, sc := range scripts {
		d, err := digest(sc)
		if err != nil {
			return nil, fmt.Errorf("script %q: %w", sc.Name, err)
		}
		out[sc.Name] = d
	}
	return out, nil
}

// renderWorker renders the worker = (...) value of one script and records its module files in
// cfg.files.
func renderWorker(s Script, cfg *config) (Value, error) {
	modules, err := renderModules(s, cfg)
	if err != nil {
		return Value{}, err
	}
	bindings, err := renderBindings(s)
	if err != nil {
		return Value{}, err
	}
	fields := []Field{{"modules", modules}}
	if s.CompatibilityDate != "" {
		fields = append(fields, Field{"compatibilityDate", Text(s.CompatibilityDate)})
	}
	if len(s.CompatibilityFlags) > 0 {
		fields = append(fields, Field{"compatibilityFlags", texts(s.CompatibilityFlags)})
	}
	if len(bindings) > 0 {
		fields = append(fields, Field{"bindings", List(bindings...)})
	}
	if len(s.Classes) > 0 {
		namespaces, err := renderNamespaces(s)
		if err != nil {
			return Value{}, err
		}
		fields = append(fields,
			Field{"durableObjectNamespaces", List(namespaces...)},
			Field{"durableObjectStorage", Struct(Field{"localDisk", Text(storageService)})})
	}
	fields = append(fields, Field{"globalOutbound", Text(internetService)})
	if fields, err = renderTails(s, fields); err != nil {
		return Value{}, err
	}
	worker := Struct(fields...)
	worker.lines = true
	return worker, nil
}

// texts is a list of text values.
func texts(items []string) Value {
	out := make([]Value, len(items))
	for i, s := range items {
		out[i] = Text(s)
	}
	return List(out...)
}

// renderModules lists the modules, main module first (workerd runs the first one), each embedded
// from its own file. Files are named by position, never by module name, so any module name is
// safe: it only ever appears inside an escaped string.
func renderModules(s Script, cfg *config) (Value, error) {
	if len(s.Modules) == 0 {
		return Value{}, fmt.Errorf("no modules")
	}
	main := s.MainModule
	if main == "" {
		main = s.Modules[0].Name
	}
	order := make([]int, 0, len(s.Modules))
	seen := map[string]bool{}
	for i, m := range s.Modules {
		if m.Name == "" {
			return Value{}, fmt.Errorf("module %d has no name", i)
		}
		if seen[m.Name] {
			return Value{}, fmt.Errorf("module %q given twice", m.Name)
		}
		seen[m.Name] = true
		if m.Name == main {
			order = append([]int{i}, order...)
		} else {
			order = append(order, i)
		}
	}
	if !seen[main] {
		return Value{}, fmt.Errorf("main module %q is not among the modules", main)
	}
	items := make([]Value, 0, len(order))
	for _, i := range order {
		file := path.Join("modules", s.Name, fmt.Sprintf("%d.js", i))
		cfg.files[file] = s.Modules[i].Content
		items = append(items, Struct(Field{"name", Text(s.Modules[i].Name)},
			Field{"esModule", embed(file, s.Modules[i].Content)}))
	}
	return List(items...), nil
}

// renderBindings renders the env of a script.
func renderBindings(s Script) ([]Value, error) {
	items := make([]Value, 0, len(s.Bindings))
	seen := map[string]bool{}
	for _, b := range s.Bindings {
		if b.Name == "" {
			return nil, fmt.Errorf("binding with no name")
		}
		// workerd accepts duplicate names silently (the last wins); Cloudflare rejects them.
		if seen[b.Name] {
			return nil, fmt.Errorf("binding %q given twice", b.Name)
		}
		seen[b.Name] = true
		item, err := renderBinding(b)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	return items, nil
}

// renderNamespaces renders the Durable Object namespaces a script hosts. enableSql is what makes a
// class SQLite-backed; without it workerd keeps the KV storage API and ctx.storage.sql throws.
func renderNamespaces(s Script) ([]Value, error) {
	items := make([]Value, 0, len(s.Classes))
	seen := map[string]bool{}
	for _, c := range s.Classes {
		if c.Name == "" {
			return nil, fmt.Errorf("class with no name")
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("class %q given twice", c.Name)
		}
		seen[c.Name] = true
		key := classKey(s.Name, c)
		if !storageKeyPattern.MatchString(key) {
			return nil, fmt.Errorf("class %q: unique key %q is not a plain directory name", c.Name, key)
		}
		fields := []Field{{"className", Text(c.Name)}, {"uniqueKey", Text(key)}}
		if c.SQLite {
			fields = append(fields, Field{"enableSql", Bool(true)})
		}
		items = append(items, Struct(fields...))
	}
	return items, nil
}

// classKey is the unique key of a hosted class: the caller's override or UniqueKey.
func classKey(script string, c Class) string {
	if c.UniqueKey != "" {
		return c.UniqueKey
	}
	return UniqueKey(script, c.Name)
}
