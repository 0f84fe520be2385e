package assets

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/workerd"
)

// Static assets are served in two places (docs/architecture.md, "Static assets on workerd"):
// the router in front of each script's port answers a request that matches an asset before it
// reaches the Worker (Store.Front), and the ASSETS binding is an external service workerd calls,
// the server's assets backend (Store.ServeBinding), which also applies not-found handling.

// Cloudflare's values of assets.config (docs/cloudflare-api.md, "Static assets").
const (
	htmlAutoTrailingSlash  = "auto-trailing-slash"
	htmlForceTrailingSlash = "force-trailing-slash"
	htmlDropTrailingSlash  = "drop-trailing-slash"
	htmlNone               = "none"
	notFound404Page        = "404-page"
	notFoundSPA            = "single-page-application"
	notFoundNone           = "none"
)

func htmlHandling(c account.AssetsConfig) string {
	if c.HTMLHandling == "" {
		return htmlAutoTrailingSlash
	}
	return c.HTMLHandling
}

// checkAssetsConfig refuses values Cloudflare does not know.
func checkAssetsConfig(c account.AssetsConfig) *envelope.Error {
	switch c.HTMLHandling {
	case "", htmlAutoTrailingSlash, htmlForceTrailingSlash, htmlDropTrailingSlash, htmlNone:
	default:
		return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "assets.config.html_handling %q is not one of %s, %s, %s, %s",
			c.HTMLHandling, htmlAutoTrailingSlash, htmlForceTrailingSlash, htmlDropTrailingSlash, htmlNone)
	}
	switch c.NotFoundHandling {
	case "", notFound404Page, notFoundSPA, notFoundNone:
	default:
		return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "assets.config.not_found_handling %q is not one of %s, %s, %s",
			c.NotFoundHandling, notFound404Page, notFoundSPA, notFoundNone)
	}
	return nil
}

// assetMatch is what a request path resolves to: an asset to serve, a redirect, or nothing.
type assetMatch struct {
	path     string // manifest path of the asset to serve
	redirect string // path to redirect to (307)
}

// resolveAsset applies html_handling to a request path (decoded). Non-HTML files match their
// exact path under every mode; HTML files are reached without their extension, and the modes
// differ in whether the canonical URL has a trailing slash.
func resolveAsset(m assetManifest, html, p string) assetMatch {
	has := func(q string) bool { _, ok := m[q]; return ok }
	if has(p) && !strings.HasSuffix(p, ".html") {
		return assetMatch{path: p}
	}
	if html == htmlNone {
		if has(p) {
			return assetMatch{path: p}
		}
		return assetMatch{}
	}
	// The HTML file a path names, and the path it is canonically served at.
	trimmed := strings.TrimSuffix(p, "/")
	switch {
	case strings.HasSuffix(p, "/index.html"):
		trimmed = strings.TrimSuffix(p, "/index.html")
	case strings.HasSuffix(p, ".html"):
		trimmed = strings.TrimSuffix(p, ".html")
	}
	var file string
	dirIndex := false
	switch {
	case trimmed == "" && has("/index.html"):
		file, dirIndex = "/index.html", true
	case trimmed != "" && has(trimmed+".html"):
		file = trimmed + ".html"
	case trimmed != "" && has(trimmed+"/index.html"):
		file, dirIndex = trimmed+"/index.html", true
	default:
		return assetMatch{}
	}
	canonical := trimmed
	switch {
	case trimmed == "":
		canonical = "/"
	case html == htmlForceTrailingSlash, html == htmlAutoTrailingSlash && dirIndex:
		canonical = trimmed + "/"
	}
	if p != canonical {
		return assetMatch{redirect: canonical}
	}
	return assetMatch{path: file}
}

