package account

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/lumier-dev/lumier/local/rules"
)

// Plan is the account's kind as far as Cloudflare's per-account rules go: today, whether a new
// Durable Object class may use the key-value storage backend (a new_classes migration). See
// docs/cloudflare-api.md, "Account plans".
type Plan string

// The plans `lumier local -plan` accepts.
const (
	// PlanFree is the Workers Free plan, the plan of a new account and the default: Durable
	// Objects must be SQLite-backed (new_sqlite_classes).
	PlanFree Plan = "free"
	// PlanPaid is a Workers Paid account with no KV-backed Durable Object namespace: since
	// 2026-07-09 such an account can create only SQLite-backed classes, unless one of its
	// scripts on this local Cloudflare already hosts a KV-backed namespace.
	PlanPaid Plan = "paid"
	// PlanPaidKV is a Workers Paid account that already had a KV-backed namespace before
	// 2026-07-09: it may still create KV-backed classes.
	PlanPaidKV Plan = "paid-kv"
)

// DefaultPlan is a new account's plan.
const DefaultPlan = PlanFree

// codeKVBackendRefused (10097) is Cloudflare's refusal of a KV-backed class (new_classes) on an
// account that may not create one.
const codeKVBackendRefused = 10097

// ParsePlan reads a -plan value.
func ParsePlan(s string) (Plan, error) {
	switch p := Plan(s); p {
	case PlanFree, PlanPaid, PlanPaidKV:
		return p, nil
	case "":
		return DefaultPlan, nil
	}
	return "", fmt.Errorf("unknown plan %q: use %s (a new account), %s (a paid account without KV-backed Durable Objects) or %s (a paid account that already has one)",
		s, PlanFree, PlanPaid, PlanPaidKV)
}

// CheckNewClasses refuses the KV-backed classes (new_classes) an upload creates when the plan does
// not allow them. existing are the account's namespaces before the upload. Renames and transfers
// of an existing KV-backed class create nothing, so they pass on every plan.
func (p Plan) CheckNewClasses(existing []rules.Namespace, m *rules.Migrations) error {
	if m == nil || p == PlanPaidKV {
		return nil
	}
	var kv []string
	for _, step := range m.Steps {
		kv = append(kv, step.NewClasses...)
	}
	if len(kv) == 0 {
		return nil
	}
	if p == PlanPaid {
		for _, n := range existing {
			if !n.SQLite {
				return nil // the account has a KV-backed namespace, so it keeps the right to create them
			}
		}
		// Cloudflare's text for this case is unconfirmed; the code is the free plan's, and the
		// advice is the same.
		return &rules.Error{Status: http.StatusBadRequest, Code: codeKVBackendRefused, Message: fmt.Sprintf(
			"Durable Object namespaces with the key-value storage backend can only be created on accounts that already have one; create %s with a `new_sqlite_classes` migration.",
			quoteClasses(kv))}
	}
	// The HTTP status of 10097 is unconfirmed: 400, like every other migration refusal.
	return &rules.Error{Status: http.StatusBadRequest, Code: codeKVBackendRefused,
		Message: "In order to use Durable Objects with a free plan, you must create a namespace using a `new_sqlite_classes` migration."}
}

func quoteClasses(classes []string) string {
	q := make([]string, len(classes))
	for i, c := range classes {
		q[i] = "'" + c + "'"
	}
	return "class " + strings.Join(q, ", ")
}

// MaxWorkerGzipBytes is the plan's limit on a Worker's size after gzip: 3 MiB on Workers Free,
// 10 MiB on Workers Paid (docs/cloudflare-api.md, "Limits checked before upload").
func (p Plan) MaxWorkerGzipBytes() int {
	if p == PlanFree {
		return 3 << 20
	}
	return 10 << 20
}

// MaxAssetFiles is the plan's limit on the static asset files of a Worker version: 20,000 on
// Workers Free, 100,000 on Workers Paid (docs/cloudflare-api.md, "Static assets").
func (p Plan) MaxAssetFiles() int {
	if p == PlanFree {
		return 20_000
	}
	return 100_000
}
