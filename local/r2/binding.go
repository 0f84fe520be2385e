package r2

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/lumier-dev/lumier/local/envelope"
)

// The R2 backend is what workerd's r2Bucket bindings talk to (docs/architecture.md, "R2 on
// workerd"): an HTTP service on its own 127.0.0.1 port, reached by workerd as an external service
// that injects the bucket name in BucketHeader. Like the KV backend it takes no token, so it
// never shares the API's listener.
const BucketHeader = "X-Lumier-R2-Bucket"

// The wire protocol's headers.
const (
	r2RequestHeader  = "CF-R2-Request"       // a read's request JSON
	r2MetaSizeHeader = "CF-R2-Metadata-Size" // length of the JSON before a write's value or a read's bytes
	r2ErrorHeader    = "CF-R2-Error"         // a failure's {"version","v4code","message"}
)

// r2MaxRequestJSON bounds the JSON of one binding request (R2 allows 8 KiB of custom metadata).
const r2MaxRequestJSON = 1 << 20

// u64 is a 64-bit number of the protocol: workerd sends them as JSON strings (Cap'n Proto's
// JSON), and all ones means "not set".
type u64 struct {
	v   uint64
	set bool
}

func (n *u64) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		return nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("not a 64-bit number: %s", b)
	}
	n.v, n.set = v, v != ^uint64(0)
	return nil
}

// r2Request is one binding call (workerd's R2BindingRequest, flattened).
type r2Request struct {
	Version int    `json:"version"`
	Method  string `json:"method"`
	Object  string `json:"object"`
	// delete
	Objects []string `json:"objects"`
	// get
	Range       *r2Range       `json:"range"`
	RangeHeader string         `json:"rangeHeader"`
	OnlyIf      *r2Conditional `json:"onlyIf"`
	// put
	CustomFields []r2Record    `json:"customFields"`
	HTTPFields   *r2HTTPFields `json:"httpFields"`
	MD5          []byte        `json:"md5"` // base64 in JSON, as workerd sends it
	StorageClass string        `json:"storageClass"`
	// list
	Limit      u64    `json:"limit"`
	Prefix     string `json:"prefix"`
	Cursor     string `json:"cursor"`
	Delimiter  string `json:"delimiter"`
	StartAfter string `json:"startAfter"`
	Include    []int  `json:"include"`
}

type r2Record struct {
	K string `json:"k"`
	V string `json:"v"`
}

type r2Range struct {
	Offset u64 `json:"offset"`
	Length u64 `json:"length"`
	Suffix u64 `json:"suffix"`
}

type r2Etag struct {
	Value string `json:"value"`
	Type  string `json:"type"`
}

type r2Conditional struct {
	EtagMatches      []r2Etag `json:"etagMatches"`
	EtagDoesNotMatch []r2Etag `json:"etagDoesNotMatch"`
	UploadedBefore   u64      `json:"uploadedBefore"`
	UploadedAfter    u64      `json:"uploadedAfter"`
	// SecondsGranularity compares upload times at whole seconds (HTTP dates have no finer).
	SecondsGranularity bool `json:"secondsGranularity"`
}

type r2HTTPFields struct {
	ContentType        string `json:"contentType,omitempty"`
	ContentLanguage    string `json:"contentLanguage,omitempty"`
	ContentDisposition string `json:"contentDisposition,omitempty"`
	ContentEncoding    string `json:"contentEncoding,omitempty"`
	CacheControl       string `json:"cacheControl,omitempty"`
	CacheExpiry        u64    `json:"cacheExpiry"`
}

// conditions turns the protocol's onlyIf into the store's.
func (c *r2Conditional) conditions() r2Conditions {
	if c == nil {
		return r2Conditions{}
	}
	var out r2Conditions
	for _, e := range c.EtagMatches {
		out.ETagMatches = append(out.ETagMatches, etagValue(e))
	}
	for _, e := range c.EtagDoesNotMatch {
		out.ETagDoesNotMatch = append(out.ETagDoesNotMatch, etagValue(e))
	}
	if c.UploadedBefore.set {
		out.UploadedBefore = int64(c.UploadedBefore.v)
	}
	if c.UploadedAfter.set {
		out.UploadedAfter = int64(c.UploadedAfter.v)
	}
	if c.SecondsGranularity {
		// Compare at seconds: "before t" holds for any upload in a second before t's second.
		out.UploadedBefore = out.UploadedBefore / 1000 * 1000
		if out.UploadedAfter != 0 {
			out.UploadedAfter = out.UploadedAfter/1000*1000 + 999
		}
	}
	return out
}

