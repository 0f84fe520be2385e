package cfapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/cloudflare/cloudflare-go/v4/option"
)

// secretHeaders are never logged: they carry the token or the global API key.
var secretHeaders = []string{"Authorization", "X-Auth-Key", "X-Auth-User-Service-Key"}

// LogRequests returns an option (for New) that logs every HTTP attempt at debug level: method,
// URL, status, duration, retry count and request headers, with credentials replaced by
// "[REDACTED]". Bodies are not logged: an upload's body is the whole Worker.
//
// It exists because cloudflare-go's own option.WithDebugLog dumps the Authorization header.
func LogRequests(logger *slog.Logger) option.RequestOption {
	return option.WithMiddleware(func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		start := time.Now()
		res, err := next(req)
		attrs := []slog.Attr{
			slog.String("method", req.Method),
			slog.String("url", req.URL.String()),
			slog.String("retry", req.Header.Get("X-Stainless-Retry-Count")),
			slog.Duration("duration", time.Since(start)),
			slog.Any("headers", redactHeaders(req.Header)),
		}
		if res != nil {
			attrs = append(attrs, slog.Int("status", res.StatusCode))
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		logger.LogAttrs(req.Context(), slog.LevelDebug, "cloudflare request", attrs...)
		return res, err
	})
}

// redactHeaders copies h with the credential headers' values replaced.
func redactHeaders(h http.Header) http.Header {
	out := h.Clone()
	for _, k := range secretHeaders {
		if out.Get(k) != "" {
			out.Set(k, "[REDACTED]")
		}
	}
	return out
}