// notFoundAsset is the asset not_found_handling serves for path, if any: the nearest 404.html
// up the path's directories (404-page, answered 404), or /index.html (single-page-application,
// answered 200).
func notFoundAsset(m assetManifest, mode, p string) (string, int) {
	switch mode {
	case notFoundSPA:
		if _, ok := m["/index.html"]; ok {
			return "/index.html", http.StatusOK
		}
	case notFound404Page:
		for dir := path.Dir(p); ; dir = path.Dir(dir) {
			candidate := path.Join(dir, "404.html")
			if _, ok := m[candidate]; ok {
				return candidate, http.StatusNotFound
			}
			if dir == "/" || dir == "." {
				break
			}
		}
	}
	return "", 0
}

// serveAssetRequest answers r from manifest: the asset, a redirect, or (when notFound) the
// not-found handling. It reports false, having written nothing, when nothing matched and
// notFound is off or found nothing to serve.
func (a *Store) serveAssetRequest(w http.ResponseWriter, r *http.Request, m assetManifest, cfg account.AssetsConfig, notFound bool) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if notFound {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
			return true
		}
		return false
	}
	p := r.URL.Path
	match := resolveAsset(m, htmlHandling(cfg), p)
	if match.redirect != "" {
		target := &url.URL{Path: match.redirect, RawQuery: r.URL.RawQuery}
		http.Redirect(w, r, target.String(), http.StatusTemporaryRedirect)
		return true
	}
	status := http.StatusOK
	if match.path == "" {
		if !notFound {
			return false
		}
		match.path, status = notFoundAsset(m, cfg.NotFoundHandling, p)
		if match.path == "" {
			http.Error(w, "Not Found", http.StatusNotFound)
			return true
		}
	}
	a.writeAsset(w, r, m[match.path], status)
	return true
}

// writeAsset writes one stored file with Cloudflare's validators: an ETag of its hash, and 304
// for a matching If-None-Match.
func (a *Store) writeAsset(w http.ResponseWriter, r *http.Request, e assetEntry, status int) {
	file, contentType := a.open(e.Hash)
	etag := `"` + e.Hash + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "public, max-age=0, must-revalidate")
	if status == http.StatusOK && r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	content, err := os.ReadFile(file)
	if err != nil {
		a.logger.Warn("reading an asset", "hash", e.Hash, "err", err)
		http.Error(w, "lumier local: asset missing from the state directory", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(content)
	}
}

// Front is the router's hook (see local.Server.route): it serves a request to script's port from
// assets, those of the version chosen for the request, when one matches (and run_worker_first is
// off), reporting whether it did. A navigation request of a single-page application that matches
// nothing gets index.html, as Cloudflare does for compatibility dates (the version's) from
// 2025-04-01; anything else goes on to the Worker.
func (a *Store) Front(script string, assets *account.Assets, compatDate string, w http.ResponseWriter, r *http.Request) bool {
	if assets == nil || assets.Config.RunWorkerFirst {
		return false
	}
	m, err := a.manifest(assets.Manifest)
	if err != nil {
		a.logger.Warn("serving assets", "script", script, "err", err)
		return false
	}
	if a.serveAssetRequest(w, r, m, assets.Config, false) {
		return true
	}
	if assets.Config.NotFoundHandling == notFoundSPA && r.Header.Get("Sec-Fetch-Mode") == "navigate" &&
		compatDate >= "2025-04-01" && r.Method == http.MethodGet {
		if e, ok := m["/index.html"]; ok {
			a.writeAsset(w, r, e, http.StatusOK)
			return true
		}
	}
	return false
}

// Headers workerd's external service for an ASSETS binding injects: which manifest, and how to
// serve it.
const (
	assetsManifestHeader = workerd.AssetsManifestHeader
	assetsConfigHeader   = workerd.AssetsConfigHeader
)

// ServeBinding answers env.ASSETS.fetch(): the asset, a redirect, or not-found handling.
func (a *Store) ServeBinding(w http.ResponseWriter, r *http.Request) {
	m, err := a.manifest(r.Header.Get(assetsManifestHeader))
	if err != nil {
		http.Error(w, "lumier local: "+err.Error(), http.StatusInternalServerError)
		return
	}
	var cfg account.AssetsConfig
	_ = json.Unmarshal([]byte(r.Header.Get(assetsConfigHeader)), &cfg)
	a.serveAssetRequest(w, r, m, cfg, true)
}
