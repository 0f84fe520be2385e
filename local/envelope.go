package local

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/lumier-dev/lumier/local/rules"
)

// envelope is Cloudflare's v4 response envelope. Errors and messages are always arrays (never
// null): cloudflare-go declares them required.
type envelope struct {
	Result     any          `json:"result"`
	Success    bool         `json:"success"`
	Errors     []apiMessage `json:"errors"`
	Messages   []apiMessage `json:"messages"`
	ResultInfo *resultInfo  `json:"result_info,omitempty"`
}

type apiMessage struct {
	Code       int          `json:"code"`
	Message    string       `json:"message"`
	ErrorChain []apiMessage `json:"error_chain,omitempty"`
}

// resultInfo is the pagination block of list responses (page, per_page, count, total_count,
// total_pages: Cloudflare's common result_info).
type resultInfo struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Count      int `json:"count"`
	TotalCount int `json:"total_count"`
	TotalPages int `json:"total_pages"`
}

// apiError is a failed request in Cloudflare's terms.
type apiError struct {
	Status  int
	Code    int
	Message string
	Chain   []apiMessage
	Header  http.Header // extra response headers, such as Retry-After
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s [code: %d]", e.Status, e.Message, e.Code)
}

func newAPIError(status, code int, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Cloudflare's codes for the API's own failures (see cloudflare-errors.md).
const (
	codeNoRoute          = 7000  // path matches no endpoint
	codeBadIdentifier    = 7003  // an id in the path is malformed
	codeAuthMissing      = 9106  // no credentials at all
	codeBadHeaders       = 6003  // malformed Authorization header
	codeBadAuthFormat    = 6111  // error_chain detail of 6003
	codeInvalidToken     = 1000  // /user/tokens/verify with a token it does not know
	codeAuthentication   = 10000 // credentials rejected for this resource
	codeContentType      = 10001 // upload body is not multipart
	codeInternal         = 10002 // unexpected server-side failure
	codeScriptNotFound   = 10007 // no such script
	codeInvalidName      = 10016 // script name does not match Cloudflare's rule
	codeValidation       = 10021 // upload does not validate or does not load
	codeRateLimited      = 971   // too many requests
	codeMethodNotAllowed = 10405
)

func scriptNotFound() *apiError {
	return newAPIError(http.StatusNotFound, codeScriptNotFound, "This Worker does not exist on your account.")
}

// writeResult writes a success envelope.
func writeResult(w http.ResponseWriter, status int, result any, info *resultInfo, messages ...apiMessage) {
	if messages == nil {
		messages = []apiMessage{}
	}
	writeJSON(w, status, envelope{Result: result, Success: true, Errors: []apiMessage{}, Messages: messages, ResultInfo: info})
}

// writeList writes a success envelope for a list, with Cloudflare's result_info.
func writeList[T any](w http.ResponseWriter, items []T) {
	if items == nil {
		items = []T{}
	}
	n := len(items)
	writeResult(w, http.StatusOK, items, &resultInfo{Page: 1, PerPage: max(n, 20), Count: n, TotalCount: n, TotalPages: 1})
}

// listPerPage is the page size of a paged list when the request names none, and listMaxPerPage
// the largest a request may ask for (see docs/cloudflare-api.md, "Lists and paging").
const (
	listPerPage    = 20
	listMaxPerPage = 100
)

// writePage writes the page of items that the request's page and per_page select, with its
// result_info; a page past the end is empty, so a client that pages always stops.
func writePage[T any](w http.ResponseWriter, r *http.Request, items []T) {
	page, perPage := pageParams(r, listPerPage, listMaxPerPage)
	from := min((page-1)*perPage, len(items))
	to := min(from+perPage, len(items))
	out := append([]T{}, items[from:to]...)
	writeResult(w, http.StatusOK, out, &resultInfo{
		Page: page, PerPage: perPage, Count: len(out), TotalCount: len(items),
		TotalPages: (len(items) + perPage - 1) / perPage,
	})
}

// pageParams reads page and per_page: per_page defaults to defaultPerPage and is capped at
// maxPerPage.
func pageParams(r *http.Request, defaultPerPage, maxPerPage int) (page, perPage int) {
	page, perPage = 1, defaultPerPage
	if p, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && p > 0 {
		page = p
	}
	if p, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && p > 0 {
		perPage = min(p, maxPerPage)
	}
	return page, perPage
}

// writeError writes err as an error envelope; errors other than *apiError and *rules.Error are
// internal failures.
func writeError(w http.ResponseWriter, err error, messages ...apiMessage) {
	var ae *apiError
	var re *rules.Error
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &re):
		ae = &apiError{Status: re.Status, Code: re.Code, Message: re.Message}
	default:
		ae = &apiError{Status: http.StatusInternalServerError, Code: codeInternal, Message: "An unknown error has occurred: " + err.Error()}
	}
	for k, vs := range ae.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if messages == nil {
		messages = []apiMessage{}
	}
	writeJSON(w, ae.Status, envelope{
		Result:   nil,
		Success:  false,
		Errors:   []apiMessage{{Code: ae.Code, Message: ae.Message, ErrorChain: ae.Chain}},
		Messages: messages,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
