package workerd

import (
	"context"
	"sync"
)

// spares holds workerd processes started ahead of need, one per set of flags, each loaded and
// waiting for a config on stdin (see waiting). A reload that takes one skips the part of a
// workerd startup that comes before reading the config: measured on a 2-core machine, a trivial
// config listened 52 ms after it was written to a waiting workerd, against 87 ms for a workerd
// started with it. The spare is replaced in the background once its reload is done, so the next
// reload finds one too.
type spares struct {
	sup *Supervisor

	mu sync.Mutex
	// Guarded by mu.
	ready     map[bool]*waiting // by experimental
	refilling map[bool]bool
	closed    bool
}

// take returns the waiting workerd for the flags, or nil if there is none (or it died).
func (sp *spares) take(experimental bool) *waiting {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	w := sp.ready[experimental]
	delete(sp.ready, experimental)
	if w != nil && w.p.exited() {
		w.discard()
		return nil
	}
	return w
}

// refill starts a waiting workerd for the flags in the background, unless one is there or on its way.
func (sp *spares) refill(experimental bool) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.closed || sp.ready[experimental] != nil || sp.refilling[experimental] {
		return
	}
	if sp.refilling == nil {
		sp.refilling, sp.ready = map[bool]bool{}, map[bool]*waiting{}
	}
	sp.refilling[experimental] = true
	sp.sup.watches.Add(1) // Close waits for it
	go func() {
		defer sp.sup.watches.Done()
		w, err := spawn(sp.sup.binary, sp.sup.dir, experimental, sp.sup.log)
		sp.mu.Lock()
		defer sp.mu.Unlock()
		sp.refilling[experimental] = false
		if err != nil {
			sp.sup.log.Warn("starting a spare workerd", "err", err) // the next reload starts its own
			return
		}
		if sp.closed {
			w.discard()
			return
		}
		sp.ready[experimental] = w
	}()
}

// close stops the waiting processes; refill starts no more.
func (sp *spares) close() {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	sp.closed = true
	for k, w := range sp.ready {
		w.discard()
		delete(sp.ready, k)
	}
}

// start runs gen in a new workerd process, a spare if one waits, and waits until it listens;
// see waiting.run for the errors.
func (s *Supervisor) start(ctx context.Context, gen *generation) (*process, error) {
	experimental := gen.cfg.experimental
	w := s.spares.take(experimental)
	if w == nil {
		var err error
		if w, err = spawn(s.binary, gen.dir, experimental, s.log); err != nil {
			return nil, err
		}
	}
	defer s.spares.refill(experimental)
	return w.run(ctx, gen.cfg)
}
