//go:build e2e

package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lumier-dev/lumier/examples/counter/stack"
	"github.com/lumier-dev/lumier/local"
	"github.com/lumier-dev/lumier/local/requestlog"
)

// TestRequestLogShowsUp: the local Cloudflare's request log holds every API call of a real
// `pulumi up` (as many lines as calls, the upload among them), and never the token.
func TestRequestLogShowsUp(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	dir := copyExample(t, "counter")
	t.Chdir(dir)
	s := inlineStack(t, ctx, c, "counter", "dev", stack.Config.RunFunc())
	up(t, ctx, s)

	calls := 0
	for _, n := range c.Calls() {
		calls += n
	}
	var recs []requestlog.Record
	for { // a record is written just after its response is sent: wait for the last ones
		recs = readRequestLog(t, c.RequestLogPath())
		if len(recs) >= calls {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("request log has %d records for %d API calls (%v)", len(recs), calls, c.Calls())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if calls == 0 || len(recs) != calls {
		t.Fatalf("request log has %d records for %d API calls (%v)", len(recs), calls, c.Calls())
	}
	uploads := 0
	for _, r := range recs {
		if r.Method == "PUT" && strings.HasSuffix(r.Path, "/workers/scripts/my-app-dev-api") && r.Status == 200 {
			uploads++
		}
		if r.Status == 0 || r.Path == "" {
			t.Fatalf("incomplete record %+v", r)
		}
	}
	if uploads != c.Calls()[local.CallUpload] || uploads == 0 {
		t.Fatalf("request log shows %d successful uploads, the server counted %d", uploads, c.Calls()[local.CallUpload])
	}
	raw, err := os.ReadFile(c.RequestLogPath())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), token) {
		t.Fatal("the request log holds the API token")
	}
}

func readRequestLog(t testing.TB, path string) []requestlog.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("request log: %v", err)
	}
	defer f.Close()
	var out []requestlog.Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r requestlog.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("request log line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}
