package local

import (
	"fmt"
	"maps"
	"net/http"
	"testing"
	"time"
)

// BenchmarkUploadToFirstAnswer measures, per upload of a new version: the time from sending the
// PUT until the Worker's URL answers (upload-to-answer), and within it workerd's reload as the
// server reports it (startup_time_ms: config generation and the new process's start).
// "durable-object" is the Counter (a SQLite class: the new process starts next to the old
// one, and the old one exits before the new one meets a request, a wait that follows the answer
// to the upload); "plain" hosts no class (the new process takes over at once).
func BenchmarkUploadToFirstAnswer(b *testing.B) {
	for _, c := range []struct {
		name string
		md   map[string]any
		src  func(n int) module
	}{
		{"durable-object", counterMeta("", "v1"), func(n int) module {
			m := workerModule(b, "counter.js")
			m.Src += fmt.Sprintf("\n// build %d\n", n)
			return m
		}},
		{"plain", meta(nil), func(n int) module {
			return module{Name: "index.js", Src: fmt.Sprintf(`export default { fetch() { return new Response("build %d") } }`, n)}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := startServer(b, b.TempDir(), Options{})
			mustUpload(b, s, "bench", c.md, c.src(0))
			url := enableWorkersDev(b, s, "bench")
			md := maps.Clone(c.md)
			delete(md, "migrations") // later versions keep the tag

			var reload, total time.Duration
			b.ResetTimer()
			for i := 1; i <= b.N; i++ {
				start := time.Now()
				res := mustUpload(b, s, "bench", md, c.src(i))
				res2, err := http.Post(url+"/bench", "text/plain", nil)
				if err != nil || res2.StatusCode != http.StatusOK {
					b.Fatalf("first answer after upload %d: %v %v", i, err, res2)
				}
				res2.Body.Close()
				total += time.Since(start)
				reload += time.Duration(res.StartupTimeMs) * time.Millisecond
			}
			b.StopTimer()
			b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "upload-to-answer-ms")
			b.ReportMetric(float64(reload.Milliseconds())/float64(b.N), "workerd-reload-ms")
			b.ReportMetric(0, "ns/op") // the two metrics above are the result
		})
	}
}
