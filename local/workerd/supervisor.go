package workerd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// How long a stopped workerd may take to finish in-flight requests before it is killed. SIGTERM
// makes workerd drain, but an open WebSocket holds it indefinitely, so each stop is bounded.
const (
	// swapGrace applies when the old process must be gone before the new one opens the same
	// Durable Object files: every moment of it is downtime, so it is short. Cloudflare, too,
	// resets Durable Objects and their WebSockets on deploy.
	swapGrace = 500 * time.Millisecond
	// drainGrace applies to a process retired while its successor already serves.
	drainGrace = 2 * time.Second
	// handoverDelay is how long a retired process keeps accepting after Addr switched away from
	// it: a caller that read the old address just before the switch still connects. (After
	// SIGTERM workerd stops accepting; a connection then waiting in the listen backlog is reset.)
	handoverDelay = 100 * time.Millisecond
	// closeGrace applies on Close.
	closeGrace = time.Second
)

// ErrClosed is returned by Apply after Close.
var ErrClosed = errors.New("workerd supervisor is closed")

// Options configures a Supervisor.
type Options struct {
	// Binary is the workerd executable; empty means FindBinary, looked up on the first Apply.
	Binary string
	// Dir holds the generated configs and the Durable Object data (under Dir/storage), which
	// survives reloads, restarts and new Supervisors on the same Dir.
	Dir string
	// Logger receives workerd's output (stdout at Info, stderr at Warn) and the supervisor's own
	// events; nil means slog.Default().
	Logger *slog.Logger
}

// Supervisor runs one workerd process serving the current set of scripts. It is safe for
// concurrent use.
type Supervisor struct {
	binary string
	dir    string
	log    *slog.Logger

	// op serializes everything that replaces the process: Apply, crash restarts, Close.
	op sync.Mutex
	// Guarded by op.
	closed  bool
	good    *generation // last config that started; crash restarts run it again
	epoch   uint64      // bumped by every successful Apply; a pending crash restart then gives up
	crashes int         // consecutive crash restart attempts
	// retiring are replaced processes still draining in the background (see retire).
	retiring []*process

	// mu guards cur and addrs. A swap that stops the old process before starting the new one
	// holds it for writing, so that Addr waits briefly for the new address rather than hand out
	// a dead one.
	mu    sync.RWMutex
	cur   *process
	addrs map[string]string

	closing chan struct{} // closed by Close; cuts restart backoff short
	watches sync.WaitGroup
}

// generation is one config written to disk.
type generation struct {
	dir string
	cfg *config
}

// NewSupervisor returns a Supervisor that runs nothing until the first Apply.
func NewSupervisor(opts Options) *Supervisor {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	dir := opts.Dir
	if abs, err := filepath.Abs(dir); err == nil && dir != "" {
		dir = abs // the storage path goes into the config, which workerd reads from its own cwd
	}
	return &Supervisor{
		binary:  opts.Binary,
		dir:     dir,
		log:     logger.With("component", "workerd"),
		closing: make(chan struct{}),
	}
}

func (s *Supervisor) storageDir() string { return filepath.Join(s.dir, "storage") }
func (s *Supervisor) genDir() string     { return filepath.Join(s.dir, "gen") }

// Addr returns the address ("127.0.0.1:port") serving script right now. The port changes with
// every reload and restart, so callers should ask for each connection. During a reload that
// must stop the old process first, Addr waits for the new one (typically ~100 ms).
func (s *Supervisor) Addr(script string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	addr, ok := s.addrs[script]
	return addr, ok
}

// Apply makes workerd serve exactly scripts, starting it or reloading it. If the new set does
// not start, Apply returns the reason (a *ConfigError carrying workerd's message when workerd
// refused it) and the previous set keeps serving.
//
// Reload scheme: two workerd processes must never open the same Durable Object files. Measured
// with workerd 1.20261117.1: a second process on the same storage starts without complaint and
// both serve the same object, so its single-instance guarantee is gone; under concurrent
// increments from both, 113 of 200 requests failed with "database is locked: SQLITE_BUSY". So a new
// config that hosts any class is first validated in a throwaway process against scratch storage,
// which surfaces every startup error and workerd's missing-class warning while the old process
// keeps serving. Then:
//   - if the old process holds none of the new config's storage, the new process starts with the
//     real storage next to the old one and takes over with no downtime; the old one drains in
//     the background;
//   - otherwise the old process is stopped first (bounded by swapGrace) and the new one started,
//     a gap of about one workerd startup. If that start still fails, the old config is started
//     again.
func (s *Supervisor) Apply(ctx context.Context, scripts []Script) error {
	s.op.Lock()
	defer s.op.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.dir == "" {
		return errors.New("workerd: Options.Dir is required: it holds configs and Durable Object data")
	}
	if s.binary == "" {
		bin, err := FindBinary()
		if err != nil {
			return err
		}
		s.binary = bin
	}
	if len(scripts) == 0 {
		s.stopCurrent(swapGrace)
		s.good = nil
		s.epoch++
		s.cleanGenerations("")
		return nil
	}
	cfg, err := buildConfig(scripts, s.storageDir())
	if err != nil {
		return fmt.Errorf("generating workerd config: %w", err)
	}
	if len(cfg.keys) > 0 {
		if err := os.MkdirAll(s.storageDir(), 0o700); err != nil {
			return fmt.Errorf("creating Durable Object storage: %w", err)
		}
	}
	dir, err := writeGeneration(s.genDir(), cfg)
	if err != nil {
		return err
	}
	next := &generation{dir: dir, cfg: cfg}
	if err := s.validate(ctx, next); err != nil {
		os.RemoveAll(dir)
		return err
	}
	s.settleRetiring(cfg)
	s.mu.RLock()
	old := s.cur
	s.mu.RUnlock()
	if old != nil && sharesStorage(old.cfg, cfg) {
		err = s.replaceStopFirst(ctx, old, next)
	} else {
		err = s.replaceOverlapping(ctx, old, next)
	}
	if err != nil {
		os.RemoveAll(dir)
		return err
	}
	s.epoch++ // supersedes any pending crash restart of the previous config
	s.crashes = 0
	s.cleanGenerations(dir)
	return nil
}

