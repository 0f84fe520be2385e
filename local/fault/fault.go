// Package fault injects faults into the local Cloudflare's API: rules that fail, delay or drop
// matching requests, so that clients' retry and error paths can be tested. It is a developer aid;
// a server without rules serves every request as is.
package fault

import (
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lumier-dev/lumier/local/envelope"
)

// Env is the environment variable `lumier local` reads fault rules from (see Parse).
const Env = "LUMIER_LOCAL_FAULTS"

// Rule makes matching API requests fail, or answer late, so that clients' retry and error paths
// can be tested against the local Cloudflare.
type Rule struct {
	// Method is an HTTP method, or "*" for any.
	Method string
	// Path is a path under /client/v4. A "*" segment matches one segment; a final "**" matches
	// whatever follows, including nothing.
	Path string
	// Status, when non-zero (400 to 599), is the error the request gets instead of its answer.
	Status int
	// Times is how many of the next matching requests the fault hits; 0 means every one.
	Times int
	// RetryAfter is the Retry-After header in seconds; a 429 without it gets 1.
	RetryAfter int
	// Delay is added before the request is answered (or failed).
	Delay time.Duration
	// Drop, instead of a Status, serves the request and then closes its connection without an
	// answer: the client cannot tell whether the request was acted on (it was).
	Drop bool
}

// String renders f in the syntax Parse reads.
func (f Rule) String() string {
	var b strings.Builder
	b.WriteString(f.Method + " " + f.Path + "=")
	switch {
	case f.Drop:
		b.WriteString(dropEffect)
	case f.Status != 0:
		b.WriteString(strconv.Itoa(f.Status))
	default:
		b.WriteString(f.Delay.String())
	}
	if f.Times > 0 {
		b.WriteString("x" + strconv.Itoa(f.Times))
	}
	if f.Status != 0 && f.RetryAfter > 0 {
		b.WriteString(":retry-after=" + strconv.Itoa(f.RetryAfter))
	}
	if f.Status != 0 && f.Delay > 0 {
		b.WriteString(":delay=" + f.Delay.String())
	}
	return b.String()
}

// Set is a set of fault rules, safe for concurrent use. A request is hit by the first rule
// that matches it and has hits left. Rules can be added while the server runs.
type Set struct {
	mu    sync.Mutex
	rules []*rule
}

type rule struct {
	Rule
	left int // hits left; -1: unlimited
}

