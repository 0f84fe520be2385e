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
func (s *Supervisor) watch(p *process) {
	defer s.watches.Done()
	<-p.done
	if p.stopping.Load() {
		return
	}
	s.log.Error("workerd exited unexpectedly; restarting it",
		"pid", p.cmd.Process.Pid, "err", p.waitErr, "uptime", time.Since(p.started).Round(time.Millisecond),
		"stderr", strings.Join(p.stderr.lines(), "\n"))
	s.restart(p)
}

// restart runs the last good config again after dead crashed, with backoff, until it starts,
// an Apply or Close supersedes it, or maxRestarts attempts have failed.
func (s *Supervisor) restart(dead *process) {
	s.op.Lock()
	s.mu.RLock()
	current := s.cur == dead
	s.mu.RUnlock()
	if s.closed || !current {
		s.op.Unlock()
		return
	}
	s.mu.Lock()
	s.cur, s.addrs = nil, nil // Addr reports nothing rather than a dead port
	s.mu.Unlock()
	if time.Since(dead.started) >= stableUptime {
		s.crashes = 0
	}
	epoch, gen := s.epoch, s.good
	s.op.Unlock()

	for {
		s.op.Lock()
		s.crashes++
		attempt := s.crashes
		s.op.Unlock()
		if attempt > maxRestarts {
			s.log.Error("workerd keeps exiting; gave up restarting it until the next Apply", "attempts", maxRestarts)
			return
		}
		select {
		case <-s.closing:
			return
		case <-time.After(backoff(attempt)):
		}
		if s.tryRestart(epoch, gen, attempt) {
			return
		}
	}
}

// tryRestart makes one restart attempt; it reports whether restarting is over (success, or the
// config was superseded).
func (s *Supervisor) tryRestart(epoch uint64, gen *generation, attempt int) bool {
	s.op.Lock()
	defer s.op.Unlock()
	s.mu.RLock()
	serving := s.cur != nil
	s.mu.RUnlock()
	if s.closed || s.epoch != epoch || serving {
		return true
	}
	p, err := startWorkerd(context.Background(), s.launch(gen, "", false))
	if err != nil {
		s.log.Error("restarting workerd failed", "attempt", attempt, "err", err)
		return false
	}
	s.mu.Lock()
	s.setCurrent(p, gen)
	s.mu.Unlock()
	s.log.Info("workerd restarted", "pid", p.cmd.Process.Pid, "attempt", attempt)
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
