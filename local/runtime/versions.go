package runtime

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/workerd"
)

// rolloutService names the workerd service running a split deployment's secondary version. The
// "--V" cannot occur in a Cloudflare script name (no capitals), so it never collides with one.
func rolloutService(script, versionID string) string {
	return script + "--V" + strings.ReplaceAll(versionID, "-", "")
}

// rolloutScripts are the extra workerd services of split deployments: each secondary version
// runs beside its script and reaches the script's Durable Object classes through the primary
// (it hosts none itself), so both versions see the same objects and data.
func (s *Runtime) rolloutScripts(st *account.State) ([]workerd.Script, error) {
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
			Tail:               s.Tails.Tail(name),
		}
		for _, m := range v.Modules {
			content, err := s.Store.Module(m.SHA256)
			if err != nil {
				return nil, fmt.Errorf("script %s version %s: %w", name, v.ID, err)
			}
			ws.Modules = append(ws.Modules, workerd.Module{Name: m.Name, Content: content, SHA256: m.SHA256})
		}
		ws.Bindings = s.workerdBindings(bindingContext{st: st, script: name, service: ws.Name, assets: v.Assets, version: v}, v.Bindings)
		out = append(out, ws)
	}
	return out, nil
}

// route is where the router sends one request for script: the primary version, or with the
// secondary's probability, the secondary version of a split deployment; the chosen version's own
// static assets answer first.
func (s *Runtime) route(script string) routeTarget {
	rec, ok := s.State().Scripts[script]
	if !ok {
		return routeTarget{}
	}
	var t routeTarget
	assets, compatDate := rec.Assets, rec.CompatibilityDate
	if v, pct, ok := rec.SecondaryVersion(); ok && rand.Float64()*100 < pct {
		if t.addr, t.ok = s.Workerd.Addr(rolloutService(script, v.ID)); t.ok {
			assets, compatDate = v.Assets, v.CompatibilityDate
		}
	}
	if !t.ok {
		t.addr, t.ok = s.Workerd.Addr(script)
	}
	if assets != nil {
		t.front = func(w http.ResponseWriter, r *http.Request) bool {
			return s.Assets.Front(script, assets, compatDate, w, r)
		}
	}
	return t
}
