package local

import (
	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/envelope"
)

// Subdomain is the account's workers.dev subdomain (subdomain.Account).
func (a accountView) Subdomain() string { return a.s.ledger.Load().Subdomain }

// SetSubdomain records the account's workers.dev subdomain (subdomain.Account). Locally the name
// only shows up in reads (scripts answer on ports), but it is kept like Cloudflare keeps it.
func (a accountView) SetSubdomain(sub string) error {
	return a.s.ledger.Patch(func(next *account.State) error {
		next.Subdomain = sub
		return nil
	})
}

// WorkersDev is script's workers.dev route (subdomain.Account): the URL is where the script
// answers when the route is on (a local extension, see docs/architecture.md).
func (a accountView) WorkersDev(script string) (enabled, previews bool, url string, ok bool) {
	rec, ok := a.s.ledger.Load().Scripts[script]
	if !ok {
		return false, false, "", false
	}
	if rec.WorkersDev {
		url, _ = a.s.ScriptURL(script)
	}
	return rec.WorkersDev, rec.PreviewsEnabled, url, true
}

// SetWorkersDev turns a script's port on or off (subdomain.Account). The port number stays
// recorded while off, so turning workers.dev back on gives the same URL. It is a patch
// (account.Ledger.Patch): workerd does not see the flag, so a new Worker's call does not wait for
// the reload of the uploads made after its own.
func (a accountView) SetWorkersDev(name string, enabled, previews bool) (string, error) {
	s := a.s
	var (
		port  int  // the port opened on the first run, which a run again records as it is
		wasOn bool // workers.dev was on before the first run
	)
	err := s.ledger.Patch(func(next *account.State) error {
		if _, ok := next.Scripts[name]; !ok {
			return envelope.ScriptNotFound()
		}
		rec := next.Own(name)
		if port == 0 {
			wasOn = rec.WorkersDev
		}
		rec.WorkersDev, rec.PreviewsEnabled = enabled, previews
		switch {
		case !enabled:
		case port != 0:
			recordPort(next, name, port)
		default:
			if _, err := s.openPort(next, name); err != nil {
				return err
			}
			port = next.Scripts[name].Port
		}
		return nil
	})
	if err != nil {
		if port != 0 && !wasOn {
			s.runtime.Router.Close(name)
		}
		return "", err
	}
	if !enabled {
		s.runtime.Router.Close(name)
		return "", nil
	}
	url, _ := s.ScriptURL(name)
	return url, nil
}
