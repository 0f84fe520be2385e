package workerd

import (
	"context"
	"strings"
	"time"
)

// Crash restart policy: quick first retries, exponential backoff, and a bound so a config that
// crashes workerd over and over does not spin forever.
const (
	maxRestarts    = 8
	restartBackoff = 100 * time.Millisecond
	maxBackoff     = 5 * time.Second
	// stableUptime is how long a restarted process must live for its crash to count as a new
	// incident rather than the next attempt of the same one.
	stableUptime = time.Minute
)

// watch waits for p to exit and, unless we stopped it, restarts the last good config.
func (sh *shard) watch(p *process) {
	defer sh.sup.watches.Done()
	<-p.done
	if p.stopping.Load() {
		return
	}
	sh.sup.log.Error("workerd exited unexpectedly; restarting it", "shard", sh.name,
		"pid", p.cmd.Process.Pid, "err", p.waitErr, "uptime", time.Since(p.started).Round(time.Millisecond),
		"stderr", strings.Join(p.stderr.lines(), "\n"))
	sh.restart(p)
}

// restart runs the last good config again after dead crashed, with backoff, until it starts,
// an Apply or Close supersedes it, or maxRestarts attempts have failed.
func (sh *shard) restart(dead *process) {
	sh.op.Lock()
	sh.mu.RLock()
	current := sh.cur == dead
	sh.mu.RUnlock()
	if sh.stopped || !current {
		sh.op.Unlock()
		return
	}
	sh.mu.Lock()
	sh.cur, sh.addrs = nil, nil // Addr reports nothing rather than a dead port
	sh.mu.Unlock()
	if time.Since(dead.started) >= stableUptime {
		sh.crashes = 0
	}
	epoch, gen := sh.epoch, sh.good
	sh.op.Unlock()

	for {
		sh.op.Lock()
		sh.crashes++
		attempt := sh.crashes
		sh.op.Unlock()
		if attempt > maxRestarts {
			sh.sup.log.Error("workerd keeps exiting; gave up restarting it until the next Apply", "shard", sh.name, "attempts", maxRestarts)
			return
		}
		select {
		case <-sh.sup.closing:
			return
		case <-time.After(backoff(attempt)):
		}
		if sh.tryRestart(epoch, gen, attempt) {
			return
		}
	}
}

// tryRestart makes one restart attempt; it reports whether restarting is over (success, or the
// config was superseded).
func (sh *shard) tryRestart(epoch uint64, gen *generation, attempt int) bool {
	sh.op.Lock()
	defer sh.op.Unlock()
	sh.mu.RLock()
	serving := sh.cur != nil
	sh.mu.RUnlock()
	if sh.stopped || sh.epoch != epoch || serving {
		return true
	}
	p, err := sh.sup.start(context.Background(), gen)
	if err != nil {
		sh.sup.log.Error("restarting workerd failed", "shard", sh.name, "attempt", attempt, "err", err)
		return false
	}
	sh.mu.Lock()
	sh.setCurrent(p, gen)
	sh.mu.Unlock()
	sh.sup.log.Info("workerd restarted", "shard", sh.name, "pid", p.cmd.Process.Pid, "attempt", attempt)
	return true
}

// backoff is the wait before restart attempt n (1-based).
func backoff(n int) time.Duration {
	d := restartBackoff
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}
