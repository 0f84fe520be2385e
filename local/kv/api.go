package kv

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/lumier-dev/lumier/local/envelope"
)

// Kinds of KV API call, as the server counts them.
const (
	CallNamespaces     = "kv_namespaces"      // GET .../storage/kv/namespaces[/{id}]
	CallEditNamespaces = "kv_edit_namespaces" // POST, PUT, DELETE .../storage/kv/namespaces[/{id}]
	CallKeys           = "kv_keys"            // GET .../storage/kv/namespaces/{id}/keys
	CallValues         = "kv_values"          // GET .../values/{key}
	CallEditValues     = "kv_edit_values"     // PUT, DELETE .../values/{key}
)

// Cloudflare's KV error codes (docs/cloudflare-api.md, Workers KV).
const (
	CodeKeyNotFound       = 10009
	CodeNamespaceNotFound = 10013
	CodeTitleTaken        = 10014
)

// maxValueBytes is Cloudflare's limit on one value (25 MiB).
const maxValueBytes = 25 << 20

// API serves the Workers KV API (docs/cloudflare-api.md, Workers KV) from a Store.
type API struct {
	store  *Store
	logger *slog.Logger
}

// NewAPI serves store's namespaces and keys; logger hears of deleted namespaces.
func NewAPI(store *Store, logger *slog.Logger) *API {
	return &API{store: store, logger: logger}
}

// Routes registers the API's endpoints with handle, which puts each behind the checks every
// endpoint shares and counts its calls under kind.
func (a *API) Routes(handle func(pattern, kind string, h http.HandlerFunc)) {
	const ns = "/accounts/{account}/storage/kv/namespaces"
	handle("GET "+ns, CallNamespaces, a.handleList)
	handle("POST "+ns, CallEditNamespaces, a.handleCreate)
	handle("GET "+ns+"/{id}", CallNamespaces, a.handleGet)
	handle("PUT "+ns+"/{id}", CallEditNamespaces, a.handleRename)
	handle("DELETE "+ns+"/{id}", CallEditNamespaces, a.handleDelete)
	handle("GET "+ns+"/{id}/keys", CallKeys, a.handleKeys)
	handle("GET "+ns+"/{id}/values/{key}", CallValues, a.handleRead)
	handle("PUT "+ns+"/{id}/values/{key}", CallEditValues, a.handleWrite)
	handle("DELETE "+ns+"/{id}/values/{key}", CallEditValues, a.handleDeleteValue)
}

// apiError maps the store's refusals to Cloudflare's answers.
func apiError(err error) error {
	switch {
	case errors.Is(err, errNamespaceMissing):
		return envelope.NewError(http.StatusNotFound, CodeNamespaceNotFound, "namespace not found")
	case errors.Is(err, errTitleTaken):
		return envelope.NewError(http.StatusBadRequest, CodeTitleTaken, "a namespace with this account ID and title already exists")
	}
	return err
}

func (a *API) handleList(w http.ResponseWriter, r *http.Request) {
	envelope.WritePage(w, r, a.store.list())
}

