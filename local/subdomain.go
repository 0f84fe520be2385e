package local

import (
	"github.com/lumier-dev/lumier/local/envelope"
)

// Subdomain is the account's workers.dev subdomain (subdomain.Account).
func (a accountView) Subdomain() string { return a.s.ledger.Load().Subdomain }

// SetSubdomain records the account's workers.dev subdomain (subdomain.Account). Locally the name
// only shows up in reads (scripts answer on ports), but it is kept like Cloudflare keeps it.
func (a accountView) SetSubdomain(sub string) error {
	s := a.s
	s.ledger.Lock()
	defer s.ledger.Unlock()
	next := s.ledger.Load().Clone()
	next.Subdomain = sub
	if err := s.store.Save(next); err != nil {
		return err
	}
	s.ledger.Publish(next)
	return nil
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
// recorded while off, so turning workers.dev back on gives the same URL.
func (a accountView) SetWorkersDev(name string, enabled, previews bool) (string, error) {
	s := a.s
	s.ledger.Lock()
	defer s.ledger.Unlock()
	prev := s.ledger.Load()
	if _, ok := prev.Scripts[name]; !ok {
		return "", envelope.ScriptNotFound()
	}
	next := prev.Clone()
	rec := next.Own(name)
	rec.WorkersDev, rec.PreviewsEnabled = enabled, previews
	if enabled {
		if _, err := s.openPort(next, name); err != nil {
			return "", err
		}
	}
	if err := s.store.Save(next); err != nil {
		if enabled && !prev.Scripts[name].WorkersDev {
			s.runtime.Router.Close(name)
		}
		return "", err
	}
	s.ledger.Publish(next)
	if !enabled {
		s.runtime.Router.Close(name)
		return "", nil
	}
	url, _ := s.ScriptURL(name)
	return url, nil
}
