package workerd

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

func counterScript(name string) Script {
	return Script{
		Name:               name,
		MainModule:         "index.js",
		Modules:            []Module{{Name: "index.js", Content: []byte("export default {}")}},
		CompatibilityDate:  "2025-11-17",
		CompatibilityFlags: []string{"nodejs_compat"},
		Bindings:           []Binding{doBinding("COUNTER", "Counter", "")},
		Classes:            []Class{{Name: "Counter", SQLite: true}},
	}
}

// TestBuildConfigGolden pins the whole generated text for a typical set: a SQLite class, a
// KV-backed class, a cross-script binding and a text binding.
func TestBuildConfigGolden(t *testing.T) {
	api := counterScript("my-app-dev-api")
	api.Classes = append(api.Classes, Class{Name: "Legacy"})
	api.Bindings = append(api.Bindings, textBinding("GREETING", "hello \"world\"\n"))
	client := Script{
		Name:              "my-app-dev-client",
		Modules:           []Module{{Name: "client.js", Content: []byte("export default {}")}},
		CompatibilityDate: "2025-11-17",
		Bindings:          []Binding{doBinding("REMOTE", "Counter", "my-app-dev-api")},
	}
	cfg, err := buildConfig([]Script{client, api}, "/data/storage")
	require.NoError(t, err)

	golden := filepath.Join("testdata", "golden.capnp")
	if *update {
		require.NoError(t, os.WriteFile(golden, cfg.text, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(cfg.text))
	assert.Equal(t, []string{"my-app-dev-api", "my-app-dev-client"}, cfg.sockets)
	assert.Equal(t, []string{UniqueKey("my-app-dev-api", "Counter"), UniqueKey("my-app-dev-api", "Legacy")}, cfg.keys)
	assert.Equal(t, map[string][]byte{
		"modules/my-app-dev-api/0.js":    []byte("export default {}"),
		"modules/my-app-dev-client/0.js": []byte("export default {}"),
	}, cfg.files)
}

func TestBuildConfigNamespaces(t *testing.T) {
	s := counterScript("api")
	s.Classes = []Class{{Name: "Sql", SQLite: true}, {Name: "Kv", SQLite: false}}
	cfg, err := buildConfig([]Script{s}, "/st")
	require.NoError(t, err)
	text := string(cfg.text)
	assert.Contains(t, text, `(className = "Sql", uniqueKey = "`+UniqueKey("api", "Sql")+`", enableSql = true)`)
	assert.Contains(t, text, `(className = "Kv", uniqueKey = "`+UniqueKey("api", "Kv")+`")`)
	assert.Equal(t, 1, strings.Count(text, "enableSql"), "enableSql only for the SQLite class")
	assert.Contains(t, text, `durableObjectStorage = (localDisk = "lumier:storage")`)
	assert.Contains(t, text, `(name = "lumier:storage", disk = (path = "/st", writable = true))`)
}

func TestBuildConfigWithoutClassesHasNoStorage(t *testing.T) {
	s := counterScript("api")
	s.Classes = nil
	s.Bindings = []Binding{doBinding("REMOTE", "Counter", "other")}
	cfg, err := buildConfig([]Script{s}, "/st")
	require.NoError(t, err)
	text := string(cfg.text)
	assert.NotContains(t, text, "durableObjectStorage")
	assert.NotContains(t, text, "disk =")
	assert.Empty(t, cfg.keys)
	assert.Contains(t, text, `(name = "REMOTE", durableObjectNamespace = (className = "Counter", serviceName = "other"))`)
}

func TestBuildConfigEscapesEverything(t *testing.T) {
	s := counterScript("api")
	s.Modules = []Module{
		{Name: `../../etc/"passwd".js`, Content: []byte("export const x = 1")},
		{Name: "index.js", Content: []byte("export default {}")},
	}
	s.Bindings = append(s.Bindings, textBinding(`W"EIRD`, "a\"b\\c\n)]; x"))
	s.CompatibilityFlags = []string{`flag"x`}
	cfg, err := buildConfig([]Script{s}, `/dir with "quotes"`)
	require.NoError(t, err)
	text := string(cfg.text)
	// Main module first; files named by position, so the module name never reaches a path.
	assert.Contains(t, text, `modules = [(name = "index.js", esModule = embed "modules/api/1.js"), `+
		`(name = "../../etc/\"passwd\".js", esModule = embed "modules/api/0.js")]`)
	assert.Contains(t, text, `(name = "W\"EIRD", text = "a\"b\\c\n)]; x")`)
	assert.Contains(t, text, `compatibilityFlags = ["flag\"x"]`)
	assert.Contains(t, text, `path = "/dir with \"quotes\""`)
	for path := range cfg.files {
		assert.True(t, strings.HasPrefix(path, "modules/api/"), path)
	}
}

func TestBuildConfigIsDeterministic(t *testing.T) {
	a, b := counterScript("a"), counterScript("b")
	one, err := buildConfig([]Script{a, b}, "/st")
	require.NoError(t, err)
	two, err := buildConfig([]Script{b, a}, "/st")
	require.NoError(t, err)
	assert.Equal(t, string(one.text), string(two.text))
}

func TestBuildConfigMainModuleDefaultsToFirst(t *testing.T) {
	s := counterScript("api")
	s.MainModule = ""
	s.Modules = []Module{{Name: "main.js"}, {Name: "lib.js"}}
	cfg, err := buildConfig([]Script{s}, "/st")
	require.NoError(t, err)
	assert.Contains(t, string(cfg.text), `modules = [(name = "main.js", esModule = embed "modules/api/0.js"), (name = "lib.js"`)
}

func TestBuildConfigUniqueKeyOverride(t *testing.T) {
	s := counterScript("api")
	s.Classes = []Class{{Name: "Renamed", SQLite: true, UniqueKey: UniqueKey("api", "Counter")}}
	cfg, err := buildConfig([]Script{s}, "/st")
	require.NoError(t, err)
	assert.Contains(t, string(cfg.text), `(className = "Renamed", uniqueKey = "`+UniqueKey("api", "Counter")+`", enableSql = true)`)
}

func TestBuildConfigRejects(t *testing.T) {
	cases := map[string]func(s *Script) []Script{
		"bad script name":   func(s *Script) []Script { s.Name = "api.v2"; return nil },
		"service-like name": func(s *Script) []Script { s.Name = "lumier:storage"; return nil },
		"duplicate script":  func(s *Script) []Script { return []Script{*s} },
		"no modules":        func(s *Script) []Script { s.Modules = nil; return nil },
		"missing main":      func(s *Script) []Script { s.MainModule = "nope.js"; return nil },
		"duplicate module":  func(s *Script) []Script { s.Modules = append(s.Modules, s.Modules[0]); return nil },
		"duplicate binding": func(s *Script) []Script { s.Bindings = append(s.Bindings, s.Bindings[0]); return nil },
		"unknown binding":   func(s *Script) []Script { s.Bindings[0].Kind = "kv_namespace = x"; return nil },
		"bad binding script": func(s *Script) []Script {
			s.Bindings[0] = doBinding("COUNTER", "Counter", "lumier:storage")
			return nil
		},
		"external without colon": func(s *Script) []Script {
			s.Bindings[0].Services = []External{{Name: "api", Address: "127.0.0.1:1"}}
			return nil
		},
		"duplicate class": func(s *Script) []Script { s.Classes = append(s.Classes, s.Classes[0]); return nil },
		"path-like key":   func(s *Script) []Script { s.Classes[0].UniqueKey = "../elsewhere"; return nil },
		"shared key": func(s *Script) []Script {
			other := counterScript("other")
			other.Classes[0].UniqueKey = UniqueKey("api", "Counter")
			return []Script{other}
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			s := counterScript("api")
			extra := mutate(&s)
			_, err := buildConfig(append([]Script{s}, extra...), "/st")
			assert.Error(t, err)
		})
	}
}

func TestUniqueKeyIsStable(t *testing.T) {
	// Pinned: changing the formula would orphan every existing Durable Object's data.
	assert.Equal(t, "api.Counter.424ec565b5b8", UniqueKey("api", "Counter"))
	assert.NotEqual(t, UniqueKey("api", "Counter"), UniqueKey("api", "counter"), "case-insensitive file systems")
	assert.NotEqual(t, UniqueKey("api", "Counter"), UniqueKey("api2", "Counter"))
	assert.NotEqual(t, UniqueKey("a-b", "C"), UniqueKey("a", "b-C"))
	assert.Equal(t, "api.Caf_.", UniqueKey("api", "Café")[:len("api.Caf_.")])
	assert.Regexp(t, storageKeyPattern, UniqueKey("-x", "$weird ünicode"))
}

// TestBuildConfigExternalServices: two scripts whose bindings call one external service
// declare it once, with its headers injected in name order.
func TestBuildConfigExternalServices(t *testing.T) {
	kv := Binding{Name: "CACHE", Kind: "kvNamespace", Value: Text("lumier:kv:ns1"), Services: []External{{
		Name: "lumier:kv:ns1", Address: "127.0.0.1:4321", Headers: map[string]string{"X-B": "2", "X-A": "1"},
	}}}
	a := Script{Name: "a", Modules: []Module{{Name: "index.js", Content: []byte("export default {}")}}, Bindings: []Binding{kv}}
	b := a
	b.Name = "b"
	cfg, err := buildConfig([]Script{a, b}, "/st")
	require.NoError(t, err)
	text := string(cfg.text)
	assert.Equal(t, 2, strings.Count(text, `(name = "CACHE", kvNamespace = "lumier:kv:ns1")`), text)
	assert.Equal(t, 1, strings.Count(text, `(name = "lumier:kv:ns1", external = (address = "127.0.0.1:4321", `+
		`http = (injectRequestHeaders = [(name = "X-A", value = "1"), (name = "X-B", value = "2")])))`), text)
}

// A script's fingerprint changes with its code: with the contents when no SHA256 is given, with
// the SHA256 when it is (the account's modules are kept by it, so it stands for the contents).
func TestDigestFollowsTheCode(t *testing.T) {
	fingerprint := func(content, sha string) [32]byte {
		s := counterScript("api")
		s.Modules = []Module{{Name: "index.js", Content: []byte(content), SHA256: sha}}
		d, err := digest(s)
		require.NoError(t, err)
		return d
	}
	assert.Equal(t, fingerprint("a", ""), fingerprint("a", ""))
	assert.NotEqual(t, fingerprint("a", ""), fingerprint("b", ""), "contents hashed")
	assert.NotEqual(t, fingerprint("a", "aa"), fingerprint("a", "bb"), "SHA256 stands for the contents")
	assert.Equal(t, fingerprint("a", "aa"), fingerprint("b", "aa"), "contents with a SHA256 are not hashed again")
	assert.NotEqual(t, fingerprint("a", ""), fingerprint("a", "aa"))
}
