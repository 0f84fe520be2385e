//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

// queueEntry is a Worker made of examples/app's queue area alone: its routes and its consumer.
func queueEntry(t *testing.T, p *project) string {
	t.Helper()
	area, err := filepath.Abs(filepath.Join(repoRoot, "examples", "app", "src", "queue.ts"))
	if err != nil {
		t.Fatal(err)
	}
	return p.write("api", fmt.Sprintf(`import { queue, consume } from %q;

export default {
  async fetch(request: Request, env: any): Promise<Response> {
    return (await queue(request, env, new URL(request.url).pathname)) ??
      Response.json({ error: "not found" }, { status: 404 });
  },
  async queue(batch: MessageBatch<any>, env: any): Promise<void> {
    await consume(batch, env);
  },
};
`, area))
}

// queueProgram is app "qa": queues "jobs" and "jobs-dlq", bound as JOBS and JOBS_DLQ, consumed
// by Worker "api" (jobs with the given consumer settings and the dead-letter queue), which
// records what it processed in the KV namespace "cache".
func queueProgram(entry string, jobs lumier.Consumer) pulumi.RunFunc {
	return lumier.Config{
		App: func(lumier.AppContext) lumier.AppConfig {
			return lumier.AppConfig{Name: "qa", Removal: lumier.RemovalRemove}
		},
		Run: func(ctx *lumier.Context) error {
			cache := ctx.KvNamespace("cache")
			q := ctx.Queue("jobs")
			dlq := ctx.Queue("jobs-dlq")
			jobs.Queue, jobs.DeadLetter = q, dlq
			api := ctx.Worker("api", lumier.WorkerOptions{
				Entry:     entry,
				Bindings:  lumier.Bindings{"CACHE": cache, "JOBS": q, "JOBS_DLQ": dlq},
				Consumers: []lumier.Consumer{jobs, {Queue: dlq}},
			})
			ctx.Export("url", api.URL())
			ctx.Export("jobs", q.QueueName())
			return nil
		},
	}.RunFunc()
}

