package cfapi_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lumier-dev/lumier/internal/assets"
	"github.com/lumier-dev/lumier/internal/cfapi"
)

// BenchmarkAssetsManifest measures a Worker's static assets of 1,000, 5,000 and 20,000 files
// against the local Cloudflare: scanning the directory into its manifest (hashing every file),
// registering the manifest in an upload session, and sending every file to a Cloudflare that has
// none of them. Each step should grow linearly with the files; it prints the table.
func BenchmarkAssetsManifest(b *testing.B) {
	sizes := []int{1_000, 5_000, 20_000}
	rows := map[int]string{} // the last run of each size
	for _, n := range sizes {
		b.Run(fmt.Sprintf("files=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			for i := range n {
				name := filepath.Join(dir, fmt.Sprintf("d%02d", i%50), fmt.Sprintf("f%05d.txt", i))
				if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
					b.Fatal(err)
				}
				if err := os.WriteFile(name, []byte(fmt.Sprintf("asset %d\n", i)), 0o644); err != nil {
					b.Fatal(err)
				}
			}
			limits := assets.Limits{MaxFiles: assets.MaxFilesPaid, MaxFileSize: assets.MaxFileSize, Plan: "paid"}
			var scan, session, upload time.Duration
			for i := 0; i < b.N; i++ {
				_, c, _ := startAssetsCloud(b)
				// Sending 20,000 files takes minutes; the test's minute is for one call.
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
				defer cancel()
				start := time.Now()
				m, err := assets.Scan(dir, limits)
				if err != nil {
					b.Fatal(err)
				}
				manifest := map[string]cfapi.AssetEntry{}
				for path, e := range m.Entries() {
					manifest[path] = cfapi.AssetEntry{Hash: e.Hash, Size: e.Size}
				}
				scan += time.Since(start)

				start = time.Now()
				if _, err := c.Assets.UploadSession(ctx, "bench", manifest); err != nil {
					b.Fatal(err)
				}
				session += time.Since(start)

				start = time.Now()
				_, sent, err := c.Assets.Sync(ctx, "bench", manifest, func(hash string) (cfapi.AssetContent, error) {
					f, ok := m.ByHash(hash)
					if !ok {
						return cfapi.AssetContent{}, fmt.Errorf("no file has hash %s", hash)
					}
					content, err := f.Read()
					return cfapi.AssetContent{Content: content, ContentType: f.ContentType}, err
				})
				if err != nil {
					b.Fatal(err)
				}
				if sent != n {
					b.Fatalf("sent %d files, want %d", sent, n)
				}
				upload += time.Since(start)
			}
			per := func(d time.Duration) float64 { return float64(d.Milliseconds()) / float64(b.N) }
			b.ReportMetric(per(scan), "scan-ms")
			b.ReportMetric(per(session), "session-ms")
			b.ReportMetric(per(upload), "upload-ms")
			b.ReportMetric(0, "ns/op") // the metrics above are the result
			rows[n] = fmt.Sprintf("| %6d | %8.0f | %10.0f | %9.0f |", n, per(scan), per(session), per(upload))
		})
	}
	fmt.Println("| files  | scan ms  | session ms | upload ms |")
	fmt.Println("|--------|----------|------------|-----------|")
	for _, n := range sizes {
		fmt.Println(rows[n])
	}
}
