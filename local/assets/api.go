package assets

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
)

// Cloudflare's static assets limits the API enforces (docs/cloudflare-api.md, "Static assets").
const (
	maxAssetFileSize = 25 << 20 // per file
	// maxAssetsUploadBytes bounds one upload request's body (base64 makes files 4/3 larger).
	maxAssetsUploadBytes = 4 * maxAssetFileSize
)

// Kinds of API call counted by the server's call counters (local.Server.Calls). CallFile counts
// files received, one per file of an upload, so tests can see what a deploy sent.
const (
	CallSession = "assets_session" // POST .../scripts/{name}/assets-upload-session
	CallUpload  = "assets_upload"  // POST .../workers/assets/upload
	CallFile    = "asset_file"     // one file received by an assets upload
)

// UploadPath is the assets upload endpoint, under the API's prefix. The upload is authorised
// by the session's token, not the API token, so it is not registered through Routes' handle,
// whose credential check it would fail: the server serves it with ServeUpload.
const UploadPath = "/accounts/{account}/workers/assets/upload"

// API is the static assets upload API (docs/cloudflare-api.md, "Static assets").
type API struct {
	accountID    string
	plan         account.Plan
	store        *Store
	count        func(kind string)
	wrongAccount func(r *http.Request, account string) *envelope.Error
}

// NewAPI serves the assets upload API of account accountID on plan, into store. count counts a
// call of a kind; wrongAccount is the answer for an account id in the path that is not ours.
func NewAPI(accountID string, plan account.Plan, store *Store, count func(kind string), wrongAccount func(r *http.Request, account string) *envelope.Error) *API {
	return &API{accountID: accountID, plan: plan, store: store, count: count, wrongAccount: wrongAccount}
}

// Routes registers the upload session endpoint through handle.
func (a *API) Routes(handle func(pattern, kind string, h http.HandlerFunc)) {
	handle("POST /accounts/{account}/workers/scripts/{script}/assets-upload-session", CallSession, a.handleSession)
}

// handleSession is POST .../scripts/{name}/assets-upload-session {"manifest": {"/path":
// {hash, size}}}: it answers {"jwt", "buckets"}, the buckets holding the hashes not stored yet.
func (a *API) handleSession(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("script")
	if err := account.ValidScriptName(name); err != nil {
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
	if err := checkManifest(a.plan, body.Manifest); err != nil {
		envelope.WriteError(w, err)
		return
	}
	jwt, buckets := a.store.startSession(name, body.Manifest)
	envelope.WriteResult(w, http.StatusOK, map[string]any{"jwt": jwt, "buckets": buckets}, nil)
}

// checkManifest applies Cloudflare's rules on a manifest: paths start with '/', hashes are 32 hex
// digits, and the file count and sizes are within the limits.
func checkManifest(p account.Plan, m assetManifest) *envelope.Error {
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

// ServeUpload is POST .../workers/assets/upload?base64=true, authorised by an upload
// session's token: one multipart part per file, named by its hash, its content base64-encoded and
// its content type the file's. It answers 202 while files are missing and 201 with the
// completion token once the session has them all.
func (a *API) ServeUpload(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("account") != a.accountID {
		envelope.WriteError(w, a.wrongAccount(r, r.PathValue("account")))
		return
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		envelope.WriteError(w, envelope.NewError(http.StatusUnauthorized, envelope.CodeAuthentication, "Authentication error: an assets upload needs the upload session's token"))
		return
	}
	if _, err := a.store.session(token); err != nil {
		envelope.WriteError(w, envelope.NewError(http.StatusUnauthorized, envelope.CodeAuthentication, "Authentication error: %v", err))
		return
	}
	a.count(CallUpload)
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
		done, err := a.store.put(token, hash, part.Header.Get("Content-Type"), content)
		if err != nil {
			envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "%v", err))
			return
		}
		a.count(CallFile)
		completion = done
	}
	if completion == "" {
		envelope.WriteResult(w, http.StatusAccepted, map[string]any{}, nil)
		return
	}
	envelope.WriteResult(w, http.StatusCreated, map[string]any{"jwt": completion}, nil)
}

// Redeem resolves a script upload's assets.jwt to the manifest it completed, checking the
// assets' config.
func (a *Store) Redeem(script, jwt string, cfg account.AssetsConfig) (*account.Assets, error) {
	if err := checkAssetsConfig(cfg); err != nil {
		return nil, err
	}
	id, err := a.redeem(jwt, script)
	if err != nil {
		return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "assets: %v", err)
	}
	return &account.Assets{Manifest: id, Config: cfg}, nil
}
