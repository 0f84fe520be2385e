package account

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// ApplyTimeout bounds one reload of the runtime for a change to the account. workerd starts in
// well under a second; the bound is for a wedged process, not for normal use.
const ApplyTimeout = time.Minute

// Apply has the runtime run next in place of prev. uploaded names the script whose upload
// the change is, for telling whose upload the runtime refused; empty for other changes.
type Apply func(ctx context.Context, prev, next *State, uploaded string) error

// Ledger is the account being served and the way it changes: a change builds the next state
// from a copy, the runtime runs it, the store writes it, and only then is it served. Reads
// take the served state without locks.
type Ledger struct {
	store  *Store
	apply  Apply
	logger *slog.Logger

	// mu serializes the changes: each builds the next state, has the runtime run it, writes
	// it, then publishes it. Changes submitted together wait in queue (guarded by qmu) and are
	// applied in batches (see Submit).
	mu    sync.Mutex
	qmu   sync.Mutex
	queue []*Change
	// draining is set while a drain goroutine applies the queue (guarded by qmu).
	draining bool
	st       atomic.Pointer[State] // the state being served; read without locks

	// pmu guards applying and riders: while a batch's reload runs, Patch publishes without mu,
	// and the batch's commit applies the same patches again (see Patch). freed (on pmu) is
	// signalled when mu is released or a reload starts: what a waiting Patch waits for.
	pmu      sync.Mutex
	freed    *sync.Cond
	applying bool
	riders   []func(next *State) error
}

// NewLedger serves served, kept by store; apply is the runtime's reload.
func NewLedger(store *Store, served *State, apply Apply, logger *slog.Logger) *Ledger {
	l := &Ledger{store: store, apply: apply, logger: logger}
	l.freed = sync.NewCond(&l.pmu)
	l.st.Store(served)
	return l
}

// Load is the state being served. It must not be changed: Clone it to build the next one.
func (l *Ledger) Load() *State { return l.st.Load() }

// Lock takes the account's lock, for a change made outside Submit: it builds the next state
// from Load, has the runtime run it, then Commits it (or has the Store Save it, then Publishes
// it).
func (l *Ledger) Lock() { l.mu.Lock() }

// Unlock releases the account's lock.
func (l *Ledger) Unlock() {
	l.mu.Unlock()
	l.pmu.Lock()
	l.freed.Broadcast()
	l.pmu.Unlock()
}

// Publish serves next, already written. The caller holds the lock.
func (l *Ledger) Publish(next *State) {
	next.checkOrigin()
	l.st.Store(next)
}

// Commit writes next and serves it, then removes the modules no script names any more. When
// the write fails, the runtime is given prev back, so that what runs is always what the state
// directory says. The caller holds the lock and has had the runtime run next.
func (l *Ledger) Commit(ctx context.Context, prev, next *State) error {
	if err := l.store.Save(next); err != nil {
		if rbErr := l.apply(context.WithoutCancel(ctx), next, prev, ""); rbErr != nil {
			l.logger.Error("putting the previous scripts back on workerd", "err", rbErr)
		}
		return fmt.Errorf("saving the state: %w", err)
	}
	l.Publish(next)
	if err := l.store.GC(next); err != nil {
		l.logger.Warn("removing unused modules", "err", err)
	}
	return nil
}

// Patch makes a change that the runtime does not run (the workers.dev flags, the account's
// subdomain: nothing workerd is given) and serves it. change builds the next state from a copy
// of the served one, which it may modify (taking records with State.Own); its error rejects the
// request.
//
// A patch does not wait for a reload in progress. While a batch's reload runs, the batch holds
// mu but publishes only at its commit, so the patch is saved and served at once, and the batch
// runs change again on its own next state before committing it; change must therefore give the
// same result when run again (an effect outside the state, such as opening a port, happens on
// the first run only). When change fails on the batch's state (the batch deleted the script),
// the batch wins, as if it came after the patch. At any other time a patch takes mu like any
// change, as soon as it is free or a reload starts.
func (l *Ledger) Patch(change func(next *State) error) error {
	l.pmu.Lock()
	for {
		if l.applying {
			defer l.pmu.Unlock()
			if err := l.publishPatch(change); err != nil {
				return err
			}
			l.riders = append(l.riders, change)
			return nil
		}
		// Waiting on mu itself could mean waiting for a whole reload: the drain takes mu again
		// as soon as it lets it go when more changes wait.
		if l.mu.TryLock() {
			l.pmu.Unlock()
			defer l.Unlock()
			return l.publishPatch(change)
		}
		l.freed.Wait()
	}
}

