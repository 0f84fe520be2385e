package local

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/ids"
	"github.com/lumier-dev/lumier/local/rules"
	"github.com/lumier-dev/lumier/local/workerd"
)

// requestSource is the source a change made by request r is recorded under.
func requestSource(r *http.Request) string {
	if strings.HasPrefix(r.Header.Get("User-Agent"), "wrangler/") {
		return account.SourceWrangler
	}
	return account.SourceAPI
}

// rolloutService names the workerd service running a split deployment's secondary version. The
// "--V" cannot occur in a Cloudflare script name (no capitals), so it never collides with one.
func rolloutService(script, versionID string) string {
	return script + "--V" + strings.ReplaceAll(versionID, "-", "")
}

// rolloutScripts are the extra workerd services of split deployments: each secondary version
// runs beside its script and reaches the script's Durable Object classes through the primary
// (it hosts none itself), so both versions see the same objects and data.
func (s *Server) rolloutScripts(st *account.State) ([]workerd.Script, error) {
	var out []workerd.Script
	for _, name := range st.ScriptNames() {
		rec := st.Scripts[name]
		v, _, ok := rec.SecondaryVersion()
		if !ok {
			continue
		}
		ws := workerd.Script{
			Name:               rolloutService(name, v.ID),
			MainModule:         v.MainModule,
			CompatibilityDate:  v.CompatibilityDate,
			CompatibilityFlags: v.CompatibilityFlags,
			Tail:               s.tails.Tail(name),
		}
		for _, m := range v.Modules {
			content, err := s.store.Module(m.SHA256)
			if err != nil {
				return nil, fmt.Errorf("script %s version %s: %w", name, v.ID, err)
			}
			ws.Modules = append(ws.Modules, workerd.Module{Name: m.Name, Content: content})
		}
		ws.Bindings = s.workerdBindings(bindingContext{st: st, script: name, service: ws.Name, assets: v.Assets, version: v}, v.Bindings)
		out = append(out, ws)
	}
	return out, nil
}

// route is where the router sends one request for script: the primary version, or with the
// secondary's probability, the secondary version of a split deployment; the chosen version's own
// static assets answer first.
func (s *Server) route(script string) routeTarget {
	rec, ok := s.ledger.Load().Scripts[script]
	if !ok {
		return routeTarget{}
	}
	var t routeTarget
	assets, compatDate := rec.Assets, rec.CompatibilityDate
	if v, pct, ok := rec.SecondaryVersion(); ok && rand.Float64()*100 < pct {
		if t.addr, t.ok = s.runtime.Addr(rolloutService(script, v.ID)); t.ok {
			assets, compatDate = v.Assets, v.CompatibilityDate
		}
	}
	if !t.ok {
		t.addr, t.ok = s.runtime.Addr(script)
	}
	if assets != nil {
		t.front = func(w http.ResponseWriter, r *http.Request) bool {
			return s.assets.frontAssets(script, assets, compatDate, w, r)
		}
	}
	return t
}

// deploy makes d the script's deployment: rules first (each version must keep exporting the
// classes the script hosts and resolve its bindings), then workerd, then the state. The caller
// holds s.mu.
func (s *Server) deploy(ctx context.Context, name string, d *account.Deployment) error {
	prev := s.ledger.Load()
	next := prev.Clone()
	rec := next.Scripts[name]
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
	if err := s.apply(ctx, prev, next, name); err != nil {
		return err
	}
	return s.ledger.Commit(ctx, prev, next)
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