func etagValue(e r2Etag) string {
	if e.Type == "wildcard" {
		return "*"
	}
	return e.Value
}

// r2Response is an object as the protocol reports it (workerd's R2HeadResponse).
type r2Response struct {
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	Size         string            `json:"size"`
	ETag         string            `json:"etag"`
	Uploaded     string            `json:"uploaded"`
	HTTPFields   *r2HTTPMetadataW  `json:"httpFields,omitempty"`
	CustomFields []r2Record        `json:"customFields,omitempty"`
	Range        *r2RangeW         `json:"range,omitempty"`
	Checksums    map[string]string `json:"checksums"`
	StorageClass string            `json:"storageClass"`
}

// r2HTTPMetadataW is httpFields on the wire (cacheExpiry as a string, left out when unset).
type r2HTTPMetadataW struct {
	ContentType        string `json:"contentType,omitempty"`
	ContentLanguage    string `json:"contentLanguage,omitempty"`
	ContentDisposition string `json:"contentDisposition,omitempty"`
	ContentEncoding    string `json:"contentEncoding,omitempty"`
	CacheControl       string `json:"cacheControl,omitempty"`
	CacheExpiry        string `json:"cacheExpiry,omitempty"`
}

type r2RangeW struct {
	Offset string `json:"offset"`
	Length string `json:"length"`
}

// wireObject renders o; withHTTP and withCustom say whether its metadata goes along (a list
// includes them only when asked).
func wireObject(o r2Object, withHTTP, withCustom bool) r2Response {
	out := r2Response{Name: o.Key, Version: o.Version, Size: strconv.FormatInt(o.Size, 10), ETag: o.ETag,
		Uploaded: strconv.FormatInt(o.Uploaded, 10), Checksums: map[string]string{"0": o.ETag}, StorageClass: o.StorageClass}
	if withHTTP {
		h := o.HTTPMetadata
		out.HTTPFields = &r2HTTPMetadataW{ContentType: h.ContentType, ContentLanguage: h.ContentLanguage,
			ContentDisposition: h.ContentDisposition, ContentEncoding: h.ContentEncoding, CacheControl: h.CacheControl}
		if h.CacheExpiry != 0 {
			out.HTTPFields.CacheExpiry = strconv.FormatInt(h.CacheExpiry, 10)
		}
	}
	if withCustom {
		out.CustomFields = []r2Record{}
		for _, k := range slices.Sorted(maps.Keys(o.Custom)) {
			out.CustomFields = append(out.CustomFields, r2Record{K: k, V: o.Custom[k]})
		}
	}
	return out
}

// serveR2 answers workerd's R2 calls: reads (head, get, list) are GET / with the request in the
// CF-R2-Request header; writes (put, delete) are PUT / with the request JSON first in the body.
func (st *Store) ServeBinding(w http.ResponseWriter, r *http.Request) {
	bucket := r.Header.Get(BucketHeader)
	if bucket == "" {
		r2Fail(w, http.StatusBadRequest, CodeInvalidArg, "no R2 bucket named by the binding", nil)
		return
	}
	var req r2Request
	var body io.Reader
	switch r.Method {
	case http.MethodGet:
		if err := json.Unmarshal([]byte(r.Header.Get(r2RequestHeader)), &req); err != nil {
			r2Fail(w, http.StatusBadRequest, CodeInvalidArg, "bad "+r2RequestHeader+": "+err.Error(), nil)
			return
		}
	case http.MethodPut:
		n, err := strconv.Atoi(r.Header.Get(r2MetaSizeHeader))
		if err != nil || n < 0 || n > r2MaxRequestJSON {
			r2Fail(w, http.StatusBadRequest, CodeInvalidArg, "Metadata missing or invalid", nil)
			return
		}
		br := bufio.NewReader(r.Body)
		meta := make([]byte, n)
		if _, err := io.ReadFull(br, meta); err != nil {
			r2Fail(w, http.StatusBadRequest, CodeInvalidArg, "Metadata missing or invalid", nil)
			return
		}
		if err := json.Unmarshal(meta, &req); err != nil {
			r2Fail(w, http.StatusBadRequest, CodeInvalidArg, "Metadata missing or invalid: "+err.Error(), nil)
			return
		}
		body = br
	default:
		r2Fail(w, http.StatusMethodNotAllowed, CodeInvalidArg, "method not allowed", nil)
		return
	}
	switch req.Method {
	case "head":
		o, err := st.head(bucket, req.Object)
		if err != nil {
			r2StoreFail(w, err, nil)
			return
		}
		r2Reply(w, http.StatusOK, wireObject(o, true, true), nil, 0)
	case "get":
		st.bindingGet(w, bucket, req)
	case "put":
		st.bindingPut(w, bucket, req, body)
	case "list":
		st.bindingList(w, bucket, req)
	case "delete":
		keys := req.Objects
		if req.Object != "" {
			keys = append(keys, req.Object)
		}
		if err := st.del(bucket, keys...); err != nil {
			r2StoreFail(w, err, nil)
			return
		}
		r2Reply(w, http.StatusOK, struct{}{}, nil, 0)
	default:
		// Multipart uploads (createMultipartUpload, uploadPart, ...) and bucket management are
		// not run locally (docs/architecture.md, "R2 on workerd").
		r2Fail(w, http.StatusNotImplemented, CodeInvalidArg, fmt.Sprintf("the local Cloudflare does not run R2 %q", req.Method), nil)
	}
}

