package workerd

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
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

// shardSize is how many scripts a shard takes before scripts new to the supervisor go to a
// new shard. A reload restarts one shard's process, so its cost grows with the shard's scripts,
// not with all of them; a workerd process costs about 50 MB even with one script, so shards are
// not single scripts. Scripts tied by bindings share a shard whatever its size.
const shardSize = 10

// Supervisor runs the current set of scripts on workerd, split into shards: one workerd process
// per shard (see Apply). It is safe for concurrent use.
type Supervisor struct {
	binary string
	dir    string
	log    *slog.Logger

	// op serializes Apply and Close.
	op sync.Mutex
	// Guarded by op.
	closed    bool
	shards    []*shard // in creation order
	nextShard int
	cleaned   bool // the configs an earlier run left behind are gone
	// configsBuilt counts the shard configs Apply built (the unchanged shards' are not).
	configsBuilt int

	// imu guards index: the shard serving each script.
	imu   sync.RWMutex
	index map[string]*shard

	spares spares // workerd processes waiting for a config

	closing chan struct{} // closed by Close; cuts restart backoff short
	watches sync.WaitGroup
}

// generation is one config written to disk.
type generation struct {
	dir string
	cfg *config
	// proc is the process prepare started on it, until swap makes it the shard's serving one.
	proc *process
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
	s := &Supervisor{
		binary:  opts.Binary,
		dir:     dir,
		log:     logger.With("component", "workerd"),
		closing: make(chan struct{}),
	}
	s.spares.sup = s
	return s
}

func (s *Supervisor) storageDir() string { return filepath.Join(s.dir, "storage") }
func (s *Supervisor) genDir() string     { return filepath.Join(s.dir, "gen") }

// Addr returns the address ("127.0.0.1:port") serving script right now. The port changes with
// every reload and restart of the script's shard, so callers should ask for each connection.
// During a reload that must stop the old process first, Addr waits for the new one (typically
// ~100 ms).
func (s *Supervisor) Addr(script string) (string, bool) {
	s.imu.RLock()
	sh := s.index[script]
	s.imu.RUnlock()
	if sh == nil {
		return "", false
	}
	return sh.addr(script)
}

// Apply makes workerd serve exactly scripts, starting, reloading or stopping processes. If the
// new set does not start, Apply returns the reason (a *ConfigError carrying workerd's message
// when workerd refused it, joined with the others when several shards failed) and the previous
// set keeps serving.
//
// Shards: the scripts are split into shards, each served by its own workerd process, so that a
// change reloads only the shards whose scripts changed, and those in parallel; the others keep
// running untouched. Scripts tied by a binding to another script are in one shard (workerd
// resolves bindings within a process); a script stays in its shard across Applies; scripts new
// to the supervisor fill the newest shard with room (shardSize), else a new one. When a new
// binding ties scripts of two shards, the shards merge.
//
// Reload scheme, per shard: every changed shard's new config is first started in a new workerd
// process next to the serving one, and only once every new process listens is any shard
// switched; a start that fails (workerd's message, or its warning about a namespace whose class
// is not exported) leaves everything as it was. Two processes must never run the same Durable
// Object. Measured with workerd 1.20261117.1: a second process on the same storage starts without
// complaint and both serve the same object, so its single-instance guarantee is gone; under
// concurrent increments from both, 113 of 200 requests failed with "database is locked:
// SQLITE_BUSY". But starting opens only each namespace's alarm index (metadata.sqlite, which
// SQLite shares between processes); an object's own database opens when a request or an alarm
// first reaches it. So the new process meets no request before the switch:
//   - if the shard's old process holds none of the new config's storage, Addr switches to the
//     new process at once (no downtime) and the old one drains in the background;
//   - otherwise the old process is stopped (bounded by swapGrace) while Addr waits, then Addr
//     switches: the gap is the old process's exit, not a workerd startup. Apply returns without
//     waiting for that exit; Addr and the shard's next change do wait for it.
//
// What remains: an alarm that falls due while both processes run (about one workerd startup)
// can fire in both, two instances of that object for that moment. Cloudflare runs an alarm at
// least once, but never in two instances; this is the one departure left.
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
	if !s.cleaned {
		if err := removeGenerationsExcept(s.genDir(), ""); err != nil {
			s.log.Warn("cleaning old workerd configs", "err", err)
		}
		s.cleaned = true
	}
	live, emptied := s.plan(scripts)

	type work struct {
		sh    *shard
		cfg   *config
		start bool
		gen   *generation
	}
	var works []*work
	for _, p := range live {
		// A shard whose scripts are all as it runs them is left alone without building its
		// config: a change costs the changed shards' configs, not the whole account's.
		fingerprints, err := digests(p.scripts)
		if err != nil {
			return fmt.Errorf("generating workerd config: %w", err)
		}
		if p.sh.runs(p.scripts, fingerprints) {
			continue
		}
		cfg, err := buildConfig(p.scripts, s.storageDir())
		if err != nil {
			return fmt.Errorf("generating workerd config: %w", err)
		}
		s.configsBuilt++
		if p.sh.serves(cfg) {
			continue
		}
		if len(cfg.keys) > 0 {
			if err := os.MkdirAll(s.storageDir(), 0o700); err != nil {
				return fmt.Errorf("creating Durable Object storage: %w", err)
			}
		}
		works = append(works, &work{sh: p.sh, cfg: cfg, start: p.sh.validates(cfg)})
	}

	errs := parallel(works, func(w *work) (err error) {
		w.gen, err = w.sh.prepare(ctx, w.cfg, w.start)
		return err
	})
	if err := errors.Join(errs...); err != nil {
		for _, w := range works {
			if w.gen != nil {
				w.gen.discard()
			}
		}
		return err
	}

	s.shards = s.shards[:0]
	index := make(map[string]*shard, len(scripts))
	for _, p := range live {
		s.shards = append(s.shards, p.sh)
		for _, script := range p.scripts {
			index[script.Name] = p.sh
		}
	}
	s.imu.Lock()
	s.index = index
	s.imu.Unlock()
	// Emptied shards go first: a merged shard opens the storage its absorbed shards held.
	parallel(emptied, func(sh *shard) error { sh.stop(swapGrace); return nil })
	errs = parallel(works, func(w *work) error {
		if !w.start && w.sh.narrow(w.gen) {
			return nil
		}
		return w.sh.swap(ctx, w.gen)
	})
	if err := errors.Join(errs...); err != nil {
		s.reindex() // a failed shard serves its previous scripts
		return err
	}
	return nil
}