// validate starts gen once against scratch storage and stops it again. It is skipped for a
// config without Durable Object classes: starting that config for real touches no shared files
// and is the same test.
func (s *Supervisor) validate(ctx context.Context, gen *generation) error {
	if len(gen.cfg.keys) == 0 {
		return nil
	}
	scratch, err := os.MkdirTemp(gen.dir, "scratch-storage-")
	if err != nil {
		return fmt.Errorf("creating scratch storage: %w", err)
	}
	defer os.RemoveAll(scratch)
	p, err := startWorkerd(ctx, s.launch(gen, scratch, true))
	if err != nil {
		return fmt.Errorf("validating workerd config: %w", err)
	}
	// Killing is fine: the storage is scratch. The output is complete once the process is gone.
	p.kill()
	if lines := p.stderr.lines(); hasMissingClass(lines) {
		return fmt.Errorf("validating workerd config: %w", &ConfigError{Message: summarize(lines)})
	}
	return nil
}

// replaceOverlapping starts next while old (if any) keeps serving, switches to it, and retires old.
func (s *Supervisor) replaceOverlapping(ctx context.Context, old *process, next *generation) error {
	start := time.Now()
	p, err := startWorkerd(ctx, s.launch(next, "", false))
	if err != nil {
		return fmt.Errorf("starting workerd: %w", err)
	}
	s.mu.Lock()
	s.setCurrent(p, next)
	s.mu.Unlock()
	s.log.Info("workerd serving", "pid", p.cmd.Process.Pid, "scripts", len(next.cfg.sockets), "startup", time.Since(start))
	if old != nil {
		s.retire(old)
	}
	return nil
}

// replaceStopFirst stops old, then starts next; Addr callers wait meanwhile. The start is not
// cancelled with ctx: once old is gone, leaving nothing running would be worse than finishing.
func (s *Supervisor) replaceStopFirst(ctx context.Context, old *process, next *generation) error {
	ctx = context.WithoutCancel(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	start := time.Now()
	old.stop(swapGrace)
	p, err := startWorkerd(ctx, s.launch(next, "", false))
	if err == nil {
		s.setCurrent(p, next)
		s.log.Info("workerd serving", "pid", p.cmd.Process.Pid, "scripts", len(next.cfg.sockets), "swap", time.Since(start))
		return nil
	}
	err = fmt.Errorf("starting workerd: %w", err)
	back, backErr := startWorkerd(ctx, s.launch(s.good, "", false))
	if backErr != nil {
		s.setCurrent(nil, s.good)
		s.log.Error("restarting the previous workerd config failed", "err", backErr)
		return errors.Join(err, fmt.Errorf("restarting previous workerd config: %w", backErr))
	}
	s.setCurrent(back, s.good)
	return err
}

// setCurrent makes p the serving process of gen (p may be nil: nothing serves). Callers hold
// op and mu.
func (s *Supervisor) setCurrent(p *process, gen *generation) {
	s.cur = p
	s.addrs = nil
	s.good = gen
	if p == nil {
		return
	}
	s.addrs = p.addrs()
	s.watches.Add(1)
	go s.watch(p)
}

// stopCurrent stops the serving process, if any. Callers hold op.
func (s *Supervisor) stopCurrent(grace time.Duration) {
	s.mu.Lock()
	p := s.cur
	s.cur, s.addrs = nil, nil
	s.mu.Unlock()
	if p != nil {
		p.stop(grace)
	}
}

// launch describes a process running gen.
func (s *Supervisor) launch(gen *generation, storage string, validation bool) launch {
	return launch{binary: s.binary, dir: gen.dir, cfg: gen.cfg, storage: storage, logger: s.log, validation: validation}
}

// cleanGenerations removes every config directory but keep. Failing is harmless (stale files),
// so it is only logged.
func (s *Supervisor) cleanGenerations(keep string) {
	if err := removeGenerationsExcept(s.genDir(), keep); err != nil {
		s.log.Warn("cleaning old workerd configs", "err", err)
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

// Close stops workerd and every restart attempt, and removes the generated configs (Durable
// Object data stays). Once Close returns, no process started by s is running.
func (s *Supervisor) Close() error {
	s.op.Lock()
	if s.closed {
		s.op.Unlock()
		return nil
	}
	s.closed = true
	close(s.closing)
	s.stopCurrent(closeGrace)
	s.stopRetiring()
	s.op.Unlock()
	s.watches.Wait()
	if err := removeGenerationsExcept(s.genDir(), ""); err != nil {
		return fmt.Errorf("closing workerd supervisor: %w", err)
	}
	return nil
}