// r2Get answers an object's metadata and bytes (sliced to the requested range); a failed
// precondition answers 412 with the metadata alone, which the binding reads as an object
// without a body.
func (st *Store) bindingGet(w http.ResponseWriter, bucket string, req r2Request) {
	o, f, err := st.open(bucket, req.Object)
	if err != nil {
		r2StoreFail(w, err, nil)
		return
	}
	defer f.Close()
	if !req.OnlyIf.conditions().holds(&o) {
		meta := wireObject(o, true, true)
		r2StoreFail(w, errR2Precondition, &meta)
		return
	}
	offset, length, ranged, err := r2Slice(req, o.Size)
	if err != nil {
		r2Fail(w, http.StatusRequestedRangeNotSatisfiable, 10039, "The requested range is not satisfiable", nil)
		return
	}
	meta := wireObject(o, true, true)
	if ranged {
		meta.Range = &r2RangeW{Offset: strconv.FormatInt(offset, 10), Length: strconv.FormatInt(length, 10)}
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		r2StoreFail(w, err, nil)
		return
	}
	r2Reply(w, http.StatusOK, meta, io.LimitReader(f, length), length)
}

// r2Slice is the part of a size-byte object a get asks for: a range {offset, length, suffix}
// or a "bytes=" range header; ranged is false for the whole object.
func r2Slice(req r2Request, size int64) (offset, length int64, ranged bool, err error) {
	var off, n, suffix *int64
	if rg := req.Range; rg != nil {
		if rg.Offset.set {
			v := int64(rg.Offset.v)
			off = &v
		}
		if rg.Length.set {
			v := int64(rg.Length.v)
			n = &v
		}
		if rg.Suffix.set {
			v := int64(rg.Suffix.v)
			suffix = &v
		}
	}
	if h := req.RangeHeader; h != "" {
		spec, ok := strings.CutPrefix(h, "bytes=")
		first, last, found := strings.Cut(spec, "-")
		if !ok || !found || strings.Contains(spec, ",") {
			return 0, 0, false, errors.New("unsupported range header")
		}
		switch first {
		case "":
			v, err := strconv.ParseInt(last, 10, 64)
			if err != nil {
				return 0, 0, false, err
			}
			suffix = &v
		default:
			a, err := strconv.ParseInt(first, 10, 64)
			if err != nil {
				return 0, 0, false, err
			}
			off = &a
			if last != "" {
				b, err := strconv.ParseInt(last, 10, 64)
				if err != nil || b < a {
					return 0, 0, false, errors.New("bad range")
				}
				v := b - a + 1
				n = &v
			}
		}
	}
	switch {
	case suffix != nil:
		l := min(*suffix, size)
		return size - l, l, true, nil
	case off == nil && n == nil:
		return 0, size, false, nil
	}
	offset = 0
	if off != nil {
		offset = *off
	}
	if offset > size || (offset == size && size > 0) {
		return 0, 0, false, errors.New("range starts past the end")
	}
	length = size - offset
	if n != nil {
		length = min(*n, length)
	}
	return offset, length, true, nil
}

