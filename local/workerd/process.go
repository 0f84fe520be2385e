package workerd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"sync/atomic"
	"time"
)

// startTimeout bounds how long a workerd may take to bind its sockets. It starts in well under a
// second; the margin is for loaded CI machines.
const startTimeout = 20 * time.Second

// process is one running workerd.
type process struct {
	cmd     *exec.Cmd
	cfg     *config
	started time.Time
	ready   time.Time      // when every socket listened
	ports   map[string]int // socket (= script) name to bound port, set once ready
	stderr  *output

	done    chan struct{} // closed once the process has exited and its output is drained
	waitErr error         // exit status, valid after done

	// stopping is set before we signal the process ourselves, so its exit is not taken for a crash.
	stopping atomic.Bool
}

// controlEvent is one JSON line workerd writes on the control fd.
type controlEvent struct {
	Event  string `json:"event"`
	Socket string `json:"socket"`
	Port   int    `json:"port"`
}

// waiting is a workerd process that has done what comes before reading its config (loading a
// 160 MB binary: `workerd --version` alone takes 30 to 50 ms) and is blocked reading the config
// from stdin; run gives it one. spare.go starts them ahead of need.
type waiting struct {
	p       *process
	config  *os.File // write end of workerd's stdin
	control *os.File // read end of workerd's control fd
	errPipe *stderrPipe
}

// spawn starts workerd with the flags a config needs, reading its config from stdin.
func spawn(binary, dir string, experimental bool, logger *slog.Logger) (*waiting, error) {
	// The config names 127.0.0.1:0 for every socket (see socket); it is the only listen address.
	args := []string{"serve", "--binary", "-", "--control-fd", "3"}
	if experimental {
		args = append(args, "--experimental")
	}
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("creating workerd config pipe: %w", err)
	}
	ctlR, ctlW, err := os.Pipe()
	if err != nil {
		closeAll(stdinR, stdinW)
		return nil, fmt.Errorf("creating workerd control pipe: %w", err)
	}
	// stderr is a pipe of our own rather than exec's, so that we can write a marker into it
	// (see stderrPipe).
	errPipe, err := newStderrPipe()
	if err != nil {
		closeAll(stdinR, stdinW, ctlR, ctlW)
		return nil, err
	}

	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Stdin = stdinR
	cmd.ExtraFiles = []*os.File{ctlW} // fd 3 in the child
	cmd.SysProcAttr = sysProcAttr()
	stdout := newOutput(logger, slog.LevelInfo, "stdout", false)
	stderr := newOutput(logger, slog.LevelWarn, "stderr", true)
	cmd.Stdout, cmd.Stderr = stdout, errPipe.w
	// Bounds Wait should anything else hold workerd's output pipes open after it exits.
	cmd.WaitDelay = 2 * time.Second

	if err := cmd.Start(); err != nil {
		closeAll(stdinR, stdinW, ctlR, ctlW)
		errPipe.abort()
		return nil, fmt.Errorf("starting workerd %s: %w", binary, err)
	}
	// The child has its copies: EOF on ctlR now means the child is gone.
	closeAll(stdinR, ctlW)
	go errPipe.copyTo(stderr)
	p := &process{cmd: cmd, started: time.Now(), stderr: stderr, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		stdout.flush()
		errPipe.finish(cmd.WaitDelay) // complete the stderr tail before done
		stderr.flush()
		close(p.done)
	}()
	return &waiting{p: p, config: stdinW, control: ctlR, errPipe: errPipe}, nil
}

func closeAll(files ...*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// run hands cfg to the waiting workerd and waits until every socket has reported its port. If
// workerd exits first, the error is a *ConfigError with workerd's message. On any error the
// process is gone when run returns.
func (w *waiting) run(ctx context.Context, cfg *config) (*process, error) {
	p, errPipe, stderr := w.p, w.errPipe, w.p.stderr
	p.cfg = cfg
	if !p.exited() {
		p.started = time.Now()
	}
	// A config larger than the pipe's buffer blocks until workerd reads it, and workerd may exit
	// instead; the write then fails with EPIPE, and the exit below tells why.
	go func() {
		defer w.config.Close()
		_, _ = w.config.Write(cfg.binary)
	}()

	ready := make(chan map[string]int, 1)
	go readControl(w.control, cfg.sockets, ready)

	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case ports := <-ready:
		p.ports, p.ready = ports, time.Now()
		if len(cfg.keys) == 0 {
			errPipe.release()
			return p, nil
		}
		// workerd still starts when a namespace names a class the Worker does not export; it
		// only warns, before it listens. Cloudflare refuses such an upload, so we do too.
		errPipe.sync(stderr, syncTimeout)
		if hasMissingClass(stderr.lines()) {
			p.kill()
			return nil, &ConfigError{Message: summarize(stderr.lines())}
		}
		errPipe.release()
		return p, nil
	case <-p.done:
		msg := summarize(stderr.lines())
		if msg == "" {
			msg = fmt.Sprintf("workerd exited during startup (%v) without a message", p.waitErr)
		}
		return nil, &ConfigError{Message: msg}
	case <-timer.C:
		p.kill()
		return nil, fmt.Errorf("workerd did not listen on all %d sockets within %s: %s",
			len(cfg.sockets), startTimeout, summarize(stderr.lines()))
	case <-ctx.Done():
		p.kill()
		return nil, fmt.Errorf("starting workerd: %w", ctx.Err())
	}
}

// discard stops a waiting workerd that will get no config.
func (w *waiting) discard() {
	w.p.kill() // before closing stdin, which workerd would read as an empty config and complain
	w.config.Close()
	w.control.Close()
	w.errPipe.release()
}

// readControl reads workerd's control messages and sends the ports once every socket in want
// has reported; it never sends if the pipe closes first. It reads until workerd exits, so that
// workerd never writes a control message into a closed pipe.
func readControl(r *os.File, want []string, ready chan<- map[string]int) {
	defer r.Close()
	ports := map[string]int{}
	sent := len(want) == 0
	if sent {
		ready <- map[string]int{}
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var ev controlEvent
		if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Event != "listen" {
			continue
		}
		ports[ev.Socket] = ev.Port
		if !sent && allReported(ports, want) {
			sent = true
			ready <- maps.Clone(ports) // ports keeps changing should workerd report more
		}
	}
}

func allReported(ports map[string]int, want []string) bool {
	for _, name := range want {
		if _, ok := ports[name]; !ok {
			return false
		}
	}
	return true
}

// stop asks workerd to exit and waits. SIGTERM makes workerd stop accepting and finish in-flight
// requests; an open WebSocket would hold it forever, hence SIGKILL after grace.
func (p *process) stop(grace time.Duration) {
	p.stopping.Store(true)
	if p.exited() {
		return
	}
	if err := signalGroup(p.cmd.Process, terminateSignal); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.kill()
		return
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		p.kill()
	}
}

// kill ends the process at once and waits for it.
func (p *process) kill() {
	p.stopping.Store(true)
	if !p.exited() {
		_ = signalGroup(p.cmd.Process, os.Kill)
	}
	<-p.done
}

// exited reports whether the process is gone. Signalling checks it first: once reaped, the
// process group id could belong to someone else.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// addrs maps each script to the address serving it.
func (p *process) addrs() map[string]string {
	m := make(map[string]string, len(p.ports))
	for name, port := range p.ports {
		m[name] = fmt.Sprintf("127.0.0.1:%d", port)
	}
	return m
}