// NewSet returns a set holding rules.
func NewSet(faults ...Rule) (*Set, error) {
	f := &Set{}
	for _, fault := range faults {
		if err := f.Add(fault); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// Parse reads fault rules, separated by ";" or newlines:
//
//	RULE     = METHOD " " PATH "=" EFFECT [ "x" COUNT ] { ":" OPTION }
//	EFFECT   = STATUS (400..599: fail with it) | DURATION (answer late, e.g. 250ms)
//	         | "drop" (serve the request, then close the connection without an answer)
//	OPTION   = "retry-after=" SECONDS | "delay=" DURATION
//
// METHOD is an HTTP method or "*". PATH is under /client/v4 (a leading /client/v4 is ignored);
// "*" matches one segment, a final "**" the rest. Without "x COUNT" the rule hits every matching
// request. Examples:
//
//	PUT /accounts/*/workers/scripts/*=429x1:retry-after=1   the next upload gets a 429
//	GET /accounts/*/workers/scripts=500x2                   the next two lists get a 500
//	* /**=200ms                                             every request answers 200 ms late
//	POST /accounts/*/storage/kv/namespaces=dropx1          the next namespace is created unanswered
func Parse(spec string) (*Set, error) {
	f := &Set{}
	for _, raw := range strings.FieldsFunc(spec, func(r rune) bool { return r == ';' || r == '\n' }) {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		fault, err := parseFault(raw)
		if err != nil {
			return nil, fmt.Errorf("fault rule %q: %w", raw, err)
		}
		if err := f.Add(fault); err != nil {
			return nil, fmt.Errorf("fault rule %q: %w", raw, err)
		}
	}
	return f, nil
}

// dropEffect is the effect that serves a request and closes its connection unanswered.
const dropEffect = "drop"

var effectCount = regexp.MustCompile(`^(.+?)(?:x(\d+))?$`)

func parseFault(raw string) (Rule, error) {
	var fault Rule
	lhs, rhs, ok := strings.Cut(raw, "=")
	if !ok {
		return fault, fmt.Errorf(`want "METHOD PATH=EFFECT", no "=" found`)
	}
	method, path, ok := strings.Cut(strings.TrimSpace(lhs), " ")
	if !ok {
		return fault, fmt.Errorf(`want "METHOD PATH" before "=", e.g. "PUT /accounts/*/workers/scripts/*"`)
	}
	fault.Method, fault.Path = strings.ToUpper(strings.TrimSpace(method)), strings.TrimSpace(path)

	parts := strings.Split(strings.TrimSpace(rhs), ":")
	m := effectCount.FindStringSubmatch(parts[0])
	if m == nil {
		return fault, fmt.Errorf("empty effect after \"=\"")
	}
	if m[2] != "" {
		n, err := strconv.Atoi(m[2])
		if err != nil || n < 1 {
			return fault, fmt.Errorf("count %q must be a positive number", m[2])
		}
		fault.Times = n
	}
	if m[1] == dropEffect {
		fault.Drop = true
	} else if status, err := strconv.Atoi(m[1]); err == nil {
		fault.Status = status
	} else if d, err := time.ParseDuration(m[1]); err == nil {
		fault.Delay = d
	} else {
		return fault, fmt.Errorf("effect %q is neither an HTTP status (400..599), a duration (250ms) nor \"drop\"", m[1])
	}
	for _, opt := range parts[1:] {
		key, value, _ := strings.Cut(opt, "=")
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "retry-after":
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 {
				return fault, fmt.Errorf("retry-after=%q must be whole seconds", value)
			}
			fault.RetryAfter = n
		case "delay":
			d, err := time.ParseDuration(value)
			if err != nil {
				return fault, fmt.Errorf("delay=%q: %w", value, err)
			}
			fault.Delay = d
		default:
			return fault, fmt.Errorf("unknown option %q (want retry-after=SECONDS or delay=DURATION)", key)
		}
	}
	return fault, nil
}

// Add adds a rule after the existing ones.
func (f *Set) Add(fault Rule) error {
	if fault.Method == "" {
		fault.Method = "*"
	}
	fault.Method = strings.ToUpper(fault.Method)
	fault.Path = "/" + strings.Trim(strings.TrimPrefix(fault.Path, "/client/v4"), "/")
	switch {
	case fault.Status != 0 && (fault.Status < 400 || fault.Status > 599):
		return fmt.Errorf("status %d: a fault fails with 400..599", fault.Status)
	case fault.Drop && fault.Status != 0:
		return fmt.Errorf("a fault either drops the connection or fails with a status, not both")
	case fault.Status == 0 && fault.Delay <= 0 && !fault.Drop:
		return fmt.Errorf("a fault needs a status, a delay or drop")
	case fault.Times < 0:
		return fmt.Errorf("times %d is negative", fault.Times)
	}
	if fault.Status == http.StatusTooManyRequests && fault.RetryAfter == 0 {
		fault.RetryAfter = 1
	}
	left := fault.Times
	if left == 0 {
		left = -1
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, &rule{Rule: fault, left: left})
	return nil
}

// String lists the rules that still have hits left.
func (f *Set) String() string {
	if f == nil {
		return ""
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.rules {
		if r.left != 0 {
			out = append(out, r.String())
		}
	}
	return strings.Join(out, "; ")
}

// take finds the rule that hits a request and uses up one of its hits.
func (f *Set) take(method, path string) (Rule, bool) {
	if f == nil {
		return Rule{}, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.rules {
		if r.left == 0 || (r.Method != "*" && r.Method != method) || !pathMatches(r.Path, path) {
			continue
		}
		if r.left > 0 {
			r.left--
		}
		return r.Rule, true
	}
	return Rule{}, false
}

// pathMatches matches a path under /client/v4 against a pattern with "*" and a final "**".
func pathMatches(pattern, path string) bool {
	ps := strings.Split(strings.Trim(pattern, "/"), "/")
	xs := strings.Split(strings.Trim(path, "/"), "/")
	for i, p := range ps {
		if p == "**" && i == len(ps)-1 {
			return true
		}
		if i >= len(xs) || (p != "*" && p != xs[i]) {
			return false
		}
	}
	return len(ps) == len(xs)
}

// Inject applies the rule that hits r, if any: it waits the rule's delay, then reports the
// error to answer with (nil when the rule only delays or drops), and whether to serve the
// request unanswered (see DropAfter). path is r's path under /client/v4; logger hears of each
// rule that hits.
func (f *Set) Inject(r *http.Request, path string, logger *slog.Logger) (drop bool, _ *envelope.Error) {
	fault, ok := f.take(r.Method, path)
	if !ok {
		return false, nil
	}
	if fault.Delay > 0 {
		t := time.NewTimer(fault.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	if fault.Drop {
		logger.Info("fault injected", "rule", fault.String(), "method", r.Method, "path", path)
		return true, nil
	}
	if fault.Status == 0 {
		return false, nil
	}
	var e *envelope.Error
	if fault.Status == http.StatusTooManyRequests {
		e = envelope.NewError(fault.Status, envelope.CodeRateLimited, "Please wait and consider throttling your request speed")
	} else {
		e = envelope.NewError(fault.Status, envelope.CodeInternal, "An unknown error has occurred")
	}
	if fault.RetryAfter > 0 {
		e.Header = http.Header{"Retry-After": {strconv.Itoa(fault.RetryAfter)}}
	}
	logger.Info("fault injected", "rule", fault.String(), "method", r.Method, "path", path)
	return false, e
}

// DropAfter serves r with h, its answer discarded, then closes the connection without writing
// anything: what a client sees when the API or a proxy goes away after acting on a request.
func DropAfter(w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	h(&discarded{header: http.Header{}}, r)
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// A connection that cannot be taken over (HTTP/2) is reset by panicking with ErrAbortHandler.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// discarded is a ResponseWriter that keeps nothing.
type discarded struct{ header http.Header }

func (d *discarded) Header() http.Header         { return d.header }
func (d *discarded) Write(p []byte) (int, error) { return len(p), nil }
func (d *discarded) WriteHeader(int)             {}
