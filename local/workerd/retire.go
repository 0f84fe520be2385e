package workerd

import (
	"sync"
	"time"
)

// retire stops p in the background once its successor serves: after handoverDelay it gets
// SIGTERM and drainGrace to finish in-flight requests, so Apply does not wait for them. Callers
// hold op.
func (s *Supervisor) retire(p *process) {
	p.stopping.Store(true) // its exit is no crash
	s.retiring = append(s.retiring, p)
	s.watches.Add(1)
	go func() {
		defer s.watches.Done()
		select {
		case <-time.After(handoverDelay):
		case <-s.closing:
		}
		p.stop(drainGrace)
	}()
}

// settleRetiring forgets retired processes that have exited and stops at once those holding
// storage that cfg is about to open: two processes must never share Durable Object files.
// Callers hold op.
func (s *Supervisor) settleRetiring(cfg *config) {
	kept := s.retiring[:0]
	for _, p := range s.retiring {
		select {
		case <-p.done:
			continue
		default:
		}
		if sharesStorage(p.cfg, cfg) {
			p.stop(swapGrace)
			continue
		}
		kept = append(kept, p)
	}
	s.retiring = kept
}

// stopRetiring stops every retired process still running, in parallel. Callers hold op.
func (s *Supervisor) stopRetiring() {
	var wg sync.WaitGroup
	for _, p := range s.retiring {
		wg.Go(func() { p.stop(closeGrace) })
	}
	wg.Wait()
	s.retiring = nil
}
