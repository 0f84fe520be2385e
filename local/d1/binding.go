package d1

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/lumier-dev/lumier/local/envelope"
)

// The D1 backend is what workerd's D1 bindings talk to (docs/architecture.md, "D1 on workerd"):
// an HTTP service on its own 127.0.0.1 port, reached through one external service per database
// that injects the database id in DatabaseHeader. Like the KV backend it takes no token, so it
// never shares the API's listener.
const DatabaseHeader = "X-Lumier-D1-Database"

// serveD1 answers the binding's calls: POST /query (all, first, raw, batch: rows and columns)
// and POST /execute (run, exec: no rows), each with one {"sql","params"} or an array of them.
// The answer is an array, one entry per statement; an SQL failure is a 200 whose entry says
// {"success": false, "error"}. An array sent to /query is a batch: one transaction, and a
// failure answers that failure alone. An array sent to /execute is exec's lines: each commits
// on its own and the run stops at the first failure, which is the last entry.
func (d *Store) ServeBinding(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get(DatabaseHeader)
	if id == "" || r.Method != http.MethodPost || (r.URL.Path != "/query" && r.URL.Path != "/execute") {
		http.Error(w, "not a D1 call", http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxD1Body+1))
	if err != nil || len(body) > maxD1Body {
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	stmts, err := decodeD1Statements(body)
	if err != nil {
		envelope.WriteJSON(w, http.StatusOK, []map[string]any{d1Failure(err.Error())})
		return
	}
	atomic := r.URL.Path == "/query"
	rowsWanted := r.URL.Query().Get("resultsFormat") != "NONE"
	results, err := d.run(r.Context(), id, stmts, atomic)
	out := make([]map[string]any, 0, len(results)+1)
	for _, res := range results {
		item := map[string]any{"success": true, "meta": res.Meta}
		if rowsWanted {
			item["results"] = map[string]any{"columns": res.Columns, "rows": res.Rows}
		}
		out = append(out, item)
	}
	var se *d1SQLError
	switch {
	case errors.As(err, &se):
		out = append(out, d1Failure(d1ErrorText(se.Err)))
	case errors.Is(err, errD1Missing):
		out = append(out, d1Failure("database not found: "+id))
	case err != nil:
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	envelope.WriteJSON(w, http.StatusOK, out)
}

func d1Failure(msg string) map[string]any {
	return map[string]any{"success": false, "error": msg, "meta": map[string]any{}}
}

// decodeD1Statements reads one statement object or an array of them.
func decodeD1Statements(body []byte) ([]d1Statement, error) {
	var raw json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, errors.New("the body is not JSON")
	}
	dec := func(b []byte, v any) error {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		return d.Decode(v)
	}
	var stmts []d1Statement
	if len(raw) > 0 && raw[0] == '[' {
		if err := dec(raw, &stmts); err != nil {
			return nil, errors.New("the body is not an array of {sql, params}")
		}
	} else {
		var one d1Statement
		if err := dec(raw, &one); err != nil {
			return nil, errors.New("the body is not {sql, params}")
		}
		stmts = []d1Statement{one}
	}
	if len(stmts) == 0 {
		return nil, errNoStatements
	}
	return stmts, nil
}
