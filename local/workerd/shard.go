package workerd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// shard is one workerd process and the scripts it serves. Scripts tied by a binding (a Durable
// Object binding naming another script) are always in the same shard: workerd resolves such a
// binding only within one process.
type shard struct {
	sup  *Supervisor
	name string // names the shard's config directory (gen/<name>/) and its log lines

	// op serializes everything that replaces this shard's process: Apply's swap, crash
	// restarts, stopping the shard.
	op sync.Mutex
	// Guarded by op.
	stopped bool        // the shard was emptied or the supervisor closed: nothing restarts it
	good    *generation // last config that started; crash restarts run it again
	epoch   uint64      // bumped by every successful swap; a pending crash restart then gives up
	crashes int         // consecutive crash restart attempts
	// retiring are replaced processes still draining in the background (see retire).
	retiring []*process

	// mu guards cur and addrs. A swap that stops the old process before starting the new one
	// holds it for writing, so that Addr waits briefly for the new address rather than hand out
	// a dead one.
	mu    sync.RWMutex
	cur   *process
	addrs map[string]string
}

func (sh *shard) genDir() string { return filepath.Join(sh.sup.genDir(), sh.name) }

// addr returns the address serving script in this shard right now.
func (sh *shard) addr(script string) (string, bool) {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	addr, ok := sh.addrs[script]
	return addr, ok
}

// prepare writes cfg as a new generation of the shard and, if start is set, starts workerd on
// it next to the serving process, with the real Durable Object storage but nothing routed to it
// yet (see Supervisor.Apply). A start that fails leaves the shard as it was.
func (sh *shard) prepare(ctx context.Context, cfg *config, start bool) (*generation, error) {
	dir, err := writeGeneration(sh.genDir(), cfg)
	if err != nil {
		return nil, err
	}
	next := &generation{dir: dir, cfg: cfg}
	if !start {
		return next, nil
	}
	p, err := sh.sup.start(ctx, next)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting workerd: %w", err)
	}
	next.proc = p
	return next, nil
}

// discard undoes prepare for a generation that will not serve: another shard's start failed.
func (g *generation) discard() {
	if g.proc != nil {
		g.proc.kill()
		g.proc = nil
	}
	os.RemoveAll(g.dir)
}

// swap makes next (prepared) the shard's serving config. See Supervisor.Apply for the scheme.
func (sh *shard) swap(ctx context.Context, next *generation) error {
	sh.op.Lock()
	sh.stopped = false
	sh.settleRetiring(next.cfg)
	sh.mu.RLock()
	old := sh.cur
	sh.mu.RUnlock()
	if next.proc != nil {
		sh.committed(next)
		sh.takeOver(old, next) // releases op
		return nil
	}
	defer sh.op.Unlock()
	var err error
	if old != nil && sharesStorage(old.cfg, next.cfg) {
		err = sh.replaceStopFirst(ctx, old, next)
	} else {
		err = sh.replaceOverlapping(ctx, old, next)
	}
	if err != nil {
		os.RemoveAll(next.dir)
		return err
	}
	sh.committed(next)
	return nil
}

// committed records that next is the shard's config from now on. Callers hold op.
func (sh *shard) committed(next *generation) {
	sh.epoch++ // supersedes any pending crash restart of the previous config
	sh.crashes = 0
	sh.cleanGenerations(next.dir)
}

// takeOver routes the shard's scripts to the process prepare started for next, which cannot
// fail any more. Callers hold op; takeOver releases it once next serves.
//
// When old holds storage that next opens, old must be gone before next meets a request: Addr
// waits meanwhile (mu), and so does the shard's next operation (op), but the caller does not:
// the old process's exit, the scripts' only gap, overlaps whatever the caller does next
// (answering the upload). Otherwise Addr switches at once and old drains in the background.
func (sh *shard) takeOver(old *process, next *generation) {
	p := next.proc
	next.proc = nil // from now on it is the shard's, stopped and restarted as cur
	sh.mu.Lock()
	if old == nil || !sharesStorage(old.cfg, next.cfg) {
		sh.setCurrent(p, next)
		sh.mu.Unlock()
		sh.logServing(p, next, 0)
		if old != nil {
			sh.retire(old)
		}
		sh.op.Unlock()
		return
	}
	sh.sup.watches.Add(1) // Close waits for it (through op, and watches)
	go func() {
		defer sh.sup.watches.Done()
		start := time.Now()
		old.stop(swapGrace)
		sh.setCurrent(p, next)
		sh.mu.Unlock()
		sh.op.Unlock()
		sh.logServing(p, next, time.Since(start))
	}()
}

func (sh *shard) logServing(p *process, gen *generation, gap time.Duration) {
	sh.sup.log.Info("workerd serving", "shard", sh.name, "pid", p.cmd.Process.Pid, "scripts", len(gen.cfg.sockets),
		"startup", p.ready.Sub(p.started), "gap", gap)
}

