//go:build e2e

package e2e

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// BenchmarkDevSaveToAnswer measures `lumier dev` on the YAML counter: from saving a one-line
// change of the Worker to the first answer carrying it (the watch noticing the save, `up`
// through the engine, the upload and workerd's reload). The figures are printed, not asserted.
// Run it with `make bench`.
func BenchmarkDevSaveToAnswer(b *testing.B) {
	c := startCloud(b)
	bin := buildLumier(b)
	project := devProject(b)
	entry := filepath.Join(project, "..", "counter", "src", "index.ts")
	editFile(b, entry, "return Response.json({ count });", "return Response.json({ count, v: 0 });")

	dev := startDev(b, bin, project, c.env(b.TempDir()))
	subs, at := dev.waitFor(b, 0, devURL)
	url := subs[1] + "/bench"
	watching := regexp.MustCompile(`lumier dev: watching \d+ files`)
	_, at = dev.waitFor(b, at, watching)

	var times []time.Duration
	v := 0
	for b.Loop() {
		want := fmt.Sprintf(`"v":%d`, v+1)
		start := time.Now()
		editFile(b, entry, fmt.Sprintf("v: %d }", v), fmt.Sprintf("v: %d }", v+1))
		v++
		for {
			if _, body, _ := call(b, "GET", url, ""); strings.Contains(body, want) {
				break
			}
			if time.Since(start) > devHangGuard {
				b.Fatalf("no answer with %s within the hang guard; lumier dev printed:\n%s", want, dev.out.String()[at:])
			}
			time.Sleep(5 * time.Millisecond)
		}
		times = append(times, time.Since(start))
		b.StopTimer()
		_, at = dev.waitFor(b, at, watching) // idle again before the next save
		b.StartTimer()
	}
	b.ReportMetric(mean(times).Seconds(), "save-to-answer-s")
	fmt.Printf("lumier dev, counter Worker (YAML program), %d saves of a one-line change:\n"+
		"  save to first answer with the change: %s mean (runs %s)\n", len(times), mean(times).Round(time.Millisecond), durations(times))
}
