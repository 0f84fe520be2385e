// Package calls counts the local Cloudflare's API calls by kind, for tests and benchmarks that
// check how many calls a client made. It is a developer aid; kinds are the server's to name.
package calls

import (
	"maps"
	"sync"
)

// Counter counts API calls by kind. The zero value is ready to use.
type Counter struct {
	mu sync.Mutex
	n  map[string]int
}

// Add counts one call of kind.
func (c *Counter) Add(kind string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[kind]++
}

// Snapshot is a copy of the counts, by kind.
func (c *Counter) Snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := maps.Clone(c.n)
	if out == nil {
		out = map[string]int{}
	}
	return out
}

// Sum is the number of calls of the kinds that match.
func (c *Counter) Sum(match func(kind string) bool) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	total := 0
	for kind, n := range c.n {
		if match(kind) {
			total += n
		}
	}
	return total
}

// Reset sets every count back to zero.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n = nil
}
