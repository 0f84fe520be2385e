package local

import (
	"context"
	"time"
)

// change is one request that changes the account, waiting to be applied. Requests that arrive
// while a reload runs are applied together in the next one (group commit), so that N parallel
// uploads cost about one reload rather than N.
type change struct {
	// script is the uploaded script, for telling whose upload workerd refused; empty for other
	// changes.
	script string
	// build returns the state after the change from cur, a copy it may modify, and what to do
	// once that state is committed (given how long the runtime's reload took). Its error
	// rejects the request. It may run more than once: only the last run's result counts.
	build func(cur *state) (next *state, done func(reload time.Duration), err error)

	result chan error
}

// submit applies c together with the changes waiting at the same time and returns c's outcome.
//
// The first change to find no batch being applied starts a drain that applies batches until
// the queue is empty; every other change only waits for its own result. A change whose batch has
// been applied is answered at once: it never has to take mu again, which would make it wait for
// the reload of changes that arrived after it (each such wait let a lone newcomer take mu and
// reload for itself, so parallel deletes ended up applied one reload each).
func (s *Server) submit(c *change) error {
	c.result = make(chan error, 1)
	s.qmu.Lock()
	s.queue = append(s.queue, c)
	lead := !s.draining
	s.draining = true
	s.qmu.Unlock()
	if lead {
		go s.drain()
	}
	return <-c.result
}

// drain applies the queued changes batch by batch until the queue is empty. Only one drain runs
// at a time (draining); the queue is taken once mu is held, so that everything that arrived
// while the previous batch or another request held mu joins the batch.
func (s *Server) drain() {
	for {
		s.mu.Lock()
		s.qmu.Lock()
		batch := s.queue
		s.queue = nil
		if len(batch) == 0 {
			s.draining = false
			s.qmu.Unlock()
			s.mu.Unlock()
			return
		}
		s.qmu.Unlock()
		s.applyBatch(batch)
		s.mu.Unlock()
	}
}

// applyBatch applies the changes in order onto the served state, has the runtime run the
// result in one reload, commits it and answers every change. When the runtime refuses the
// batch, the halves are applied one after the other, down to the change it refuses: that one
// gets the runtime's message, the others succeed. Callers hold mu.
func (s *Server) applyBatch(batch []*change) {
	prev := s.st.Load()
	next := prev
	var (
		kept  []*change
		dones []func(time.Duration)
	)
	for _, c := range batch {
		n, done, err := c.build(next.clone())
		if err != nil {
			c.result <- err
			continue
		}
		next = n
		kept = append(kept, c)
		dones = append(dones, done)
	}
	if len(kept) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), applyTimeout)
	defer cancel()
	uploaded := ""
	if len(kept) == 1 {
		uploaded = kept[0].script
	}
	started := time.Now()
	err := s.apply(ctx, prev, next, uploaded)
	if err != nil && len(kept) > 1 {
		half := len(kept) / 2
		s.applyBatch(kept[:half])
		s.applyBatch(kept[half:])
		return
	}
	reload := time.Since(started)
	if err == nil {
		err = s.commit(ctx, prev, next)
	}
	if len(kept) > 1 {
		s.logger.Info("changes applied in one reload", "changes", len(kept), "reload", reload, "err", err)
	}
	for i, c := range kept {
		if err == nil {
			dones[i](reload)
		}
		c.result <- err
	}
}
