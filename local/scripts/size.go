package scripts

import (
	"compress/gzip"
	"fmt"
	"net/http"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/envelope"
)

// Cloudflare refuses a Worker whose modules exceed its plan's size limit after gzip compression
// with 10027 (docs/cloudflare-api.md: error codes, and Limits).
const CodeScriptTooLarge = 10027

// checkWorkerSize refuses modules whose gzip size is over the plan's limit, in Cloudflare's words.
func checkWorkerSize(p account.Plan, modules []uploadedModule) *envelope.Error {
	maxWorkerGzipBytes := p.MaxWorkerGzipBytes()
	var n byteCounter
	w := gzip.NewWriter(&n)
	for _, m := range modules {
		_, _ = w.Write(m.content) // a byteCounter never fails
	}
	_ = w.Close()
	if int(n) <= maxWorkerGzipBytes {
		return nil
	}
	return envelope.NewError(http.StatusBadRequest, CodeScriptTooLarge, "Your Worker exceeded the size limit of %d MiB. "+
		"Refer to the Workers documentation (https://developers.cloudflare.com/workers/observability/errors/"+
		"#errors-on-worker-upload) for more details.", maxWorkerGzipBytes>>20)
}

// byteCounter counts the bytes written to it and keeps none.
type byteCounter int

func (c *byteCounter) Write(p []byte) (int, error) {
	*c += byteCounter(len(p))
	return len(p), nil
}

// String makes sizes readable in logs and test failures.
func (c byteCounter) String() string { return fmt.Sprintf("%d bytes", int(c)) }
