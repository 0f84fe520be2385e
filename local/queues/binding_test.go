package queues

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lumier-dev/lumier/local/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// produce posts one producer call to s's queue backend handler.
func produce(d *Delivery, queue, path, body string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set(NameHeader, queue)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	d.ServeProducer(w, req)
	return w
}

// TestQueueBackendSendAndSendBatch: send and sendBatch answer the backlog workerd expects, keep
// each message's format and delay, and refuse what Cloudflare refuses.
func TestQueueBackendSendAndSendBatch(t *testing.T) {
	qs, err := Open(storagetest.Open(t, t.TempDir()))
	require.NoError(t, err)
	_, err = qs.create("jobs")
	require.NoError(t, err)
	d := &Delivery{store: qs}

	w := produce(d, "jobs", "/message", `{"n":1}`, map[string]string{"X-Msg-Fmt": "json", "X-Msg-Delay-Secs": "30"})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), `{"metadata":{"metrics":{"backlogCount":1,"backlogBytes":7,`)

	w = produce(d, "jobs", "/batch", `{"messages":[{"body":"aGk=","contentType":"text"},{"body":"AQI=","contentType":"bytes","delaySecs":5}]}`, nil)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), `"backlogCount":3`)
	msgs := qs.messages[qs.findName("jobs").ID]
	require.Len(t, msgs, 3)
	assert.Equal(t, "json", msgs[0].ContentType)
	assert.Equal(t, msgs[0].Timestamp+30000, msgs[0].NotBefore, "X-Msg-Delay-Secs delays the message")
	assert.Equal(t, "hi", string(msgs[1].Body))
	assert.Equal(t, []byte{1, 2}, msgs[2].Body)
	assert.Equal(t, msgs[2].Timestamp+5000, msgs[2].NotBefore)

	assert.Equal(t, http.StatusNotFound, produce(d, "nope", "/message", "x", nil).Code)
	assert.Contains(t, produce(d, "jobs", "/batch", `{"messages":[{"body":"%%"}]}`, nil).Body.String(), "not base64")
	assert.Contains(t, produce(d, "jobs", "/message", "x", map[string]string{"X-Msg-Delay-Secs": "43201"}).Body.String(),
		"between 0 and 43200")
	big := `{"messages":[` + strings.Repeat(`{"body":"eA=="},`, 100) + `{"body":"eA=="}]}`
	assert.Contains(t, produce(d, "jobs", "/batch", big, nil).Body.String(), "at most 100 messages")
}
