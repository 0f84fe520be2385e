package workerd

import (
	"sync"
	"time"
)

// retire stops p in the background once its successor serves: after handoverDelay it gets
// SIGTERM and drainGrace to finish in-flight requests, so Apply does not wait for them. Callers
// hold op.
func (sh *shard) retire(p *process) {
	p.stopping.Store(true) // its exit is no crash
	sh.retiring = append(sh.retiring, p)
	sh.sup.watches.Add(1)
	go func() {
		defer sh.sup.watches.Done()
		select {
		case <-time.After(handoverDelay):
		case <-sh.sup.closing:
		}
		p.stop(drainGrace)
	}()
}

// settleRetiring forgets retired processes that have exited and stops at once those holding
// storage that cfg is about to open: two processes must never share Durable Object files.
// Callers hold op.
func (sh *shard) settleRetiring(cfg *config) {
	kept := sh.retiring[:0]
	for _, p := range sh.retiring {
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
	sh.retiring = kept
}

// stopRetiring stops every retired process still running, in parallel. Callers hold op.
func (sh *shard) stopRetiring(grace time.Duration) {
	var wg sync.WaitGroup
	for _, p := range sh.retiring {
		wg.Go(func() { p.stop(grace) })
	}
	wg.Wait()
	sh.retiring = nil
}