func (st *Store) bindingPut(w http.ResponseWriter, bucket string, req r2Request, body io.Reader) {
	if req.Object == "" || len(req.Object) > maxR2KeyBytes {
		r2Fail(w, http.StatusBadRequest, CodeInvalidObject, "The specified object name is not valid.", nil)
		return
	}
	p := r2Put{Key: req.Object, StorageClass: req.StorageClass, OnlyIf: req.OnlyIf.conditions(), MD5: req.MD5}
	if len(req.CustomFields) > 0 {
		p.Custom = map[string]string{}
		for _, f := range req.CustomFields {
			p.Custom[f.K] = f.V
		}
	}
	if h := req.HTTPFields; h != nil {
		p.HTTPMetadata = r2HTTPMetadata{ContentType: h.ContentType, ContentLanguage: h.ContentLanguage,
			ContentDisposition: h.ContentDisposition, ContentEncoding: h.ContentEncoding, CacheControl: h.CacheControl}
		if h.CacheExpiry.set {
			p.HTTPMetadata.CacheExpiry = int64(h.CacheExpiry.v)
		}
	}
	if body == nil {
		body = bytes.NewReader(nil)
	}
	o, err := st.put(bucket, p, body)
	if err != nil {
		r2StoreFail(w, err, nil)
		return
	}
	r2Reply(w, http.StatusOK, wireObject(o, true, true), nil, 0)
}

func (st *Store) bindingList(w http.ResponseWriter, bucket string, req r2Request) {
	limit := r2PerPage
	if req.Limit.set {
		if req.Limit.v < 1 || req.Limit.v > r2PerPage {
			r2Fail(w, http.StatusBadRequest, 10022, "MaxKeys params must be positive integer <= 1000.", nil)
			return
		}
		limit = int(req.Limit.v)
	}
	after := req.StartAfter
	if req.Cursor != "" {
		after = req.Cursor
	}
	page, err := st.listObjects(bucket, r2ListOptions{Prefix: req.Prefix, Delimiter: req.Delimiter, After: after, Limit: limit})
	if err != nil {
		r2StoreFail(w, err, nil)
		return
	}
	withHTTP, withCustom := false, false
	for _, f := range req.Include {
		withHTTP = withHTTP || f == 0
		withCustom = withCustom || f == 1
	}
	objects := make([]r2Response, 0, len(page.Objects))
	for _, o := range page.Objects {
		objects = append(objects, wireObject(o, withHTTP, withCustom))
	}
	prefixes := page.DelimitedPrefixes
	if prefixes == nil {
		prefixes = []string{}
	}
	out := map[string]any{"objects": objects, "truncated": page.Truncated, "delimitedPrefixes": prefixes}
	if page.Truncated {
		out["cursor"] = page.Cursor
	}
	r2Reply(w, http.StatusOK, out, nil, 0)
}

// r2Reply writes status, the metadata JSON (its length in CF-R2-Metadata-Size) and then n bytes
// of value, if any.
func r2Reply(w http.ResponseWriter, status int, meta any, value io.Reader, n int64) {
	b, err := json.Marshal(meta)
	if err != nil {
		r2Fail(w, http.StatusInternalServerError, 10001, err.Error(), nil)
		return
	}
	w.Header().Set(r2MetaSizeHeader, strconv.Itoa(len(b)))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.FormatInt(int64(len(b))+n, 10))
	w.WriteHeader(status)
	_, _ = w.Write(b)
	if value != nil {
		_, _ = io.Copy(w, value)
	}
}

// r2StoreFail answers a store error with R2's status and code; meta, when given, is the object
// a failed precondition reports.
func r2StoreFail(w http.ResponseWriter, err error, meta *r2Response) {
	var ae *envelope.Error
	if errors.As(r2Error(err), &ae) {
		r2Fail(w, ae.Status, ae.Code, ae.Message, meta)
		return
	}
	r2Fail(w, http.StatusInternalServerError, 10001, "We encountered an internal error. Please try again. ("+err.Error()+")", nil)
}

// r2Fail answers status with CF-R2-Error, which the binding turns into null (10007) or an
// exception whose message ends in the code.
func r2Fail(w http.ResponseWriter, status, code int, message string, meta *r2Response) {
	e, _ := json.Marshal(map[string]any{"version": 1, "v4code": code, "message": message})
	w.Header().Set(r2ErrorHeader, string(e))
	if meta != nil {
		r2Reply(w, status, meta, nil, 0)
		return
	}
	w.WriteHeader(status)
}