// shardPlan is one shard and the scripts it is to serve.
type shardPlan struct {
	sh      *shard
	scripts []Script
}

// plan assigns scripts to shards (see Apply): the shards to serve them, and the current shards
// left with no script. Callers hold op.
func (s *Supervisor) plan(scripts []Script) (live []shardPlan, emptied []*shard) {
	// Scripts tied by a binding (Binding.Scripts) form one component.
	// The maps are sized up front: plan runs on every change, over every script.
	names := make(map[string]bool, len(scripts))
	for _, sc := range scripts {
		names[sc.Name] = true
	}
	comps := newUnion[string](len(scripts))
	for _, sc := range scripts {
		comps.find(sc.Name)
		for _, b := range sc.Bindings {
			for _, other := range b.Scripts {
				if names[other] {
					comps.union(sc.Name, other)
				}
			}
		}
	}
	members := make(map[string][]Script, len(scripts))
	roots := make([]string, 0, len(scripts))
	for _, sc := range scripts {
		r := comps.find(sc.Name)
		if _, ok := members[r]; !ok {
			roots = append(roots, r)
		}
		members[r] = append(members[r], sc)
	}

	// A component keeps the shard its scripts are in; shards a component spans merge into the
	// oldest of them.
	s.imu.RLock()
	current := s.index
	s.imu.RUnlock()
	order := make(map[*shard]int, len(s.shards))
	for i, sh := range s.shards {
		order[sh] = i
	}
	merged := newUnion[*shard](len(s.shards))
	owners := make(map[string][]*shard, len(roots))
	for _, r := range roots {
		for _, sc := range members[r] {
			if sh := current[sc.Name]; sh != nil && !slices.Contains(owners[r], sh) {
				owners[r] = append(owners[r], sh)
			}
		}
		for _, sh := range owners[r][min(1, len(owners[r])):] {
			a, b := merged.find(owners[r][0]), merged.find(sh)
			if order[b] < order[a] {
				a, b = b, a
			}
			merged.union(a, b)
		}
	}
	assigned := make(map[*shard][]Script, len(s.shards)+1)
	shards := slices.Clone(s.shards)
	var fresh []string
	for _, r := range roots {
		if len(owners[r]) == 0 {
			fresh = append(fresh, r)
			continue
		}
		sh := merged.find(owners[r][0])
		assigned[sh] = append(assigned[sh], members[r]...)
	}
	// New components fill the newest shard with room, else a new shard.
	for _, r := range fresh {
		var target *shard
		for i := len(shards) - 1; i >= 0; i-- {
			sh := shards[i]
			if merged.find(sh) == sh && len(assigned[sh])+len(members[r]) <= shardSize {
				target = sh
				break
			}
		}
		if target == nil {
			target = s.newShard()
			shards = append(shards, target)
		}
		assigned[target] = append(assigned[target], members[r]...)
	}
	for _, sh := range shards {
		if len(assigned[sh]) == 0 {
			if slices.Contains(s.shards, sh) {
				emptied = append(emptied, sh)
			}
			continue
		}
		live = append(live, shardPlan{sh: sh, scripts: assigned[sh]})
	}
	return live, emptied
}

