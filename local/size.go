package local

import (
	"compress/gzip"
	"fmt"
	"net/http"
)

// Cloudflare refuses a Worker whose modules exceed its size limit after gzip compression with
// 10027 (docs/cloudflare-api.md: error codes, and Limits). The local Cloudflare holds every
// upload to the Workers Paid limit, the largest any account has, so what it accepts some
// account could deploy.
const (
	codeScriptTooLarge = 10027
	maxWorkerGzipBytes = 10 << 20
)

// checkWorkerSize refuses modules whose gzip size is over the limit, in Cloudflare's words.
func checkWorkerSize(modules []uploadedModule) *apiError {
	var n byteCounter
	w := gzip.NewWriter(&n)
	for _, m := range modules {
		_, _ = w.Write(m.content) // a byteCounter never fails
	}
	_ = w.Close()
	if int(n) <= maxWorkerGzipBytes {
		return nil
	}
	return newAPIError(http.StatusBadRequest, codeScriptTooLarge, "Your Worker exceeded the size limit of %d MiB. "+
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
