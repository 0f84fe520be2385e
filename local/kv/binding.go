package kv

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lumier-dev/lumier/local/envelope"
)

// The KV backend is what workerd's kvNamespace bindings talk to (docs/architecture.md, "KV on
// workerd"): an HTTP service on its own 127.0.0.1 port, reached by workerd as an external
// service that injects the namespace id in NamespaceHeader. It is not the API: it takes no
// token, so it must never share the API's listener.
const NamespaceHeader = "X-Lumier-Kv-Namespace"

// listLimit is the most keys one list answers, Cloudflare's limit for KV list().
const listLimit = 1000

// serveKV answers workerd's KV calls: GET / lists, GET/PUT/DELETE /<key> reads, writes and
// deletes one key (percent-encoded into one path segment), POST /bulk/get reads several.
func (kv *Store) ServeBinding(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get(NamespaceHeader)
	path := r.URL.EscapedPath()
	if id == "" || !strings.HasPrefix(path, "/") {
		http.Error(w, "no KV namespace", http.StatusBadRequest)
		return
	}
	if path == "/" && r.Method == http.MethodGet {
		kv.bindingList(w, r, id)
		return
	}
	if path == "/bulk/get" && r.Method == http.MethodPost {
		kv.bindingBulkGet(w, r, id)
		return
	}
	key, err := url.PathUnescape(path[1:])
	if err != nil || key == "" {
		http.Error(w, "bad key", http.StatusBadRequest)
		return
	}
	switch r.Method {
	case http.MethodGet:
		e, ok, err := kv.read(id, key)
		if err != nil || !ok {
			bindingError(w, err)
			return
		}
		if e.Metadata != nil {
			w.Header().Set("CF-KV-Metadata", string(e.Metadata))
		}
		if e.Expiration != 0 {
			w.Header().Set("CF-Expiration", strconv.FormatInt(e.Expiration, 10))
		}
		_, _ = w.Write(e.Value)
	case http.MethodPut:
		value, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxValueBytes))
		if err != nil {
			http.Error(w, "value larger than 25 MiB", http.StatusRequestEntityTooLarge)
			return
		}
		e := Entry{Value: value}
		if m := r.Header.Get("CF-KV-Metadata"); m != "" {
			if !json.Valid([]byte(m)) {
				http.Error(w, "metadata is not JSON", http.StatusBadRequest)
				return
			}
			e.Metadata = json.RawMessage(m)
		}
		q := r.URL.Query()
		if e.Expiration, err = kv.expiration(q.Get("expiration"), q.Get("expiration_ttl")); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := kv.put(id, key, e); err != nil {
			bindingError(w, err)
		}
	case http.MethodDelete:
		if err := kv.del(id, key); err != nil {
			bindingError(w, err)
		}
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// bindingError answers 404 for a missing key or namespace (the binding reads null), 500 else.
func bindingError(w http.ResponseWriter, err error) {
	if err == nil || errors.Is(err, errNamespaceMissing) {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	http.Error(w, err.Error(), http.StatusInternalServerError)
}

func (kv *Store) bindingList(w http.ResponseWriter, r *http.Request, id string) {
	q := r.URL.Query()
	limit := listLimit
	if v, err := strconv.Atoi(q.Get("key_count_limit")); err == nil && v > 0 && v < limit {
		limit = v
	}
	keys, next, err := kv.keys(id, q.Get("prefix"), q.Get("cursor"), limit)
	if err != nil {
		bindingError(w, err)
		return
	}
	if keys == nil {
		keys = []Key{}
	}
	out := map[string]any{"keys": keys, "list_complete": next == ""}
	if next != "" {
		out["cursor"] = next
	}
	envelope.WriteJSON(w, http.StatusOK, out)
}

func (kv *Store) bindingBulkGet(w http.ResponseWriter, r *http.Request, id string) {
	var req struct {
		Keys         []string `json:"keys"`
		Type         string   `json:"type"`
		WithMetadata bool     `json:"withMetadata"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		http.Error(w, "bad bulk get: "+err.Error(), http.StatusBadRequest)
		return
	}
	out := map[string]any{}
	for _, k := range req.Keys {
		e, ok, err := kv.read(id, k)
		if err != nil {
			bindingError(w, err)
			return
		}
		var v any
		if ok {
			v = string(e.Value)
			if req.Type == "json" {
				v = json.RawMessage(e.Value)
			}
			if req.WithMetadata {
				v = map[string]any{"value": v, "metadata": e.Metadata}
			}
		}
		out[k] = v
	}
	envelope.WriteJSON(w, http.StatusOK, out)
}
