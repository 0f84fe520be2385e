package local

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
)

// Kinds of KV API call counted by Server.Calls.
const (
	CallKVNamespaces     = "kv_namespaces"      // GET .../storage/kv/namespaces[/{id}]
	CallKVEditNamespaces = "kv_edit_namespaces" // POST, PUT, DELETE .../storage/kv/namespaces[/{id}]
	CallKVKeys           = "kv_keys"            // GET .../storage/kv/namespaces/{id}/keys
	CallKVValues         = "kv_values"          // GET .../values/{key}
	CallKVEditValues     = "kv_edit_values"     // PUT, DELETE .../values/{key}
)

// Cloudflare's KV error codes (docs/cloudflare-api.md, Workers KV).
const (
	codeKVKeyNotFound       = 10009
	codeKVNamespaceNotFound = 10013
	codeKVTitleTaken        = 10014
)

// maxKVValueBytes is Cloudflare's limit on one value (25 MiB).
const maxKVValueBytes = 25 << 20

// kvRoutes registers the Workers KV API (docs/cloudflare-api.md, Workers KV).
func (s *Server) kvRoutes(mux *http.ServeMux) {
	const ns = "/accounts/{account}/storage/kv/namespaces"
	s.handle(mux, "GET "+ns, CallKVNamespaces, s.handleKVList)
	s.handle(mux, "POST "+ns, CallKVEditNamespaces, s.handleKVCreate)
	s.handle(mux, "GET "+ns+"/{id}", CallKVNamespaces, s.handleKVGet)
	s.handle(mux, "PUT "+ns+"/{id}", CallKVEditNamespaces, s.handleKVRename)
	s.handle(mux, "DELETE "+ns+"/{id}", CallKVEditNamespaces, s.handleKVDelete)
	s.handle(mux, "GET "+ns+"/{id}/keys", CallKVKeys, s.handleKVKeys)
	s.handle(mux, "GET "+ns+"/{id}/values/{key}", CallKVValues, s.handleKVRead)
	s.handle(mux, "PUT "+ns+"/{id}/values/{key}", CallKVEditValues, s.handleKVWrite)
	s.handle(mux, "DELETE "+ns+"/{id}/values/{key}", CallKVEditValues, s.handleKVDeleteValue)
}

// kvError maps the store's refusals to Cloudflare's answers.
func kvError(err error) error {
	switch {
	case errors.Is(err, errKVNamespaceMissing):
		return newAPIError(http.StatusNotFound, codeKVNamespaceNotFound, "namespace not found")
	case errors.Is(err, errKVTitleTaken):
		return newAPIError(http.StatusBadRequest, codeKVTitleTaken, "a namespace with this account ID and title already exists")
	}
	return err
}

func (s *Server) handleKVList(w http.ResponseWriter, r *http.Request) {
	writePage(w, r, s.kv.list())
}