// validates reports whether cfg must be tried in a new process (prepare) before it replaces
// the shard's config. A config whose every script is one the shard already runs, unchanged,
// started once already (it is the running config minus scripts, as when scripts are deleted):
// narrow applies it without a new process. If narrow cannot and its start fails anyway, swap
// brings the previous config back.
func (sh *shard) validates(cfg *config) bool {
	sh.op.Lock()
	defer sh.op.Unlock()
	if sh.good == nil {
		return true
	}
	for name, d := range cfg.digests {
		if old, ok := sh.good.cfg.digests[name]; !ok || old != d {
			return true
		}
	}
	return false
}

// narrow makes next, a config that only drops scripts from the shard's running one (validates
// is false), the shard's config without restarting workerd, and reports whether it did: the
// dropped scripts lose their addresses at once, so nothing reaches them, while the process keeps
// serving the others with no gap. The process sheds the dropped scripts at the shard's next
// reload (or crash restart, which runs next); until then it holds their code in memory. A
// deleted script's Durable Object storage is removed by the caller, so nothing of it survives
// that reload. A shard with no process running (a crash restart pending) is swapped instead.
func (sh *shard) narrow(next *generation) bool {
	sh.op.Lock()
	defer sh.op.Unlock()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.cur == nil {
		return false
	}
	addrs := make(map[string]string, len(next.cfg.sockets))
	for _, name := range next.cfg.sockets {
		if addr, ok := sh.addrs[name]; ok {
			addrs[name] = addr
		}
	}
	sh.addrs = addrs
	sh.good = next
	sh.sup.log.Info("workerd serving", "shard", sh.name, "pid", sh.cur.cmd.Process.Pid, "scripts", len(next.cfg.sockets),
		"swap", "none: scripts removed only")
	return true
}

// replaceOverlapping starts next while old (if any) keeps serving, switches to it, and retires
// old. It serves swaps whose process prepare did not start (a narrowed config after a crash).
func (sh *shard) replaceOverlapping(ctx context.Context, old *process, next *generation) error {
	start := time.Now()
	p, err := sh.sup.start(ctx, next)
	if err != nil {
		return fmt.Errorf("starting workerd: %w", err)
	}
	sh.mu.Lock()
	sh.setCurrent(p, next)
	sh.mu.Unlock()
	sh.sup.log.Info("workerd serving", "shard", sh.name, "pid", p.cmd.Process.Pid, "scripts", len(next.cfg.sockets), "startup", time.Since(start))
	if old != nil {
		sh.retire(old)
	}
	return nil
}

// replaceStopFirst stops old, then starts next; Addr callers wait meanwhile. It serves swaps
// whose process prepare did not start. The start is not cancelled with ctx: once old is gone,
// leaving nothing running would be worse than finishing.
func (sh *shard) replaceStopFirst(ctx context.Context, old *process, next *generation) error {
	ctx = context.WithoutCancel(ctx)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	start := time.Now()
	old.stop(swapGrace)
	p, err := sh.sup.start(ctx, next)
	if err == nil {
		sh.setCurrent(p, next)
		sh.sup.log.Info("workerd serving", "shard", sh.name, "pid", p.cmd.Process.Pid, "scripts", len(next.cfg.sockets), "swap", time.Since(start))
		return nil
	}
	err = fmt.Errorf("starting workerd: %w", err)
	back, backErr := sh.sup.start(ctx, sh.good)
	if backErr != nil {
		sh.setCurrent(nil, sh.good)
		sh.sup.log.Error("restarting the previous workerd config failed", "shard", sh.name, "err", backErr)
		return errors.Join(err, fmt.Errorf("restarting previous workerd config: %w", backErr))
	}
	sh.setCurrent(back, sh.good)
	return err
}

// setCurrent makes p the serving process of gen (p may be nil: nothing serves). Callers hold
// op and mu.
func (sh *shard) setCurrent(p *process, gen *generation) {
	sh.cur = p
	sh.addrs = nil
	sh.good = gen
	if p == nil {
		return
	}
	sh.addrs = p.addrs()
	sh.sup.watches.Add(1)
	go sh.watch(p)
}

// stop stops the shard's process and its retired ones and removes its configs; nothing restarts
// it until its next swap.
func (sh *shard) stop(grace time.Duration) {
	sh.op.Lock()
	defer sh.op.Unlock()
	sh.stopped = true
	sh.good = nil
	sh.epoch++
	sh.mu.Lock()
	p := sh.cur
	sh.cur, sh.addrs = nil, nil
	sh.mu.Unlock()
	if p != nil {
		p.stop(grace)
	}
	sh.stopRetiring(grace)
	sh.cleanGenerations("")
}

// cleanGenerations removes every config directory of the shard but keep. Failing is harmless
// (stale files), so it is only logged.
func (sh *shard) cleanGenerations(keep string) {
	if err := removeGenerationsExcept(sh.genDir(), keep); err != nil {
		sh.sup.log.Warn("cleaning old workerd configs", "shard", sh.name, "err", err)
	}
	if keep == "" {
		os.Remove(sh.genDir())
	}
}

// sharesStorage reports whether processes running a and b would open the same Durable Object files.
func sharesStorage(a, b *config) bool {
	for _, k := range b.keys {
		if slices.Contains(a.keys, k) {
			return true
		}
	}
	return false
}
