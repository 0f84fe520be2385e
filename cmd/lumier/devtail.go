package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/internal/tail"
)

// tailRetry is the first wait before a lost tail is started again; it doubles up to
// tailRetryMax while the tail cannot be started.
const (
	tailRetry    = time.Second
	tailRetryMax = 30 * time.Second
)

// tailStopTimeout bounds deleting the tails on exit.
const tailStopTimeout = 5 * time.Second

// devTails follows the tail of every script of the stack through Cloudflare's tail API (the
// local Cloudflare's, or Cloudflare's) and prints each event's console output and uncaught
// exceptions under the script's name, stacks mapped to the sources.
type devTails struct {
	client *cfapi.Client
	out    io.Writer // shared with the loop's messages: a syncWriter

	mu        sync.Mutex
	following map[string]*followed // by script name
	mappers   map[string]*tail.Mapper
}

// followed is one script's tail being read.
type followed struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func newDevTails(client *cfapi.Client, out io.Writer) *devTails {
	return &devTails{client: client, out: out, following: map[string]*followed{}, mappers: map[string]*tail.Mapper{}}
}

// follow makes the followed scripts exactly scripts. A new script's tail is connected before
// follow returns, so that the first request after a deploy is shown.
func (t *devTails) follow(scripts []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for name, f := range t.following {
		if !slices.Contains(scripts, name) {
			f.cancel()
			delete(t.following, name)
		}
	}
	for _, name := range scripts {
		if _, ok := t.following[name]; ok {
			continue
		}
		ctx, cancel := context.WithCancel(context.Background())
		f := &followed{cancel: cancel, done: make(chan struct{})}
		t.following[name] = f
		conn, id, err := t.open(ctx, name)
		if err != nil {
			fmt.Fprintf(t.out, "lumier dev: %v; retrying\n", err)
		}
		go func() {
			defer close(f.done)
			t.read(ctx, name, conn, id)
		}()
	}
}

// open starts a tail of script and connects to it.
func (t *devTails) open(ctx context.Context, script string) (*tail.Conn, string, error) {
	started, err := t.client.Scripts.StartTail(ctx, script)
	if err != nil {
		return nil, "", err
	}
	c, err := tail.Dial(ctx, started.URL)
	if err != nil {
		return nil, started.ID, fmt.Errorf("script %s: %w", script, err)
	}
	return c, started.ID, nil
}

// read prints script's events until ctx ends, starting the tail again when it is lost, and
// deletes the tail it last started.
func (t *devTails) read(ctx context.Context, script string, conn *tail.Conn, id string) {
	defer func() {
		if id != "" {
			dctx, cancel := context.WithTimeout(context.Background(), tailStopTimeout)
			defer cancel()
			_ = t.client.Scripts.DeleteTail(dctx, script, id)
		}
	}()
	wait, said := tailRetry, false
	for {
		if conn != nil {
			wait, said = tailRetry, false
			err := conn.Read(ctx, t.print)
			if ctx.Err() != nil {
				return
			}
			fmt.Fprintf(t.out, "lumier dev: the tail of %s ended (%v); starting it again\n", script, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, tailRetryMax)
		var err error
		var next string
		conn, next, err = t.open(ctx, script)
		if next != "" {
			id = next
		}
		if err != nil && ctx.Err() == nil && wait == tailRetryMax && !said {
			// Said once the waits are long: the first failures are a restart's gap.
			said = true
			fmt.Fprintf(t.out, "lumier dev: %v; retrying every %s\n", err, tailRetryMax)
		}
	}
}

// print writes one event's lines in one write, so that events never interleave.
func (t *devTails) print(e tail.Event) {
	t.mu.Lock()
	m := t.mappers[e.ScriptName]
	t.mu.Unlock()
	var mapStack func(string) string
	if m != nil {
		mapStack = m.Map
	}
	if lines := tail.Lines(e, mapStack); len(lines) > 0 {
		fmt.Fprintln(t.out, strings.Join(lines, "\n"))
	}
}

// setMapper maps script's stacks with m from now on.
func (t *devTails) setMapper(script string, m *tail.Mapper) {
	t.mu.Lock()
	t.mappers[script] = m
	t.mu.Unlock()
}

// stop stops following every script and deletes their tails.
func (t *devTails) stop() {
	t.mu.Lock()
	all := t.following
	t.following = map[string]*followed{}
	t.mu.Unlock()
	for _, f := range all {
		f.cancel()
	}
	for _, f := range all {
		<-f.done
	}
}

// syncWriter serializes writes to w: the loop's messages and the tails' events share stdout.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
