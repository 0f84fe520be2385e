package workerd

// workerd has no static assets binding of its own: the local Cloudflare maps an assets binding to
// a service binding to an external service, its assets backend, which is told the script's
// manifest and config in headers injected on every call (docs/architecture.md, "Static assets on
// workerd"; the mapping is in local/runtime/bindings.go).

// Headers the assets backend reads: the manifest id, and the assets config as JSON.
const (
	AssetsManifestHeader = "X-Lumier-Assets-Manifest"
	AssetsConfigHeader   = "X-Lumier-Assets-Config"
)
