package d1

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	"github.com/lumier-dev/lumier/local/envelope"
	"modernc.org/sqlite"
)

// Kinds of D1 API call, as the server counts them.
const (
	CallDatabases     = "d1_databases"      // GET .../d1/database[/{id}]
	CallEditDatabases = "d1_edit_databases" // POST, DELETE .../d1/database[/{id}]
	CallQuery         = "d1_query"          // POST .../d1/database/{id}/query and /raw
)

// Cloudflare's D1 error codes (docs/cloudflare-api.md, D1).
const (
	CodeNotFound  = 7404 // "The database <id> could not be found"
	CodeSQL       = 7500 // a statement SQLite refused: "<message>: SQLITE_ERROR"
	CodeNameTaken = 7502 // "A database with that name already exists"
)

// maxD1Body bounds a query request's body (Cloudflare's limit on one SQL statement is 100 KB;
// a migration file of several is larger).
const maxD1Body = 16 << 20

// API serves the D1 API (docs/cloudflare-api.md, D1) from a Store.
type API struct {
	store  *Store
	logger *slog.Logger
}

// NewAPI serves store's databases; logger hears of created and deleted databases.
func NewAPI(store *Store, logger *slog.Logger) *API {
	return &API{store: store, logger: logger}
}

// Routes registers the API's endpoints with handle, which puts each behind the checks every
// endpoint shares and counts its calls under kind.
func (a *API) Routes(handle func(pattern, kind string, h http.HandlerFunc)) {
	const db = "/accounts/{account}/d1/database"
	handle("GET "+db, CallDatabases, a.handleList)
	handle("POST "+db, CallEditDatabases, a.handleCreate)
	handle("GET "+db+"/{id}", CallDatabases, a.handleGet)
	handle("DELETE "+db+"/{id}", CallEditDatabases, a.handleDelete)
	handle("POST "+db+"/{id}/query", CallQuery, a.handleQuery(false))
	handle("POST "+db+"/{id}/raw", CallQuery, a.handleQuery(true))
}

// d1Error maps the store's refusals to Cloudflare's answers.
func d1Error(id string, err error) error {
	var se *d1SQLError
	switch {
	case errors.Is(err, errD1Missing):
		return envelope.NewError(http.StatusNotFound, CodeNotFound, "The database %s could not be found", id)
	case errors.Is(err, errD1NameTaken):
		return envelope.NewError(http.StatusBadRequest, CodeNameTaken, "A database with that name already exists")
	case errors.As(err, &se):
		return envelope.NewError(http.StatusBadRequest, CodeSQL, "%s", d1ErrorText(se.Err))
	}
	return err
}

// sqliteMessage is modernc's error text: "<result code text>: <message> (<code>)".
var sqliteMessage = regexp.MustCompile(`^[^:]*: (.*) \(\d+\)$`)

// sqliteCodeName is the SQLITE_* name inside ErrorCodeString's text.
var sqliteCodeName = regexp.MustCompile(`\((SQLITE_[A-Z_]+)\)`)

// d1ErrorText words a statement's failure the way D1 does: "no such table: x: SQLITE_ERROR".
func d1ErrorText(err error) string {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err.Error()
	}
	msg := se.Error()
	if m := sqliteMessage.FindStringSubmatch(msg); m != nil {
		msg = m[1]
	}
	name := "SQLITE_ERROR"
	if m := sqliteCodeName.FindStringSubmatch(sqlite.ErrorCodeString[se.Code()&0xff]); m != nil {
		name = m[1]
	}
	return msg + ": " + name
}

// d1Database is the API's database object.
type d1Database struct {
	UUID      string `json:"uuid"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
	Version   string `json:"version"`
	NumTables int    `json:"num_tables"`
	FileSize  int64  `json:"file_size"`
}

// d1ListItem is one database of the list (cloudflare-go's d1.DatabaseListResponse).
type d1ListItem struct {
	UUID      string `json:"uuid"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
	Version   string `json:"version"`
}

