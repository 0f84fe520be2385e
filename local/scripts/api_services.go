package scripts

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/lumier-dev/lumier/local/envelope"
)

// productionEnvironment is the one environment of a service: Cloudflare's services API predates
// versions and still describes every script as a service with a "production" environment.
const productionEnvironment = "production"

// ServiceJSON is GET .../workers/services/{name}.
type ServiceJSON struct {
	ID                 string            `json:"id"`
	CreatedOn          time.Time         `json:"created_on"`
	ModifiedOn         time.Time         `json:"modified_on"`
	DefaultEnvironment environmentJSON   `json:"default_environment"`
	Environments       []environmentJSON `json:"environments"`
}

type environmentJSON struct {
	Environment string      `json:"environment"`
	CreatedOn   time.Time   `json:"created_on"`
	ModifiedOn  time.Time   `json:"modified_on"`
	ScriptTag   string      `json:"script_tag"`
	Script      *ScriptJSON `json:"script,omitempty"`
}

// scriptTag is the script's stable id (Cloudflare's "tag", 32 hex digits), distinct from its
// name.
func scriptTag(name string) string {
	sum := sha256.Sum256([]byte("lumier-local-script:" + name))
	return hex.EncodeToString(sum[:16])
}

// handleGetService is GET /accounts/{a}/workers/services/{name}.
func (a *API) handleGetService(w http.ResponseWriter, r *http.Request) {
	rec, ok := a.ledger.Load().Scripts[r.PathValue("script")]
	if !ok {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	script := scriptJSONOf(rec)
	env := environmentJSON{
		Environment: productionEnvironment, CreatedOn: rec.CreatedOn, ModifiedOn: rec.ModifiedOn,
		ScriptTag: scriptTag(rec.Name), Script: &script,
	}
	short := env
	short.Script = nil
	envelope.WriteResult(w, http.StatusOK, ServiceJSON{
		ID: rec.Name, CreatedOn: rec.CreatedOn, ModifiedOn: rec.ModifiedOn,
		DefaultEnvironment: env, Environments: []environmentJSON{short},
	}, nil)
}
