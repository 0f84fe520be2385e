package workerd

import "fmt"

// workerd has no static assets binding of its own: an assets binding is a service binding to an
// external service, the local Cloudflare's assets backend, which is told the script's manifest
// and config in headers injected on every call (docs/architecture.md, "Static assets on workerd").

// BindingAssets binds a script's static assets (env.ASSETS.fetch), served by an HTTP backend.
const BindingAssets = "assets"

// Headers the assets backend reads: the manifest id, and the assets config as JSON.
const (
	AssetsManifestHeader = "X-Lumier-Assets-Manifest"
	AssetsConfigHeader   = "X-Lumier-Assets-Config"
)

// assetsService names the external service behind script's assets binding.
func assetsService(script string) string { return "lumier:assets:" + script }

// renderAssetsBinding renders an assets binding of script s.
func renderAssetsBinding(s Script, b Binding) (string, error) {
	if b.AssetsBackend == "" || b.AssetsManifest == "" {
		return "", fmt.Errorf("binding %q: an assets binding needs a backend and a manifest (upload assets with the script)", b.Name)
	}
	return fmt.Sprintf("(name = %s, service = %s)", capnpString(b.Name), capnpString(assetsService(s.Name))), nil
}

// assetsServices declares the external service of every script's assets binding.
func assetsServices(scripts []Script) []string {
	var out []string
	for _, s := range scripts {
		for _, b := range s.Bindings {
			if b.Type != BindingAssets || b.AssetsBackend == "" {
				continue
			}
			out = append(out, fmt.Sprintf("(name = %s, external = (address = %s, http = (injectRequestHeaders = "+
				"[(name = %s, value = %s), (name = %s, value = %s)])))", capnpString(assetsService(s.Name)),
				capnpString(b.AssetsBackend), capnpString(AssetsManifestHeader), capnpString(b.AssetsManifest),
				capnpString(AssetsConfigHeader), capnpString(b.AssetsConfig)))
			break // one assets binding per script
		}
	}
	return out
}