// deliverQueue delivers a queue's waiting messages now, through the local Cloudflare's endpoint.
func deliverQueue(t *testing.T, c *cloud, queue string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+c.Addr()+"/__lumier/queues/"+queue+"/deliver", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("delivering %s: %v", queue, err)
	}
	defer resp.Body.Close()
	var body struct {
		Success bool           `json:"success"`
		Result  map[string]any `json:"result"`
		Errors  []any          `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || !body.Success {
		t.Fatalf("delivering %s: %d %v %v", queue, resp.StatusCode, body.Errors, err)
	}
	return body.Result
}

// requireJob asserts what the consumer recorded for job id.
func requireJob(t *testing.T, url, id string, processed int, dead bool) {
	t.Helper()
	requireCall(t, http.MethodGet, url+"/queue/jobs/"+id, "", 200,
		fmt.Sprintf(`{"id":%q,"processed":%d,"dead":%t}`, id, processed, dead))
}

// restartCloud stops c and starts a local Cloudflare at the same address on the same state
// directory, as `lumier local` restarted would be.
func restartCloud(t *testing.T, c *cloud) {
	t.Helper()
	if err := restartAfter(t, c, 0); err != nil {
		t.Fatalf("restarting the local Cloudflare: %v", err)
	}
}

// TestQueueConsumedOnceRetriedToDeadLetterAndKeptAcrossRestart: a Worker sends jobs to a Queue
// through its binding and consumes them in queue(): each succeeding job is processed exactly
// once; a job whose consumer throws is delivered 1 + maxRetries times, then lands in the
// dead-letter queue (whose consumer records it); a no-op up makes no API call and a refresh finds
// no drift (bindings, consumers and queues read back as declared); messages not yet
// delivered survive a restart of the local Cloudflare and are processed once after it.
func TestQueueConsumedOnceRetriedToDeadLetterAndKeptAcrossRestart(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	p := newProject(t)
	entry := queueEntry(t, p)
	// A full minute's wait keeps the local Cloudflare from delivering before the test asks.
	s := inlineStack(t, ctx, c, "qa", "dev", queueProgram(entry, lumier.Consumer{MaxRetries: 2, MaxBatchTimeout: 60}))
	res := up(t, ctx, s)
	url, jobs := output(t, res.Outputs, "url"), output(t, res.Outputs, "jobs")
	if jobs != "qa-dev-jobs" {
		t.Fatalf("queue name %q, want qa-dev-jobs", jobs)
	}

	requireCall(t, http.MethodPost, url+"/queue/send", `[{"id":"a"},{"id":"b"},{"id":"bad","fail":true}]`, 200, `{"sent":3}`)
	requireJob(t, url, "a", 0, false)
	rep := deliverQueue(t, c, "qa-dev-jobs")
	if rep["acked"] != 2.0 || rep["retried"] != 2.0 || rep["deadLettered"] != 1.0 || rep["delivered"] != 5.0 {
		t.Fatalf("delivery of qa-dev-jobs: %v; want 2 acked, 2 retries, 1 dead-lettered, 5 deliveries", rep)
	}
	deliverQueue(t, c, "qa-dev-jobs-dlq")
	requireJob(t, url, "a", 1, false)
	requireJob(t, url, "b", 1, false)
	requireJob(t, url, "bad", 0, true)
	if rep := deliverQueue(t, c, "qa-dev-jobs"); rep["delivered"] != 0.0 {
		t.Fatalf("a second delivery found messages again: %v", rep)
	}
	requireJob(t, url, "a", 1, false)

	requireNoop(t, ctx, c, s)
	requireNoDrift(t, ctx, c, s)

	// Undelivered messages survive a restart, and are processed once after it.
	requireCall(t, http.MethodPost, url+"/queue/send", `[{"id":"c"},{"id":"d"}]`, 200, `{"sent":2}`)
	restartCloud(t, c)
	requireJob(t, url, "c", 0, false)
	if rep := deliverQueue(t, c, "qa-dev-jobs"); rep["acked"] != 2.0 {
		t.Fatalf("after the restart: %v; want the 2 waiting jobs acknowledged", rep)
	}
	requireJob(t, url, "c", 1, false)
	requireJob(t, url, "d", 1, false)
	requireJob(t, url, "a", 1, false)

	destroy(t, ctx, s)
	requireScripts(t, c)
}

// TestQueueDeliveredOnItsOwn: with the default consumer settings (batches of 10 or 5 seconds'
// wait) the local Cloudflare delivers without being asked.
func TestQueueDeliveredOnItsOwn(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	p := newProject(t)
	s := inlineStack(t, ctx, c, "qa", "dev", queueProgram(queueEntry(t, p), lumier.Consumer{MaxBatchTimeout: 1}))
	url := output(t, up(t, ctx, s).Outputs, "url")
	requireCall(t, http.MethodPost, url+"/queue/send", `[{"id":"x"}]`, 200, `{"sent":1}`)
	// Nothing else asks for a delivery, so the job is processed only if the local Cloudflare
	// delivers on its own; the test's context, not a guess at a busy machine's speed, bounds the wait.
	for {
		_, body, _ := call(t, http.MethodGet, url+"/queue/jobs/x", "")
		if strings.Contains(body, `"processed":1`) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("job x never processed (1 s batch timeout): %s", body)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// queuePreviewFails previews program and asserts it fails with each fragment.
func queuePreviewFails(t *testing.T, ctx context.Context, s auto.Stack, program pulumi.RunFunc, fragments ...string) {
	t.Helper()
	setProgram(s, program)
	out, err := preview(t, ctx, s)
	if err == nil {
		t.Fatalf("preview succeeded:\n%s", out)
	}
	requireContains(t, out, fragments...)
}

// TestQueuePreviewChecks: each consumer setting out of Cloudflare's range fails the preview with
// a message naming the queue and the setting.
func TestQueuePreviewChecks(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	p := newProject(t)
	entry := queueEntry(t, p)
	s := inlineStack(t, ctx, c, "qa", "dev", queueProgram(entry, lumier.Consumer{}))
	t.Run("MaxBatchSize", func(t *testing.T) {
		queuePreviewFails(t, ctx, s, queueProgram(entry, lumier.Consumer{MaxBatchSize: 101}),
			`consumer of queue "qa-dev-jobs": maxBatchSize is 101, and Cloudflare allows 1 to 100 messages`)
	})
	t.Run("MaxBatchTimeout", func(t *testing.T) {
		queuePreviewFails(t, ctx, s, queueProgram(entry, lumier.Consumer{MaxBatchTimeout: 61}),
			`consumer of queue "qa-dev-jobs": maxBatchTimeout is 61, and Cloudflare allows 0 to 60 seconds`)
	})
	t.Run("MaxRetries", func(t *testing.T) {
		queuePreviewFails(t, ctx, s, queueProgram(entry, lumier.Consumer{MaxRetries: 101}),
			`consumer of queue "qa-dev-jobs": maxRetries is 101, and Cloudflare allows 0 to 100`)
	})
	t.Run("RetryDelay", func(t *testing.T) {
		queuePreviewFails(t, ctx, s, queueProgram(entry, lumier.Consumer{RetryDelay: 43201}),
			`consumer of queue "qa-dev-jobs": retryDelay is 43201, and Cloudflare allows 0 to 43200 seconds`)
	})
}
