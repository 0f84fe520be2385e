package scripts

import (
	"context"
	"net/http"
	"strings"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/ids"
	"github.com/lumier-dev/lumier/local/rules"
)

// requestSource is the source a change made by request r is recorded under.
func requestSource(r *http.Request) string {
	if strings.HasPrefix(r.Header.Get("User-Agent"), "wrangler/") {
		return account.SourceWrangler
	}
	return account.SourceAPI
}

// deploy makes d the script's deployment: rules first (each version must keep exporting the
// classes the script hosts and resolve its bindings), then workerd, then the state. The caller
// holds the account's lock.
func (a *API) deploy(ctx context.Context, name string, d *account.Deployment) error {
	prev := a.ledger.Load()
	next := prev.Clone()
	rec := next.Own(name)
	rec.EnsureVersions()
	for _, dv := range d.Versions {
		v := rec.FindVersion(dv.VersionID)
		if v == nil {
			return envelope.NewError(http.StatusBadRequest, codeVersionNotFound, "version %s of script %s does not exist", dv.VersionID, name)
		}
		if err := checkVersion(prev, name, v); err != nil {
			return err
		}
	}
	rec.RunVersion(rec.FindVersion(rec.PrimaryVersion(d)))
	rec.Deployments = append(rec.Deployments, d)
	rec.Trim()
	rec.ModifiedOn = d.CreatedOn
	rec.Etag = etag(rec)
	if err := a.rt.Apply(ctx, prev, next, name); err != nil {
		return err
	}
	return a.ledger.Commit(ctx, prev, next)
}

// checkVersion applies the account's rules to v as if it ran as script name: no migrations
// (versions carry none), bound classes that exist, hosted classes still exported.
func checkVersion(st *account.State, name string, v *account.Version) error {
	rec := &account.Script{Name: name, Bindings: v.Bindings}
	_, err := rules.CheckUpload(st.Rules(), rules.Upload{
		Script: name, Bindings: rec.RuleBindings(), Exports: v.Exports,
	}, ids.New)
	return err
}

// contextFor bounds a request's workerd reload.
func contextFor(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), account.ApplyTimeout)
}