// readTitle reads the {"title"} body of a create or rename.
func readTitle(r *http.Request) (string, error) {
	var body struct {
		Title string `json:"title"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil {
		return "", envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "could not parse request body: %v", err)
	}
	body.Title = strings.TrimSpace(body.Title)
	if body.Title == "" || len(body.Title) > 512 {
		// Cloudflare's code for a bad title is unconfirmed; 10021 is its validation code.
		return "", envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "title must be 1 to 512 characters")
	}
	return body.Title, nil
}

func (a *API) handleCreate(w http.ResponseWriter, r *http.Request) {
	title, err := readTitle(r)
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	ns, err := a.store.create(title)
	if err != nil {
		envelope.WriteError(w, apiError(err))
		return
	}
	envelope.WriteResult(w, http.StatusOK, ns, nil)
}

func (a *API) handleGet(w http.ResponseWriter, r *http.Request) {
	ns, err := a.store.Get(r.PathValue("id"))
	if err != nil {
		envelope.WriteError(w, apiError(err))
		return
	}
	envelope.WriteResult(w, http.StatusOK, ns, nil)
}

func (a *API) handleRename(w http.ResponseWriter, r *http.Request) {
	title, err := readTitle(r)
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	ns, err := a.store.rename(r.PathValue("id"), title)
	if err != nil {
		envelope.WriteError(w, apiError(err))
		return
	}
	envelope.WriteResult(w, http.StatusOK, ns, nil)
}

func (a *API) handleDelete(w http.ResponseWriter, r *http.Request) {
	if err := a.store.remove(r.PathValue("id")); err != nil {
		envelope.WriteError(w, apiError(err))
		return
	}
	a.logger.Info("KV namespace deleted", "namespace", r.PathValue("id"))
	envelope.WriteResult(w, http.StatusOK, struct{}{}, nil)
}

// handleKVKeys lists keys: limit 10 to 1000 (default 1000), prefix, cursor; result_info has
// count and cursor ("" on the last page).
func (a *API) handleKeys(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 1000
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10 || n > 1000 {
			envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "limit must be an integer between 10 and 1000"))
			return
		}
		limit = n
	}
	keys, next, err := a.store.keys(r.PathValue("id"), q.Get("prefix"), q.Get("cursor"), limit)
	if err != nil {
		envelope.WriteError(w, apiError(err))
		return
	}
	if keys == nil {
		keys = []Key{}
	}
	envelope.WriteJSON(w, http.StatusOK, struct {
		envelope.Body
		ResultInfo struct {
			Count  int    `json:"count"`
			Cursor string `json:"cursor"`
		} `json:"result_info"`
	}{Body: envelope.Body{Result: keys, Success: true, Errors: []envelope.Message{}, Messages: []envelope.Message{}},
		ResultInfo: struct {
			Count  int    `json:"count"`
			Cursor string `json:"cursor"`
		}{len(keys), next}})
}

// handleKVRead answers a value's bytes (application/octet-stream), with its expiration in the
// `expiration` header; a missing key is a JSON error (10009).
func (a *API) handleRead(w http.ResponseWriter, r *http.Request) {
	e, ok, err := a.store.read(r.PathValue("id"), r.PathValue("key"))
	if err != nil {
		envelope.WriteError(w, apiError(err))
		return
	}
	if !ok {
		envelope.WriteError(w, envelope.NewError(http.StatusNotFound, CodeKeyNotFound, "get: 'key not found'"))
		return
	}
	if e.Expiration != 0 {
		w.Header().Set("Expiration", strconv.FormatInt(e.Expiration, 10))
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(e.Value)
}

// handleKVWrite stores a value: a multipart form (fields value and metadata, the API's
// documented form) or the raw body; expiration or expiration_ttl (at least 60 s) in the query.
func (a *API) handleWrite(w http.ResponseWriter, r *http.Request) {
	var e Entry
	body := http.MaxBytesReader(w, r.Body, maxValueBytes+1<<20)
	if mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		form, err := multipart.NewReader(body, params["boundary"]).ReadForm(maxValueBytes + 1<<20)
		if err != nil {
			envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "could not parse multipart form: %v", err))
			return
		}
		defer form.RemoveAll()
		e.Value = []byte(strings.Join(form.Value["value"], ""))
		if fh := form.File["value"]; len(fh) > 0 {
			f, err := fh[0].Open()
			if err == nil {
				e.Value, err = io.ReadAll(f)
				f.Close()
			}
			if err != nil {
				envelope.WriteError(w, err)
				return
			}
		}
		if m := form.Value["metadata"]; len(m) > 0 && m[0] != "" {
			if !json.Valid([]byte(m[0])) {
				envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "metadata is not valid JSON"))
				return
			}
			e.Metadata = json.RawMessage(m[0])
		}
	} else {
		b, err := io.ReadAll(body)
		if err != nil {
			envelope.WriteError(w, envelope.NewError(http.StatusRequestEntityTooLarge, envelope.CodeValidation, "value too large: %v", err))
			return
		}
		e.Value = b
	}
	if len(e.Value) > maxValueBytes {
		envelope.WriteError(w, envelope.NewError(http.StatusRequestEntityTooLarge, envelope.CodeValidation, "value larger than 25 MiB"))
		return
	}
	exp, err := a.store.expiration(r.URL.Query().Get("expiration"), r.URL.Query().Get("expiration_ttl"))
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	e.Expiration = exp
	if err := a.store.put(r.PathValue("id"), r.PathValue("key"), e); err != nil {
		envelope.WriteError(w, apiError(err))
		return
	}
	envelope.WriteResult(w, http.StatusOK, struct{}{}, nil)
}

// kvExpiration reads expiration (Unix seconds) or expiration_ttl (seconds from now, which wins
// when both are given); Cloudflare requires at least 60 seconds ahead.
func (kv *Store) expiration(at, ttl string) (int64, error) {
	now := kv.now().Unix()
	if ttl != "" {
		n, err := strconv.ParseInt(ttl, 10, 64)
		if err != nil || n < 60 {
			return 0, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "expiration_ttl must be an integer of at least 60 seconds")
		}
		return now + n, nil
	}
	if at != "" {
		n, err := strconv.ParseInt(at, 10, 64)
		if err != nil || n < now+60 {
			return 0, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "expiration must be a Unix time at least 60 seconds from now")
		}
		return n, nil
	}
	return 0, nil
}

func (a *API) handleDeleteValue(w http.ResponseWriter, r *http.Request) {
	if err := a.store.del(r.PathValue("id"), r.PathValue("key")); err != nil {
		envelope.WriteError(w, apiError(err))
		return
	}
	envelope.WriteResult(w, http.StatusOK, struct{}{}, nil)
}