func (a *API) object(r *http.Request, rec d1DatabaseRecord) (d1Database, error) {
	size, tables, err := a.store.info(r.Context(), rec.UUID)
	if err != nil {
		return d1Database{}, err
	}
	return d1Database{UUID: rec.UUID, Name: rec.Name, CreatedAt: rec.CreatedAt.Format("2006-01-02T15:04:05.000Z"),
		Version: "production", NumTables: tables, FileSize: size}, nil
}

// handleD1List lists databases; `name` filters. The list omits sizes, as Cloudflare's does.
func (a *API) handleList(w http.ResponseWriter, r *http.Request) {
	recs := a.store.list(r.URL.Query().Get("name"))
	out := make([]d1ListItem, len(recs))
	for i, rec := range recs {
		out[i] = d1ListItem{UUID: rec.UUID, Name: rec.Name, CreatedAt: rec.CreatedAt.Format("2006-01-02T15:04:05.000Z"), Version: "production"}
	}
	envelope.WritePage(w, r, out)
}

// d1NameRule is Cloudflare's rule for a database name (lower-case letters, digits, dashes and
// underscores; docs/cloudflare-api.md, D1).
var d1NameRule = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

func (a *API) handleCreate(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "could not parse request body: %v", err))
		return
	}
	if !d1NameRule.MatchString(body.Name) {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation,
			"database name %q is invalid: use 1 to 64 lower-case letters, digits, '-' and '_'", body.Name))
		return
	}
	rec, err := a.store.create(body.Name)
	if err != nil {
		envelope.WriteError(w, d1Error("", err))
		return
	}
	obj, err := a.object(r, rec)
	if err != nil {
		envelope.WriteError(w, d1Error(rec.UUID, err))
		return
	}
	a.logger.Info("D1 database created", "database", rec.UUID, "name", rec.Name)
	envelope.WriteResult(w, http.StatusOK, obj, nil)
}

func (a *API) handleGet(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	rec, err := a.store.Get(id)
	if err == nil {
		var obj d1Database
		if obj, err = a.object(r, rec); err == nil {
			envelope.WriteResult(w, http.StatusOK, obj, nil)
			return
		}
	}
	envelope.WriteError(w, d1Error(id, err))
}

func (a *API) handleDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := a.store.remove(id); err != nil {
		envelope.WriteError(w, d1Error(id, err))
		return
	}
	a.logger.Info("D1 database deleted", "database", id)
	envelope.WriteResult(w, http.StatusOK, nil, nil)
}

// handleD1Query runs `{"sql","params"}`: several statements joined by semicolons run as one
// transaction, each with its own result. /query answers rows as objects, /raw as
// {columns, rows}.
func (a *API) handleQuery(raw bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		dec := json.NewDecoder(io.LimitReader(r.Body, maxD1Body))
		dec.UseNumber()
		var body d1Statement
		if err := dec.Decode(&body); err != nil || strings.TrimSpace(body.SQL) == "" {
			envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "the body must be {\"sql\": \"...\", \"params\": [...]}"))
			return
		}
		results, err := a.store.run(r.Context(), id, []d1Statement{body}, true)
		if err != nil {
			envelope.WriteError(w, d1Error(id, err))
			return
		}
		out := make([]map[string]any, len(results))
		for i, res := range results {
			item := map[string]any{"success": true, "meta": res.Meta}
			if raw {
				item["results"] = map[string]any{"columns": res.Columns, "rows": res.Rows}
			} else {
				item["results"] = res.objects()
			}
			out[i] = item
		}
		envelope.WriteResult(w, http.StatusOK, out, nil)
	}
}

// objects is the result's rows as column -> value objects.
func (res d1Result) objects() []map[string]any {
	out := make([]map[string]any, len(res.Rows))
	for i, row := range res.Rows {
		obj := make(map[string]any, len(row))
		for j, c := range row {
			obj[res.Columns[j]] = c
		}
		out[i] = obj
	}
	return out
}
