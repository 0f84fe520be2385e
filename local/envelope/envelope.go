// Package envelope is Cloudflare's v4 response envelope as the local Cloudflare writes it:
// results, lists and pages with their result_info, and errors with Cloudflare's codes.
package envelope

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/lumier-dev/lumier/local/rules"
)

// Body is Cloudflare's v4 response envelope. Errors and messages are always arrays (never
// null): cloudflare-go declares them required.
type Body struct {
	Result     any         `json:"result"`
	Success    bool        `json:"success"`
	Errors     []Message   `json:"errors"`
	Messages   []Message   `json:"messages"`
	ResultInfo *ResultInfo `json:"result_info,omitempty"`
}

// Message is one entry of an envelope's errors or messages.
type Message struct {
	Code       int       `json:"code"`
	Message    string    `json:"message"`
	ErrorChain []Message `json:"error_chain,omitempty"`
}

// ResultInfo is the pagination block of list responses (page, per_page, count, total_count,
// total_pages: Cloudflare's common result_info).
type ResultInfo struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Count      int `json:"count"`
	TotalCount int `json:"total_count"`
	TotalPages int `json:"total_pages"`
}

// Error is a failed request in Cloudflare's terms.
type Error struct {
	Status  int
	Code    int
	Message string
	Chain   []Message
	Header  http.Header // extra response headers, such as Retry-After
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d %s [code: %d]", e.Status, e.Message, e.Code)
}

// NewError is an Error with a formatted message.
func NewError(status, code int, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Cloudflare's codes for the API's own failures, shared by every endpoint family
// (docs/cloudflare-api.md).
const (
	CodeNoRoute          = 7000  // path matches no endpoint
	CodeBadIdentifier    = 7003  // an id in the path is malformed
	CodeAuthMissing      = 9106  // no credentials at all
	CodeBadHeaders       = 6003  // malformed Authorization header
	CodeBadAuthFormat    = 6111  // error_chain detail of 6003
	CodeInvalidToken     = 1000  // /user/tokens/verify with a token it does not know
	CodeAuthentication   = 10000 // credentials rejected for this resource
	CodeContentType      = 10001 // upload body is not multipart
	CodeScriptNotFound   = 10007 // no such Worker script
	CodeInternal         = 10002 // unexpected server-side failure
	CodeValidation       = 10021 // upload does not validate or does not load
	CodeRateLimited      = 971   // too many requests
	CodeMethodNotAllowed = 10405
)

// WriteResult writes a success envelope.
func WriteResult(w http.ResponseWriter, status int, result any, info *ResultInfo, messages ...Message) {
	if messages == nil {
		messages = []Message{}
	}
	WriteJSON(w, status, Body{Result: result, Success: true, Errors: []Message{}, Messages: messages, ResultInfo: info})
}

// WriteList writes a success envelope for a list, with Cloudflare's result_info.
func WriteList[T any](w http.ResponseWriter, items []T) {
	if items == nil {
		items = []T{}
	}
	n := len(items)
	WriteResult(w, http.StatusOK, items, &ResultInfo{Page: 1, PerPage: max(n, 20), Count: n, TotalCount: n, TotalPages: 1})
}

// ListPerPage is the page size of a paged list when the request names none, and ListMaxPerPage
// the largest a request may ask for (see docs/cloudflare-api.md, "Lists and paging").
const (
	ListPerPage    = 20
	ListMaxPerPage = 100
)

// WritePage writes the page of items that the request's page and per_page select, with its
// result_info; a page past the end is empty, so a client that pages always stops.
func WritePage[T any](w http.ResponseWriter, r *http.Request, items []T) {
	page, perPage := PageParams(r, ListPerPage, ListMaxPerPage)
	from := min((page-1)*perPage, len(items))
	to := min(from+perPage, len(items))
	out := append([]T{}, items[from:to]...)
	WriteResult(w, http.StatusOK, out, &ResultInfo{
		Page: page, PerPage: perPage, Count: len(out), TotalCount: len(items),
		TotalPages: (len(items) + perPage - 1) / perPage,
	})
}

// PageParams reads page and per_page: per_page defaults to defaultPerPage and is capped at
// maxPerPage.
func PageParams(r *http.Request, defaultPerPage, maxPerPage int) (page, perPage int) {
	page, perPage = 1, defaultPerPage
	if p, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && p > 0 {
		page = p
	}
	if p, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && p > 0 {
		perPage = min(p, maxPerPage)
	}
	return page, perPage
}

// WriteError writes err as an error envelope; errors other than *Error and *rules.Error are
// internal failures.
func WriteError(w http.ResponseWriter, err error, messages ...Message) {
	var ae *Error
	var re *rules.Error
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &re):
		ae = &Error{Status: re.Status, Code: re.Code, Message: re.Message}
	default:
		ae = &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: "An unknown error has occurred: " + err.Error()}
	}
	for k, vs := range ae.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if messages == nil {
		messages = []Message{}
	}
	WriteJSON(w, ae.Status, Body{
		Result:   nil,
		Success:  false,
		Errors:   []Message{{Code: ae.Code, Message: ae.Message, ErrorChain: ae.Chain}},
		Messages: messages,
	})
}

// WriteJSON writes v as a JSON response with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// ScriptNotFound is Cloudflare's answer for a Worker script the account does not have, from
// every endpoint that names one.
func ScriptNotFound() *Error {
	return NewError(http.StatusNotFound, CodeScriptNotFound, "This Worker does not exist on your account.")
}

// ReadJSON decodes a request's JSON body (at most 1 MiB) into v; a body that cannot be read or
// decoded is Cloudflare's validation error.
func ReadJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err != nil {
		return NewError(http.StatusBadRequest, CodeValidation, "could not read the request body: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return NewError(http.StatusBadRequest, CodeValidation, "could not parse the request body as JSON: %v", err)
	}
	return nil
}