// newShard makes a shard with a name no other shard of this supervisor had. Callers hold op.
func (s *Supervisor) newShard() *shard {
	s.nextShard++
	return &shard{sup: s, name: "shard-" + strconv.Itoa(s.nextShard)}
}

// reindex points every script at the shard actually serving it, after a failed swap left a
// shard on its previous config. Callers hold op.
func (s *Supervisor) reindex() {
	index := map[string]*shard{}
	for _, sh := range s.shards {
		sh.op.Lock()
		if sh.good != nil {
			for _, name := range sh.good.cfg.sockets {
				index[name] = sh
			}
		}
		sh.op.Unlock()
	}
	s.imu.Lock()
	s.index = index
	s.imu.Unlock()
}

// runs reports whether the shard runs exactly scripts now (fingerprints are their digests), so
// that Apply can leave it alone without building its config.
func (sh *shard) runs(scripts []Script, fingerprints map[string][sha256.Size]byte) bool {
	sh.op.Lock()
	defer sh.op.Unlock()
	sh.mu.RLock()
	running := sh.cur != nil
	sh.mu.RUnlock()
	return running && sh.good != nil && len(scripts) == len(sh.good.cfg.digests) && maps.Equal(sh.good.cfg.digests, fingerprints)
}

// serves reports whether the shard runs exactly cfg now, so that Apply can leave it alone.
func (sh *shard) serves(cfg *config) bool {
	sh.op.Lock()
	defer sh.op.Unlock()
	sh.mu.RLock()
	running := sh.cur != nil
	sh.mu.RUnlock()
	return running && sh.good != nil && sameConfig(sh.good.cfg, cfg)
}

// sameConfig reports whether a and b are the same config, module files included.
func sameConfig(a, b *config) bool {
	if string(a.text) != string(b.text) || len(a.files) != len(b.files) {
		return false
	}
	for name, content := range a.files {
		other, ok := b.files[name]
		if !ok || string(other) != string(content) {
			return false
		}
	}
	return true
}

// parallel runs f on every item, at most one per CPU at a time (workerd's startup is CPU-bound),
// and returns the errors.
func parallel[T any](items []T, f func(T) error) []error {
	errs := make([]error, len(items))
	sem := make(chan struct{}, max(2, runtime.NumCPU()))
	var wg sync.WaitGroup
	for i, item := range items {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = f(item)
		})
	}
	wg.Wait()
	return errs
}

// union is a union-find over comparable values.
type union[T comparable] struct{ parent map[T]T }

func newUnion[T comparable](size int) *union[T] { return &union[T]{parent: make(map[T]T, size)} }

func (u *union[T]) find(x T) T {
	p, ok := u.parent[x]
	if !ok {
		u.parent[x] = x
		return x
	}
	if p == x {
		return x
	}
	r := u.find(p)
	u.parent[x] = r
	return r
}

// union joins b's set into a's: a's root stays the root.
func (u *union[T]) union(a, b T) {
	ra, rb := u.find(a), u.find(b)
	if ra != rb {
		u.parent[rb] = ra
	}
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
	s.spares.close()
	parallel(s.shards, func(sh *shard) error { sh.stop(closeGrace); return nil })
	s.shards = nil
	s.imu.Lock()
	s.index = nil
	s.imu.Unlock()
	s.op.Unlock()
	s.watches.Wait()
	if err := removeGenerationsExcept(s.genDir(), ""); err != nil {
		return fmt.Errorf("closing workerd supervisor: %w", err)
	}
	return nil
}
