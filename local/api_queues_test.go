package local

import (
	"encoding/json"
	"net/http"
	"sort"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/kv"
	cfqueues "github.com/cloudflare/cloudflare-go/v4/queues"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/queues"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// queueWorker produces to env.Q (POST /send with a JSON array of bodies, sent as one batch, and
// one text message) and consumes in queue(): each message is recorded in env.SEEN as
// "<queue>:<n>:<attempt>"; a body with fail:true is retried every time.
const queueWorker = `export default {
  async fetch(req, env) {
    const bodies = await req.json();
    await env.Q.sendBatch(bodies.map((body) => ({ body })));
    await env.Q.send("plain text", { contentType: "text" });
    return new Response("sent");
  },
  async queue(batch, env) {
    for (const msg of batch.messages) {
      const n = typeof msg.body === "string" ? "text" : msg.body.n;
      await env.SEEN.put(batch.queue + ":" + n + ":" + msg.attempts, String(msg.timestamp instanceof Date));
      if (msg.body.fail) msg.retry(); else msg.ack();
    }
  },
};
`

func queueBinding(name, queue string) map[string]any {
	return map[string]any{"type": "queue", "name": name, "queue_name": queue}
}

// deliver calls the on-demand delivery endpoint and decodes its report.
func deliver(t *testing.T, s *Server, queue string) queues.Report {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), http.MethodPost, "http://"+s.Addr()+"/__lumier/queues/"+queue+"/deliver", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.Token())
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var out rawResponse
	require.NoError(t, json.NewDecoder(res.Body).Decode(&out))
	require.Equal(t, http.StatusOK, res.StatusCode, "%+v", out.Errors)
	var rep queues.Report
	require.NoError(t, json.Unmarshal(out.Result, &rep))
	return rep
}

// seenKeys lists the keys the consumer wrote.
func seenKeys(t *testing.T, c *cloudflare.Client, acct, ns string) []string {
	t.Helper()
	page, err := c.KV.Namespaces.Keys.List(ctxT(t), ns, kv.NamespaceKeyListParams{AccountID: cloudflare.F(acct)})
	require.NoError(t, err)
	var out []string
	for _, k := range page.Result {
		out = append(out, k.Name)
	}
	sort.Strings(out)
	return out
}

func backlog(t *testing.T, s *Server, id string) int {
	t.Helper()
	res := raw(t, s, http.MethodGet, "/accounts/"+s.AccountID()+"/queues/"+id+"/metrics", s.Token(), "", nil)
	require.Equal(t, http.StatusOK, res.Status, "%+v", res.Errors)
	var n int
	require.NoError(t, json.Unmarshal(res.field(t, "backlog_count"), &n))
	return n
}

// TestQueueDeliveryAckRetryDeadLetter: messages a Worker sends reach its queue() handler once
// each when acknowledged; one retried every time is delivered max_retries+1 times, then lands in
// the dead-letter queue; undelivered messages survive a restart and are delivered once after it.
func TestQueueDeliveryAckRetryDeadLetter(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, Options{})
	c := newClient(s)
	acct := cloudflare.F(s.AccountID())

	jobs, err := c.Queues.New(ctxT(t), cfqueues.QueueNewParams{AccountID: acct, QueueName: cloudflare.F("jobs")})
	require.NoError(t, err)
	dlq, err := c.Queues.New(ctxT(t), cfqueues.QueueNewParams{AccountID: acct, QueueName: cloudflare.F("jobs-dlq")})
	require.NoError(t, err)
	_, err = c.Queues.New(ctxT(t), cfqueues.QueueNewParams{AccountID: acct, QueueName: cloudflare.F("jobs")})
	requireCode(t, err, queues.CodeNameTaken, "already exists")
	ns, err := c.KV.Namespaces.New(ctxT(t), kv.NamespaceNewParams{AccountID: acct, Title: cloudflare.F("seen")})
	require.NoError(t, err)

	_, err = putScript(t, s, "qw", meta(map[string]any{"bindings": []any{queueBinding("Q", "nope")}}), module{Name: "index.js", Src: queueWorker})
	requireCode(t, err, envelope.CodeValidation, "queue 'nope' does not exist")
	mustUpload(t, s, "qw", meta(map[string]any{"bindings": []any{queueBinding("Q", "jobs"), kvBinding("SEEN", ns.ID)}}),
		module{Name: "index.js", Src: queueWorker})
	url := enableWorkersDev(t, s, "qw")

	// A long max wait keeps the loop from delivering before the test asks.
	_, err = c.Queues.Consumers.New(ctxT(t), jobs.QueueID, cfqueues.ConsumerNewParams{AccountID: acct,
		Body: cfqueues.ConsumerNewParamsBodyMqWorkerConsumer{
			ScriptName: cloudflare.F("qw"), DeadLetterQueue: cloudflare.F("jobs-dlq"),
			Settings: cloudflare.F(cfqueues.ConsumerNewParamsBodyMqWorkerConsumerSettings{
				BatchSize: cloudflare.F(10.0), MaxRetries: cloudflare.F(2.0), MaxWaitTimeMs: cloudflare.F(60000.0),
			}),
		}})
	require.NoError(t, err)
	_, err = c.Queues.Consumers.New(ctxT(t), jobs.QueueID, cfqueues.ConsumerNewParams{AccountID: acct,
		Body: cfqueues.ConsumerNewParamsBodyMqWorkerConsumer{ScriptName: cloudflare.F("qw")}})
	requireCode(t, err, queues.CodeConsumerExists, "already has")

	code, body := call(t, http.MethodPost, url, `[{"n":1},{"n":2},{"n":3,"fail":true}]`)
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, 4, backlog(t, s, jobs.QueueID), "three batched messages and one text message wait")

	rep := deliver(t, s, "jobs")
	assert.Equal(t, queues.Report{Queue: "jobs", Batches: 3, Delivered: 6, Acked: 3, Retried: 2, DeadLettered: 1}, rep)
	assert.Equal(t, []string{"jobs:1:1", "jobs:2:1", "jobs:3:1", "jobs:3:2", "jobs:3:3", "jobs:text:1"},
		seenKeys(t, c, s.AccountID(), ns.ID), "each acked message once; the failing one 1 + max_retries times")
	assert.Equal(t, 0, backlog(t, s, jobs.QueueID))
	assert.Equal(t, 1, backlog(t, s, dlq.QueueID), "the failing message is in the dead-letter queue")
	assert.Equal(t, queues.Report{}, deliver(t, s, "jobs"), "nothing is delivered twice")

	// Undelivered messages survive a restart and are delivered once after it.
	code, body = call(t, http.MethodPost, url, `[{"n":4},{"n":5}]`)
	require.Equal(t, http.StatusOK, code, body)
	require.NoError(t, s.Close())
	s2 := startServer(t, dir, Options{})
	assert.Equal(t, 3, backlog(t, s2, jobs.QueueID), "kept across the restart")
	rep = deliver(t, s2, "jobs")
	assert.Equal(t, 3, rep.Acked)
	keys := seenKeys(t, newClient(s2), s.AccountID(), ns.ID)
	assert.Contains(t, keys, "jobs:4:1")
	assert.Contains(t, keys, "jobs:5:1")
	assert.Contains(t, keys, "jobs:text:1")
	assert.Len(t, keys, 8, "the two new messages once each; the text key is rewritten, not added")
	assert.Equal(t, 0, backlog(t, s2, jobs.QueueID))
}
