// Package requestlog is the local Cloudflare's request log: one JSON line per API request in the
// state directory, rotated by size, written by an http middleware. It is a developer aid: it
// holds no header, query or body, so tokens and secrets never reach it.
package requestlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/lumier-dev/lumier/local/envelope"
)

// File is the request log's name in the state directory. It is rotated at maxSize bytes with
// keep older files (requests.log.1 is the newest of those).
const File = "requests.log"

const (
	maxSize = 4 << 20
	keep    = 2
	// errorBodyMax bounds how much of an error response is read back for its code.
	errorBodyMax = 64 << 10
)

// Record is one line of the request log. It holds no header, query or body: tokens and
// secrets never reach it.
type Record struct {
	// Time is when the request arrived.
	Time time.Time `json:"time"`
	// Method and Path are the request's (the path without its query).
	Method string `json:"method"`
	Path   string `json:"path"`
	// Status is the HTTP status answered.
	Status int `json:"status"`
	// DurationMs is how long the answer took.
	DurationMs float64 `json:"duration_ms"`
	// Code is the Cloudflare error code of a failed request; 0 on success.
	Code int `json:"code,omitempty"`
}

// String is the line `lumier local -log-requests` prints.
func (r Record) String() string {
	code := ""
	if r.Code != 0 {
		code = fmt.Sprintf(" code=%d", r.Code)
	}
	return fmt.Sprintf("%s %s -> %d%s (%.1fms)", r.Method, r.Path, r.Status, code, r.DurationMs)
}

// Log writes the request log and, if asked, echoes each record.
type Log struct {
	path string
	echo io.Writer

	mu   sync.Mutex
	f    *os.File
	size int64
}

// Open opens (appends to) the request log of state directory dir; echo, if not nil, also gets
// each record as a line.
func Open(dir string, echo io.Writer) (*Log, error) {
	l := &Log{path: filepath.Join(dir, File), echo: echo}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *Log) open() error {
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("opening the request log: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("opening the request log: %w", err)
	}
	l.f, l.size = f, fi.Size()
	return nil
}

// write appends one record, rotating first when the file is full. A failure to log never fails
// the request: it is reported once on the echo writer, if any.
func (l *Log) write(rec Record) {
	line, _ := json.Marshal(rec)
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.echo != nil {
		fmt.Fprintln(l.echo, rec.String())
	}
	if l.f == nil {
		return
	}
	if l.size+int64(len(line)) > maxSize {
		l.rotate()
		if l.f == nil {
			return
		}
	}
	n, _ := l.f.Write(line)
	l.size += int64(n)
}

// rotate shifts requests.log.N-1 to .N and the current file to .1, then starts a new one.
func (l *Log) rotate() {
	l.f.Close()
	l.f = nil
	// A missing older file is normal (the log has not rotated that often yet); any other failure
	// is reported, and logging goes on in a fresh file.
	for i := keep; i > 1; i-- {
		l.renameOld(fmt.Sprintf("%s.%d", l.path, i-1), fmt.Sprintf("%s.%d", l.path, i))
	}
	l.renameOld(l.path, l.path+".1")
	if err := l.open(); err != nil && l.echo != nil {
		fmt.Fprintf(l.echo, "lumier local: request log stopped: %v\n", err)
	}
}

// renameOld moves a rotated file one step along; a missing source is not an error.
func (l *Log) renameOld(from, to string) {
	if err := os.Rename(from, to); err != nil && !errors.Is(err, os.ErrNotExist) && l.echo != nil {
		fmt.Fprintf(l.echo, "lumier local: rotating the request log: %v\n", err)
	}
}

// Close closes the log's file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// recorder keeps what the log needs from a response: its status and, for errors, the start of
// its body.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

// Unwrap lets http.ResponseController reach the connection (a dropped-connection fault and a
// tail's WebSocket hijack it).
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *recorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.status >= 400 && w.body.Len() < errorBodyMax {
		w.body.Write(p[:min(len(p), errorBodyMax-w.body.Len())])
	}
	return w.ResponseWriter.Write(p)
}

// code is the first Cloudflare error code of the response, if it was an error envelope.
func (w *recorder) code() int {
	if w.status < 400 {
		return 0
	}
	var env struct {
		Errors []envelope.Message `json:"errors"`
	}
	if json.Unmarshal(w.body.Bytes(), &env) != nil || len(env.Errors) == 0 {
		return 0
	}
	return env.Errors[0].Code
}

// Middleware records every request that reaches next, whatever its outcome (including
// authentication failures and unknown paths). A nil log records nothing.
func (l *Log) Middleware(next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rw := &recorder{ResponseWriter: w}
		next.ServeHTTP(rw, r)
		if rw.status == 0 {
			rw.status = http.StatusOK
		}
		l.write(Record{
			Time: start.UTC(), Method: r.Method, Path: r.URL.Path, Status: rw.status,
			DurationMs: float64(time.Since(start).Microseconds()) / 1000, Code: rw.code(),
		})
	})
}
