//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/local"
	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

// cronSource is the counter whose scheduled() handler increments it; fetch reads it.
const cronSource = `import { env, DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
  async increment(): Promise<number> {
    const count = ((await this.ctx.storage.get<number>("count")) || 0) + 1;
    await this.ctx.storage.put("count", count);
    return count;
  }
  async getCount(): Promise<number> {
    return (await this.ctx.storage.get<number>("count")) || 0;
  }
}

function counter() {
  return env.COUNTER.get(env.COUNTER.idFromName("/"));
}

export default {
  async fetch(): Promise<Response> {
    return Response.json({ count: await counter().getCount() });
  },
  async scheduled(): Promise<void> {
    await counter().increment();
  },
};
`

// fireCron runs a script's scheduled() handler through the local Cloudflare's on-demand trigger.
func fireCron(t *testing.T, c *cloud, script, cron string) {
	t.Helper()
	u := "http://" + c.Addr() + "/__lumier/scripts/" + script + "/scheduled?cron=" + url.QueryEscape(cron)
	req, err := http.NewRequest(http.MethodPost, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("firing %q of %s: %v", cron, script, err)
	}
	defer resp.Body.Close()
	var body strings.Builder
	_, _ = io.Copy(&body, resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body.String(), `"outcome":"ok"`) {
		t.Fatalf("firing %q of %s: %d %s", cron, script, resp.StatusCode, body.String())
	}
}

// TestCronTriggerFiresScheduled: a Worker with a Cron Trigger deploys it; firing the trigger runs
// scheduled(), which counts in a Durable Object; a no-op up makes no API call, a changed cron is
// set without re-uploading the script, and a bad cron is refused at preview naming the field.
func TestCronTriggerFiresScheduled(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	p := newProject(t)
	entry := p.write("api", cronSource)
	program := func(crons ...string) pulumi.RunFunc {
		return app(lumier.RemovalRemove, func(ctx *lumier.Context) error {
			declareCounter(ctx, entry, lumier.DurableObjectOptions{ClassName: "Counter"})
			ctx.Worker("api", lumier.WorkerOptions{Crons: crons})
			return nil
		})
	}
	s := inlineStack(t, ctx, c, "life", "dev", program("*/5 * * * *"))
	workerURL := output(t, up(t, ctx, s).Outputs, "url")
	requireSchedules(t, c, "life-dev-api", "*/5 * * * *")

	requireCall(t, http.MethodGet, workerURL, "", 200, `{"count":0}`)
	fireCron(t, c, "life-dev-api", "*/5 * * * *")
	requireCall(t, http.MethodGet, workerURL, "", 200, `{"count":1}`)
	fireCron(t, c, "life-dev-api", "*/5 * * * *")
	requireCall(t, http.MethodGet, workerURL, "", 200, `{"count":2}`)

	requireNoop(t, ctx, c, s)
	requireNoDrift(t, ctx, c, s)

	// A new cron is set alone: no upload, one schedules call.
	setProgram(s, program("0 9 * * MON-FRI"))
	c.ResetCalls()
	up(t, ctx, s)
	if calls := c.Calls(); calls[local.CallUpload] != 0 || calls[local.CallSetSchedules] != 1 {
		t.Fatalf("changing the cron: want no upload and one schedules call, got %v", calls)
	}
	requireSchedules(t, c, "life-dev-api", "0 9 * * MON-FRI")
	fireCron(t, c, "life-dev-api", "0 9 * * MON-FRI")
	requireCall(t, http.MethodGet, workerURL, "", 200, `{"count":3}`)

	setProgram(s, program("0 9 * * MON-FRI", "0 25 * * *"))
	out, err := preview(t, ctx, s)
	if err == nil {
		t.Fatalf("preview with a bad cron succeeded:\n%s", out)
	}
	requireContains(t, out, `cron "0 25 * * *": hour field "25": 25 is out of range 0-23`)
}

// requireSchedules reads a script's Cron Triggers through the API, as any client would.
func requireSchedules(t *testing.T, c *cloud, script string, want ...string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet,
		c.URL()+"/accounts/"+accountID+"/workers/scripts/"+script+"/schedules", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("reading schedules of %s: %v", script, err)
	}
	defer resp.Body.Close()
	var body struct {
		Result struct {
			Schedules []struct {
				Cron string `json:"cron"`
			} `json:"schedules"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("reading schedules of %s: %v", script, err)
	}
	var got []string
	for _, s := range body.Result.Schedules {
		got = append(got, s.Cron)
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("schedules of %s: got %q, want %q", script, got, want)
	}
}