// readTitle reads the {"title"} body of a create or rename.
func readTitle(r *http.Request) (string, error) {
	var body struct {
		Title string `json:"title"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil {
		return "", newAPIError(http.StatusBadRequest, codeValidation, "could not parse request body: %v", err)
	}
	body.Title = strings.TrimSpace(body.Title)
	if body.Title == "" || len(body.Title) > 512 {
		// Cloudflare's code for a bad title is unconfirmed; 10021 is its validation code.
		return "", newAPIError(http.StatusBadRequest, codeValidation, "title must be 1 to 512 characters")
	}
	return body.Title, nil
}

func (s *Server) handleKVCreate(w http.ResponseWriter, r *http.Request) {
	title, err := readTitle(r)
	if err != nil {
		writeError(w, err)
		return
	}
	ns, err := s.kv.create(title)
	if err != nil {
		writeError(w, kvError(err))
		return
	}
	writeResult(w, http.StatusOK, ns, nil)
}

func (s *Server) handleKVGet(w http.ResponseWriter, r *http.Request) {
	ns, err := s.kv.get(r.PathValue("id"))
	if err != nil {
		writeError(w, kvError(err))
		return
	}
	writeResult(w, http.StatusOK, ns, nil)
}

func (s *Server) handleKVRename(w http.ResponseWriter, r *http.Request) {
	title, err := readTitle(r)
	if err != nil {
		writeError(w, err)
		return
	}
	ns, err := s.kv.rename(r.PathValue("id"), title)
	if err != nil {
		writeError(w, kvError(err))
		return
	}
	writeResult(w, http.StatusOK, ns, nil)
}

func (s *Server) handleKVDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.kv.remove(r.PathValue("id")); err != nil {
		writeError(w, kvError(err))
		return
	}
	s.logger.Info("KV namespace deleted", "namespace", r.PathValue("id"))
	writeResult(w, http.StatusOK, struct{}{}, nil)
}

// handleKVKeys lists keys: limit 10 to 1000 (default 1000), prefix, cursor; result_info has
// count and cursor ("" on the last page).
func (s *Server) handleKVKeys(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 1000
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10 || n > 1000 {
			writeError(w, newAPIError(http.StatusBadRequest, codeValidation, "limit must be an integer between 10 and 1000"))
			return
		}
		limit = n
	}
	keys, next, err := s.kv.keys(r.PathValue("id"), q.Get("prefix"), q.Get("cursor"), limit)
	if err != nil {
		writeError(w, kvError(err))
		return
	}
	if keys == nil {
		keys = []kvKey{}
	}
	writeJSON(w, http.StatusOK, struct {
		envelope
		ResultInfo struct {
			Count  int    `json:"count"`
			Cursor string `json:"cursor"`
		} `json:"result_info"`
	}{envelope: envelope{Result: keys, Success: true, Errors: []apiMessage{}, Messages: []apiMessage{}},
		ResultInfo: struct {
			Count  int    `json:"count"`
			Cursor string `json:"cursor"`
		}{len(keys), next}})
}

// handleKVRead answers a value's bytes (application/octet-stream), with its expiration in the
// `expiration` header; a missing key is a JSON error (10009).
func (s *Server) handleKVRead(w http.ResponseWriter, r *http.Request) {
	e, ok, err := s.kv.read(r.PathValue("id"), r.PathValue("key"))
	if err != nil {
		writeError(w, kvError(err))
		return
	}
	if !ok {
		writeError(w, newAPIError(http.StatusNotFound, codeKVKeyNotFound, "get: 'key not found'"))
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
func (s *Server) handleKVWrite(w http.ResponseWriter, r *http.Request) {
	var e kvEntry
	body := http.MaxBytesReader(w, r.Body, maxKVValueBytes+1<<20)
	if mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		form, err := multipart.NewReader(body, params["boundary"]).ReadForm(maxKVValueBytes + 1<<20)
		if err != nil {
			writeError(w, newAPIError(http.StatusBadRequest, codeValidation, "could not parse multipart form: %v", err))
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
				writeError(w, err)
				return
			}
		}
		if m := form.Value["metadata"]; len(m) > 0 && m[0] != "" {
			if !json.Valid([]byte(m[0])) {
				writeError(w, newAPIError(http.StatusBadRequest, codeValidation, "metadata is not valid JSON"))
				return
			}
			e.Metadata = json.RawMessage(m[0])
		}
	} else {
		b, err := io.ReadAll(body)
		if err != nil {
			writeError(w, newAPIError(http.StatusRequestEntityTooLarge, codeValidation, "value too large: %v", err))
			return
		}
		e.Value = b
	}
	if len(e.Value) > maxKVValueBytes {
		writeError(w, newAPIError(http.StatusRequestEntityTooLarge, codeValidation, "value larger than 25 MiB"))
		return
	}
	exp, err := s.kvExpiration(r.URL.Query().Get("expiration"), r.URL.Query().Get("expiration_ttl"))
	if err != nil {
		writeError(w, err)
		return
	}
	e.Expiration = exp
	if err := s.kv.put(r.PathValue("id"), r.PathValue("key"), e); err != nil {
		writeError(w, kvError(err))
		return
	}
	writeResult(w, http.StatusOK, struct{}{}, nil)
}

// kvExpiration reads expiration (Unix seconds) or expiration_ttl (seconds from now, which wins
// when both are given); Cloudflare requires at least 60 seconds ahead.
func (s *Server) kvExpiration(at, ttl string) (int64, error) {
	now := s.kv.now().Unix()
	if ttl != "" {
		n, err := strconv.ParseInt(ttl, 10, 64)
		if err != nil || n < 60 {
			return 0, newAPIError(http.StatusBadRequest, codeValidation, "expiration_ttl must be an integer of at least 60 seconds")
		}
		return now + n, nil
	}
	if at != "" {
		n, err := strconv.ParseInt(at, 10, 64)
		if err != nil || n < now+60 {
			return 0, newAPIError(http.StatusBadRequest, codeValidation, "expiration must be a Unix time at least 60 seconds from now")
		}
		return n, nil
	}
	return 0, nil
}

func (s *Server) handleKVDeleteValue(w http.ResponseWriter, r *http.Request) {
	if err := s.kv.del(r.PathValue("id"), r.PathValue("key")); err != nil {
		writeError(w, kvError(err))
		return
	}
	writeResult(w, http.StatusOK, struct{}{}, nil)
}

// codeKVBindingInvalid is Cloudflare's refusal of an upload binding a KV namespace the account
// does not have (docs/cloudflare-api.md, Workers KV).
const codeKVBindingInvalid = 10042
