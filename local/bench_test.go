package local

import (
	"fmt"
	"maps"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/lumier-dev/lumier/internal/benchsize"
	"github.com/lumier-dev/lumier/local/account"
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

// uploadScaleSizes are the account sizes BenchmarkUploadAtScale measures: LUMIER_BENCH_UPLOADS
// ("10,100") or 10, 100 and 1,000 scripts.
func uploadScaleSizes(tb testing.TB) []int {
	sizes, err := benchsize.FromEnv("LUMIER_BENCH_UPLOADS", []int{10, 100, 1000})
	if err != nil {
		tb.Fatal(err)
	}
	return sizes
}

// BenchmarkUploadAtScale measures a new script's upload on an account that already holds N
// scripts, each hosting the Counter (the shape of BenchmarkWorkersScale's stack), averaged over
// 10 uploads one after the other: the reload as the server reports it (startup_time_ms: the
// workerd config of the changed shard and its new process), the upload's wall time, and the CPU
// time of this process (the API server) per upload, which grows with N wherever a change does
// work for the whole account. The N scripts are uploaded first, 20 at a time.
func BenchmarkUploadAtScale(b *testing.B) {
	const measured = 10
	code := workerModule(b, "counter.js")
	// The tests' check that no change modifies the served state encodes the whole account on
	// every change: whole-account work per upload, which is what this benchmark looks for.
	account.VerifySharing = false
	defer func() { account.VerifySharing = true }()
	for _, n := range uploadScaleSizes(b) {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				s := startServer(b, b.TempDir(), Options{})
				fill := make(chan int)
				var wg sync.WaitGroup
				for range 20 {
					wg.Go(func() {
						for i := range fill {
							mustUpload(b, s, fmt.Sprintf("fill-%04d", i), counterMeta("", "v1"), code)
						}
					})
				}
				for i := range n {
					fill <- i
				}
				close(fill)
				wg.Wait()
				b.StartTimer()
				var reload, total time.Duration
				cpu := processCPU()
				for i := range measured {
					start := time.Now()
					res := mustUpload(b, s, fmt.Sprintf("new-%02d", i), counterMeta("", "v1"), code)
					total += time.Since(start)
					reload += time.Duration(res.StartupTimeMs) * time.Millisecond
				}
				cpu = processCPU() - cpu
				b.ReportMetric(float64(reload.Milliseconds())/measured, "reload-ms/upload")
				b.ReportMetric(float64(total.Milliseconds())/measured, "ms/upload")
				b.ReportMetric(float64(cpu.Microseconds())/1000/measured, "server-cpu-ms/upload")
			}
			b.ReportMetric(0, "ns/op")
		})
	}
}
