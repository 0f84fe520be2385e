package local

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/scripts"
)

// Cloudflare's static assets limits the API enforces (docs/cloudflare-api.md, "Static assets").
const (
	maxAssetFileSize = 25 << 20 // per file
	// maxAssetsUploadBytes bounds one upload request's body (base64 makes files 4/3 larger).
	maxAssetsUploadBytes = 4 * maxAssetFileSize
)

// assetRoutes registers the assets upload endpoints (docs/cloudflare-api.md, "Static assets").
func (s *Server) assetRoutes(mux *http.ServeMux) {
	s.handle(mux, "POST /accounts/{account}/workers/scripts/{script}/assets-upload-session", CallAssetsSession, s.handleAssetsSession)
	// The upload is authorised by the session's token, not the API token, so it skips handle's
	// credential check and does its own; faults apply to it as to every endpoint.
	mux.HandleFunc("POST "+apiPrefix+"/accounts/{account}/workers/assets/upload", s.withFaults(s.handleAssetsUpload))
}

// withFaults applies the injected faults to h, an endpoint not registered through handle.
func (s *Server) withFaults(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if serve, answered := s.injectFaults(w, r, h); !answered {
			serve(w, r)
		}
	}
}

// handleAssetsSession is POST .../scripts/{name}/assets-upload-session {"manifest": {"/path":
// {hash, size}}}: it answers {"jwt", "buckets"}, the buckets holding the hashes not stored yet.
func (s *Server) handleAssetsSession(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("script")
	if err := scripts.ValidScriptName(name); err != nil {
		envelope.WriteError(w, err)
		return
	}
	var body struct {
		Manifest assetManifest `json:"manifest"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<20)).Decode(&body); err != nil {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "could not parse the manifest: %v", err))
		return
	}
	if err := checkManifest(s.opts.Plan, body.Manifest); err != nil {
		envelope.WriteError(w, err)
		return
	}
	jwt, buckets := s.assets.startSession(name, body.Manifest)
	envelope.WriteResult(w, http.StatusOK, map[string]any{"jwt": jwt, "buckets": buckets}, nil)
}

// checkManifest applies Cloudflare's rules on a manifest: paths start with '/', hashes are 32 hex
// digits, and the file count and sizes are within the limits.
func checkManifest(p Plan, m assetManifest) *envelope.Error {
	if m == nil {
		return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "manifest is required")
	}
	if len(m) > p.MaxAssetFiles() {
		return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation,
			"the manifest has %d files; a Worker version may have at most %d", len(m), p.MaxAssetFiles())
	}
	for path, e := range m {
		switch {
		case !strings.HasPrefix(path, "/"):
			return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "manifest path %q must start with '/'", path)
		case !assetHashPattern.MatchString(e.Hash):
			return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "manifest entry %q: hash %q is not 32 hex digits", path, e.Hash)
		case e.Size < 0 || e.Size > maxAssetFileSize:
			return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation,
				"manifest entry %q: size %d is over the limit of %d bytes per file", path, e.Size, maxAssetFileSize)
		}
	}
	return nil
}

// handleAssetsUpload is POST .../workers/assets/upload?base64=true, authorised by an upload
// session's token: one multipart part per file, named by its hash, its content base64-encoded and
// its content type the file's. It answers 202 while files are missing and 201 with the
// completion token once the session has them all.
func (s *Server) handleAssetsUpload(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("account") != s.opts.AccountID {
		envelope.WriteError(w, s.wrongAccount(r, r.PathValue("account")))
		return
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		envelope.WriteError(w, envelope.NewError(http.StatusUnauthorized, envelope.CodeAuthentication, "Authentication error: an assets upload needs the upload session's token"))
		return
	}
	if _, err := s.assets.session(token); err != nil {
		envelope.WriteError(w, envelope.NewError(http.StatusUnauthorized, envelope.CodeAuthentication, "Authentication error: %v", err))
		return
	}
	s.calls.Add(CallAssetsUpload)
	if r.URL.Query().Get("base64") != "true" {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "base64 must be true: send each file's content base64-encoded"))
		return
	}
	mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" {
		envelope.WriteError(w, envelope.NewError(http.StatusUnsupportedMediaType, envelope.CodeContentType, "Content-Type must be multipart/form-data"))
		return
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, maxAssetsUploadBytes), params["boundary"])
	var completion string
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "could not parse multipart body: %v", err))
			return
		}
		hash := part.FormName()
		content, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, part))
		if err != nil {
			envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "file %s is not valid base64: %v", hash, err))
			return
		}
		done, err := s.assets.put(token, hash, part.Header.Get("Content-Type"), content)
		if err != nil {
			envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "%v", err))
			return
		}
		s.calls.Add(CallAssetFile)
		completion = done
	}
	if completion == "" {
		envelope.WriteResult(w, http.StatusAccepted, map[string]any{}, nil)
		return
	}
	envelope.WriteResult(w, http.StatusCreated, map[string]any{"jwt": completion}, nil)
}

// RedeemAssets resolves an upload's assets.jwt to the manifest it completed (scripts.Runtime).
func (a accountView) RedeemAssets(script, jwt string, cfg account.AssetsConfig) (*account.Assets, error) {
	if err := checkAssetsConfig(cfg); err != nil {
		return nil, err
	}
	id, err := a.s.assets.redeem(jwt, script)
	if err != nil {
		return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "assets: %v", err)
	}
	return &account.Assets{Manifest: id, Config: cfg}, nil
}
