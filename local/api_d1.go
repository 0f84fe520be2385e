package local

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/lumier-dev/lumier/local/workerd"
	"modernc.org/sqlite"
)

// Kinds of D1 API call counted by Server.Calls.
const (
	CallD1Databases     = "d1_databases"      // GET .../d1/database[/{id}]
	CallD1EditDatabases = "d1_edit_databases" // POST, DELETE .../d1/database[/{id}]
	CallD1Query         = "d1_query"          // POST .../d1/database/{id}/query and /raw
)

// Cloudflare's D1 error codes (docs/cloudflare-api.md, D1).
const (
	codeD1NotFound       = 7404  // "The database <id> could not be found"
	codeD1SQL            = 7500  // a statement SQLite refused: "<message>: SQLITE_ERROR"
	codeD1NameTaken      = 7502  // "A database with that name already exists"
	codeD1BindingInvalid = 10181 // an upload binds a database the account does not have
)

// maxD1Body bounds a query request's body (Cloudflare's limit on one SQL statement is 100 KB;
// a migration file of several is larger).
const maxD1Body = 16 << 20

// d1Routes registers the D1 API (docs/cloudflare-api.md, D1).
func (s *Server) d1Routes(mux *http.ServeMux) {
	const db = "/accounts/{account}/d1/database"
	s.handle(mux, "GET "+db, CallD1Databases, s.handleD1List)
	s.handle(mux, "POST "+db, CallD1EditDatabases, s.handleD1Create)
	s.handle(mux, "GET "+db+"/{id}", CallD1Databases, s.handleD1Get)
	s.handle(mux, "DELETE "+db+"/{id}", CallD1EditDatabases, s.handleD1Delete)
	s.handle(mux, "POST "+db+"/{id}/query", CallD1Query, s.handleD1Query(false))
	s.handle(mux, "POST "+db+"/{id}/raw", CallD1Query, s.handleD1Query(true))
}

// d1Error maps the store's refusals to Cloudflare's answers.
func d1Error(id string, err error) error {
	var se *d1SQLError
	switch {
	case errors.Is(err, errD1Missing):
		return newAPIError(http.StatusNotFound, codeD1NotFound, "The database %s could not be found", id)
	case errors.Is(err, errD1NameTaken):
		return newAPIError(http.StatusBadRequest, codeD1NameTaken, "A database with that name already exists")
	case errors.As(err, &se):
		return newAPIError(http.StatusBadRequest, codeD1SQL, "%s", d1ErrorText(se.Err))
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

func (s *Server) d1Object(r *http.Request, rec d1DatabaseRecord) (d1Database, error) {
	size, tables, err := s.d1.info(r.Context(), rec.UUID)
	if err != nil {
		return d1Database{}, err
	}
	return d1Database{UUID: rec.UUID, Name: rec.Name, CreatedAt: rec.CreatedAt.Format("2006-01-02T15:04:05.000Z"),
		Version: "production", NumTables: tables, FileSize: size}, nil
}

// handleD1List lists databases; `name` filters. The list omits sizes, as Cloudflare's does.
func (s *Server) handleD1List(w http.ResponseWriter, r *http.Request) {
	recs := s.d1.list(r.URL.Query().Get("name"))
	out := make([]d1ListItem, len(recs))
	for i, rec := range recs {
		out[i] = d1ListItem{UUID: rec.UUID, Name: rec.Name, CreatedAt: rec.CreatedAt.Format("2006-01-02T15:04:05.000Z"), Version: "production"}
	}
	writePage(w, r, out)
}

// d1NameRule is Cloudflare's rule for a database name (lower-case letters, digits, dashes and
// underscores; docs/cloudflare-api.md, D1).
var d1NameRule = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

func (s *Server) handleD1Create(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil {
		writeError(w, newAPIError(http.StatusBadRequest, codeValidation, "could not parse request body: %v", err))
		return
	}
	if !d1NameRule.MatchString(body.Name) {
		writeError(w, newAPIError(http.StatusBadRequest, codeValidation,
			"database name %q is invalid: use 1 to 64 lower-case letters, digits, '-' and '_'", body.Name))
		return
	}
	rec, err := s.d1.create(body.Name)
	if err != nil {
		writeError(w, d1Error("", err))
		return
	}
	obj, err := s.d1Object(r, rec)
	if err != nil {
		writeError(w, d1Error(rec.UUID, err))
		return
	}
	s.logger.Info("D1 database created", "database", rec.UUID, "name", rec.Name)
	writeResult(w, http.StatusOK, obj, nil)
}

func (s *Server) handleD1Get(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	rec, err := s.d1.get(id)
	if err == nil {
		var obj d1Database
		if obj, err = s.d1Object(r, rec); err == nil {
			writeResult(w, http.StatusOK, obj, nil)
			return
		}
	}
	writeError(w, d1Error(id, err))
}

func (s *Server) handleD1Delete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.d1.remove(id); err != nil {
		writeError(w, d1Error(id, err))
		return
	}
	s.logger.Info("D1 database deleted", "database", id)
	writeResult(w, http.StatusOK, nil, nil)
}

// handleD1Query runs `{"sql","params"}`: several statements joined by semicolons run as one
// transaction, each with its own result. /query answers rows as objects, /raw as
// {columns, rows}.
func (s *Server) handleD1Query(raw bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		dec := json.NewDecoder(io.LimitReader(r.Body, maxD1Body))
		dec.UseNumber()
		var body d1Statement
		if err := dec.Decode(&body); err != nil || strings.TrimSpace(body.SQL) == "" {
			writeError(w, newAPIError(http.StatusBadRequest, codeValidation, "the body must be {\"sql\": \"...\", \"params\": [...]}"))
			return
		}
		results, err := s.d1.run(r.Context(), id, []d1Statement{body}, true)
		if err != nil {
			writeError(w, d1Error(id, err))
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
		writeResult(w, http.StatusOK, out, nil)
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

// d1BindingKind is the d1 binding: workerd runs D1 as its JavaScript module
// cloudflare-internal:d1-api wrapping a fetcher, which reaches the D1 backend through a service
// that injects the database id.
var d1BindingKind = bindingKind{
	exists: func(s *Server, _ string, b wireBinding) error {
		if _, err := s.d1.get(b.DatabaseID); err != nil {
			return newAPIError(http.StatusBadRequest, codeD1BindingInvalid,
				"D1 binding '%s' references database '%s' which was not found. Verify the database exists in your "+
					"account and that the database_id in your configuration is correct.", b.Name, b.DatabaseID)
		}
		return nil
	},
	runtime: func(s *Server, _ bindingContext, b wireBinding) (workerd.Binding, bool) {
		return backendBinding(b, "wrapped", func(service string) workerd.Value {
			return workerd.Struct(
				workerd.Field{Name: "moduleName", Value: workerd.Text("cloudflare-internal:d1-api")},
				workerd.Field{Name: "innerBindings", Value: workerd.List(workerd.Struct(
					workerd.Field{Name: "name", Value: workerd.Text("fetcher")},
					workerd.Field{Name: "service", Value: workerd.Text(service)}))})
		}, "lumier:d1:", s.d1Backend.addr(), d1DatabaseHeader, b.DatabaseID), true
	},
}
