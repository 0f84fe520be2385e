package local

import (
	"compress/gzip"
	"fmt"
	"net/http"

	"github.com/lumier-dev/lumier/local/envelope"
)

// Cloudflare refuses a Worker whose modules exceed its plan's size limit after gzip compression
// with 10027 (docs/cloudflare-api.md: error codes, and Limits).
const codeScriptTooLarge = 10027

// maxWorkerGzipBytes is the plan's limit on a Worker's size after gzip: 3 MiB on Workers Free,
// 10 MiB on Workers Paid (docs/cloudflare-api.md, "Limits checked before upload").
func (p Plan) maxWorkerGzipBytes() int {
	if p == PlanFree {
		return 3 << 20
	}
	return 10 << 20
}

// maxAssetFiles is the plan's limit on the static asset files of a Worker version: 20,000 on
// Workers Free, 100,000 on Workers Paid (docs/cloudflare-api.md, "Static assets").
func (p Plan) maxAssetFiles() int {
	if p == PlanFree {
		return 20_000
	}
	return 100_000
}

// checkWorkerSize refuses modules whose gzip size is over the plan's limit, in Cloudflare's words.
func (p Plan) checkWorkerSize(modules []uploadedModule) *envelope.Error {
	maxWorkerGzipBytes := p.maxWorkerGzipBytes()
	var n byteCounter
	w := gzip.NewWriter(&n)
	for _, m := range modules {
		_, _ = w.Write(m.content) // a byteCounter never fails
	}
	_ = w.Close()
	if int(n) <= maxWorkerGzipBytes {
		return nil
	}
	return envelope.NewError(http.StatusBadRequest, codeScriptTooLarge, "Your Worker exceeded the size limit of %d MiB. "+
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
