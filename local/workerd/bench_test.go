package workerd

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// benchScripts are the two reload paths: a script hosting a Durable Object (the new process
// starts next to the old one, which exits before the new one serves) and a stateless one (the
// new process takes over at once).
func benchScripts(tb testing.TB) map[string]Script {
	return map[string]Script{
		"durable-object": runnableCounter(tb, "api"),
		"stateless": {
			Name:              "api",
			Modules:           []Module{{Name: "index.js", Content: []byte(`export default { fetch() { return new Response("ok") } };`)}},
			CompatibilityDate: "2025-11-17",
		},
	}
}

func milliseconds(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// version returns script with its code changed by a comment, so that Apply reloads it.
func version(script Script, n int) Script {
	script.Modules = slices.Clone(script.Modules)
	script.Modules[0].Content = fmt.Appendf(slices.Clip(script.Modules[0].Content), "\n// version %d\n", n)
	return script
}

// BenchmarkReload measures Apply of a changed script on a running supervisor (ms/reload), the
// time from that Apply's start to the script's first answer (ms/reload-to-answer: a Durable
// Object's old process exits after Apply returns, and the first request waits for it), and the
// first Apply, which starts workerd (ms/first-apply).
func BenchmarkReload(b *testing.B) {
	for name, script := range benchScripts(b) {
		b.Run(name, func(b *testing.B) {
			s := newTestSupervisor(b, b.TempDir())
			start := time.Now()
			require.NoError(b, s.apply(b, script))
			first := time.Since(start)
			ctx := context.Background()
			var reload, answer time.Duration
			n := 0
			b.ResetTimer()
			for b.Loop() {
				n++
				start := time.Now()
				require.NoError(b, s.Apply(ctx, []Script{version(script, n)}))
				reload += time.Since(start)
				status, _ := s.call(b, "api", http.MethodPost, "/bench")
				require.Equal(b, http.StatusOK, status)
				answer += time.Since(start)
			}
			b.ReportMetric(milliseconds(reload)/float64(n), "ms/reload")
			b.ReportMetric(milliseconds(answer)/float64(n), "ms/reload-to-answer")
			b.ReportMetric(milliseconds(first), "ms/first-apply")
			b.ReportMetric(0, "ns/op") // the metrics above are the result
		})
	}
}

// BenchmarkReloadDowntime measures what a client polling the script sees during reloads: the
// longest time between two successful answers (max-gap-ms) and the requests that failed.
func BenchmarkReloadDowntime(b *testing.B) {
	for name, script := range benchScripts(b) {
		b.Run(name, func(b *testing.B) {
			s := newTestSupervisor(b, b.TempDir())
			require.NoError(b, s.apply(b, script))
			client := &http.Client{Timeout: 5 * time.Second}
			var (
				mu       sync.Mutex
				maxGap   time.Duration
				failures int
				done     = make(chan struct{})
				wg       sync.WaitGroup
			)
			wg.Add(1)
			go func() {
				defer wg.Done()
				last := time.Now()
				for {
					select {
					case <-done:
						return
					default:
					}
					ok := false
					if addr, found := s.Addr("api"); found {
						if resp, err := client.Get("http://" + addr + "/probe"); err == nil {
							ok = resp.StatusCode == http.StatusOK
							resp.Body.Close()
						}
					}
					mu.Lock()
					if ok {
						maxGap = max(maxGap, time.Since(last))
						last = time.Now()
					} else {
						failures++
					}
					mu.Unlock()
				}
			}()
			ctx := context.Background()
			n := 0
			b.ResetTimer()
			for b.Loop() {
				n++
				require.NoError(b, s.Apply(ctx, []Script{version(script, n)}))
				time.Sleep(20 * time.Millisecond) // let the probe see the new process
			}
			close(done)
			wg.Wait()
			b.ReportMetric(milliseconds(maxGap), "max-gap-ms")
			b.ReportMetric(float64(failures)/float64(b.N), "failed-requests/reload")
		})
	}
}
