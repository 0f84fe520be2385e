package scripts

import (
	"net/http"

	"github.com/lumier-dev/lumier/local/envelope"
)

// NamespaceJSON is one item of GET .../workers/durable_objects/namespaces.
type NamespaceJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Script    string `json:"script"`
	Class     string `json:"class"`
	UseSqlite bool   `json:"use_sqlite"`
}

// handleNamespaces is GET /accounts/{a}/workers/durable_objects/namespaces.
func (a *API) handleNamespaces(w http.ResponseWriter, r *http.Request) {
	st := a.ledger.Load()
	items := make([]NamespaceJSON, 0, len(st.Namespaces))
	for _, n := range st.Namespaces {
		items = append(items, NamespaceJSON{ID: n.ID, Name: n.Name(), Script: n.Script, Class: n.Class, UseSqlite: n.SQLite})
	}
	envelope.WritePage(w, r, items)
}