// publishPatch builds the next state with change, writes it and serves it. Callers hold mu, or
// pmu while a reload runs.
func (l *Ledger) publishPatch(change func(next *State) error) error {
	next := l.st.Load().Clone()
	if err := change(next); err != nil {
		return err
	}
	if err := l.store.Save(next); err != nil {
		return fmt.Errorf("saving the state: %w", err)
	}
	l.Publish(next)
	return nil
}

// Change is one request that changes the account, waiting to be applied. Requests that arrive
// while a reload runs are applied together in the next one (group commit), so that N parallel
// uploads cost about one reload rather than N.
type Change struct {
	// Script is the uploaded script, for telling whose upload workerd refused; empty for other
	// changes.
	Script string
	// Build returns the state after the change from cur, a copy it may modify, and what to do
	// once that state is committed (given how long the runtime's reload took). Its error
	// rejects the request. It may run more than once: only the last run's result counts.
	Build func(cur *State) (next *State, done func(reload time.Duration), err error)

	result chan error
}

// Submit applies c together with the changes waiting at the same time and returns c's outcome.
//
// The first change to find no batch being applied starts a drain that applies batches until
// the queue is empty; every other change only waits for its own result. A change whose batch has
// been applied is answered at once: it never has to take mu again, which would make it wait for
// the reload of changes that arrived after it (each such wait let a lone newcomer take mu and
// reload for itself, so parallel deletes ended up applied one reload each).
func (l *Ledger) Submit(c *Change) error {
	c.result = make(chan error, 1)
	l.qmu.Lock()
	l.queue = append(l.queue, c)
	lead := !l.draining
	l.draining = true
	l.qmu.Unlock()
	if lead {
		go l.drain()
	}
	return <-c.result
}

// drain applies the queued changes batch by batch until the queue is empty. Only one drain runs
// at a time (draining); the queue is taken once mu is held, so that everything that arrived
// while the previous batch or another request held mu joins the batch.
func (l *Ledger) drain() {
	for {
		l.mu.Lock()
		l.qmu.Lock()
		batch := l.queue
		l.queue = nil
		if len(batch) == 0 {
			l.draining = false
			l.qmu.Unlock()
			l.Unlock()
			return
		}
		l.qmu.Unlock()
		l.applyBatch(batch)
		l.Unlock()
	}
}

// applyBatch applies the changes in order onto the served state, has the runtime run the
// result in one reload, commits it and answers every change. When the runtime refuses the
// batch, the halves are applied one after the other, down to the change it refuses: that one
// gets the runtime's message, the others succeed. Callers hold mu.
func (l *Ledger) applyBatch(batch []*Change) {
	prev := l.st.Load()
	next := prev
	var (
		kept  []*Change
		dones []func(time.Duration)
	)
	for _, c := range batch {
		n, done, err := c.Build(next.Clone())
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
	ctx, cancel := context.WithTimeout(context.Background(), ApplyTimeout)
	defer cancel()
	uploaded := ""
	if len(kept) == 1 {
		uploaded = kept[0].Script
	}
	started := time.Now()
	l.pmu.Lock()
	l.applying = true
	l.freed.Broadcast()
	l.pmu.Unlock()
	err := l.apply(ctx, prev, next, uploaded)
	l.pmu.Lock()
	l.applying = false
	riders := l.riders
	l.riders = nil
	l.pmu.Unlock()
	if err == nil {
		// Patches published during the reload are in the served state but not in next, which
		// was built before them: next takes them again, as if they came right after the batch.
		for _, patch := range riders {
			if perr := patch(next); perr != nil {
				l.logger.Warn("a change made during a reload no longer applies after it", "err", perr)
			}
		}
	}
	if err != nil && len(kept) > 1 {
		half := len(kept) / 2
		l.applyBatch(kept[:half])
		l.applyBatch(kept[half:])
		return
	}
	reload := time.Since(started)
	if err == nil {
		err = l.Commit(ctx, prev, next)
	}
	if len(kept) > 1 {
		l.logger.Info("changes applied in one reload", "changes", len(kept), "reload", reload, "err", err)
	}
	for i, c := range kept {
		if err == nil {
			dones[i](reload)
			if c.Script != "" {
				// The upload's done records the reload's time in the new version, after the save.
				l.store.changedAfterSave(c.Script)
			}
		}
		c.result <- err
	}
}

// Waiting is the number of changes waiting for the next batch.
func (l *Ledger) Waiting() int {
	l.qmu.Lock()
	defer l.qmu.Unlock()
	return len(l.queue)
}
