package r2

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lumier-dev/lumier/local/envelope"
)

// Kinds of R2 API call, as the server counts them.
const (
	CallBuckets     = "r2_buckets"      // GET .../r2/buckets[/{name}]
	CallEditBuckets = "r2_edit_buckets" // POST, PATCH, DELETE .../r2/buckets[/{name}]
	CallObjects     = "r2_objects"      // GET .../r2/buckets/{name}/objects[/{key}]
	CallEditObjects = "r2_edit_objects" // PUT, DELETE .../r2/buckets/{name}/objects/{key}
)

// Cloudflare's R2 error codes (docs/cloudflare-api.md, R2).
const (
	CodeBucketTaken    = 10004 // the bucket you tried to create already exists, and you own it
	CodeInvalidName    = 10005 // invalid bucket name
	CodeNoSuchBucket   = 10006 // the specified bucket does not exist
	CodeNoSuchKey      = 10007 // the specified key does not exist
	CodeBucketNotEmpty = 10008 // the bucket you tried to delete is not empty
	CodeInvalidObject  = 10020 // invalid object name
	CodeInvalidArg     = 10029 // invalid argument
	CodePrecondition   = 10031 // a precondition did not hold
	CodeBadDigest      = 10037 // the checksum does not match the bytes
	CodeTooLarge       = 100100
)

// API serves the R2 API (docs/cloudflare-api.md, R2) from a Store: buckets through
// cloudflare-go's r2.BucketService paths, and objects through the paths Cloudflare's schema
// publishes and cloudflare-go v4.6.0 lacks.
type API struct {
	store  *Store
	logger *slog.Logger
}

// NewAPI serves store's buckets and objects; logger hears of created and deleted buckets.
func NewAPI(store *Store, logger *slog.Logger) *API {
	return &API{store: store, logger: logger}
}

// Routes registers the API's endpoints with handle, which puts each behind the checks every
// endpoint shares and counts its calls under kind.
func (a *API) Routes(handle func(pattern, kind string, h http.HandlerFunc)) {
	const b = "/accounts/{account}/r2/buckets"
	handle("GET "+b, CallBuckets, a.handleList)
	handle("POST "+b, CallEditBuckets, a.handleCreate)
	handle("GET "+b+"/{bucket}", CallBuckets, a.handleGet)
	handle("PATCH "+b+"/{bucket}", CallEditBuckets, a.handleEdit)
	handle("DELETE "+b+"/{bucket}", CallEditBuckets, a.handleDelete)
	handle("GET "+b+"/{bucket}/objects", CallObjects, a.handleObjects)
	handle("GET "+b+"/{bucket}/objects/{key...}", CallObjects, a.handleObjectGet)
	handle("PUT "+b+"/{bucket}/objects/{key...}", CallEditObjects, a.handleObjectPut)
	handle("DELETE "+b+"/{bucket}/objects/{key...}", CallEditObjects, a.handleObjectDelete)
}

// r2Error maps the store's refusals to Cloudflare's answers.
func r2Error(err error) error {
	switch {
	case errors.Is(err, errR2BucketMissing):
		return envelope.NewError(http.StatusNotFound, CodeNoSuchBucket, "The specified bucket does not exist.")
	case errors.Is(err, errR2BucketTaken):
		return envelope.NewError(http.StatusConflict, CodeBucketTaken, "The bucket you tried to create already exists, and you own it.")
	case errors.Is(err, errR2BucketNotEmpty):
		return envelope.NewError(http.StatusConflict, CodeBucketNotEmpty, "The bucket you tried to delete is not empty.")
	case errors.Is(err, errR2ObjectMissing):
		return envelope.NewError(http.StatusNotFound, CodeNoSuchKey, "The specified key does not exist.")
	case errors.Is(err, errR2Precondition):
		return envelope.NewError(http.StatusPreconditionFailed, CodePrecondition, "At least one of the pre-conditions you specified did not hold.")
	case errors.Is(err, errR2BadDigest):
		return envelope.NewError(http.StatusBadRequest, CodeBadDigest, "The MD5 checksum you specified did not match what we received.")
	case errors.Is(err, errR2TooLarge):
		return envelope.NewError(http.StatusBadRequest, CodeTooLarge, "Your proposed upload exceeds the maximum allowed object size.")
	}
	return err
}

// Values the API accepts for a bucket's location hint and storage class (cloudflare-go's r2
// enums; docs/cloudflare-api.md).
var (
	r2Locations      = map[string]bool{"apac": true, "eeur": true, "enam": true, "weur": true, "wnam": true, "oc": true}
	r2StorageClasses = map[string]bool{"Standard": true, "InfrequentAccess": true}
	r2Jurisdictions  = map[string]bool{"": true, "default": true, "eu": true, "fedramp": true}
)

func (a *API) handleList(w http.ResponseWriter, r *http.Request) {
	buckets := a.store.list()
	if buckets == nil {
		buckets = []r2BucketRecord{}
	}
	envelope.WriteResult(w, http.StatusOK, map[string]any{"buckets": buckets}, nil)
}

func (a *API) handleCreate(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name         string `json:"name"`
		LocationHint string `json:"locationHint"`
		StorageClass string `json:"storageClass"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, CodeInvalidArg, "could not parse request body: %v", err))
		return
	}
	if !validBucketName.MatchString(body.Name) {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, CodeInvalidName,
			"The specified bucket name is not valid. (%q: 3 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit)", body.Name))
		return
	}
	if body.LocationHint != "" && !r2Locations[body.LocationHint] {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, CodeInvalidArg, "locationHint %q is not one of apac, eeur, enam, weur, wnam, oc", body.LocationHint))
		return
	}
	if body.StorageClass != "" && !r2StorageClasses[body.StorageClass] {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, CodeInvalidArg, "storageClass %q is not Standard or InfrequentAccess", body.StorageClass))
		return
	}
	jurisdiction := r.Header.Get("cf-r2-jurisdiction")
	if !r2Jurisdictions[jurisdiction] {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, CodeInvalidArg, "cf-r2-jurisdiction %q is not default, eu or fedramp", jurisdiction))
		return
	}
	bk, err := a.store.create(r2BucketRecord{Name: body.Name, Location: body.LocationHint, StorageClass: body.StorageClass, Jurisdiction: jurisdiction})
	if err != nil {
		envelope.WriteError(w, r2Error(err))
		return
	}
	a.logger.Info("R2 bucket created", "bucket", bk.Name)
	envelope.WriteResult(w, http.StatusOK, bk, nil)
}

func (a *API) handleGet(w http.ResponseWriter, r *http.Request) {
	bk, err := a.store.Get(r.PathValue("bucket"))
	if err != nil {
		envelope.WriteError(w, r2Error(err))
		return
	}
	envelope.WriteResult(w, http.StatusOK, bk, nil)
}

// handleR2Edit changes the default storage class (header cf-r2-storage-class, as cloudflare-go's
// BucketService.Edit sends it).
func (a *API) handleEdit(w http.ResponseWriter, r *http.Request) {
	class := r.Header.Get("cf-r2-storage-class")
	if !r2StorageClasses[class] {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, CodeInvalidArg, "cf-r2-storage-class %q is not Standard or InfrequentAccess", class))
		return
	}
	bk, err := a.store.setStorageClass(r.PathValue("bucket"), class)
	if err != nil {
		envelope.WriteError(w, r2Error(err))
		return
	}
	envelope.WriteResult(w, http.StatusOK, bk, nil)
}

func (a *API) handleDelete(w http.ResponseWriter, r *http.Request) {
	if err := a.store.remove(r.PathValue("bucket")); err != nil {
		envelope.WriteError(w, r2Error(err))
		return
	}
	a.logger.Info("R2 bucket deleted", "bucket", r.PathValue("bucket"))
	envelope.WriteResult(w, http.StatusOK, struct{}{}, nil)
}

// r2APIObject is one object as the API lists it.
type r2APIObject struct {
	Key            string            `json:"key"`
	ETag           string            `json:"etag"`
	LastModified   string            `json:"last_modified"`
	Size           int64             `json:"size"`
	HTTPMetadata   r2HTTPMetadata    `json:"http_metadata"`
	CustomMetadata map[string]string `json:"custom_metadata"`
	StorageClass   string            `json:"storage_class"`
}

func apiObject(o r2Object) r2APIObject {
	custom := o.Custom
	if custom == nil {
		custom = map[string]string{}
	}
	return r2APIObject{Key: o.Key, ETag: o.ETag, Size: o.Size, HTTPMetadata: o.HTTPMetadata, CustomMetadata: custom,
		StorageClass: o.StorageClass, LastModified: time.UnixMilli(o.Uploaded).UTC().Format(time.RFC3339Nano)}
}

// r2PerPage is the most objects one API list answers, and its default.
const r2PerPage = 1000

// handleR2Objects lists objects: per_page 1 to 1000 (default 1000), prefix, delimiter, cursor,
// start_after; result_info has cursor ("" on the last page), is_truncated, per_page and, with a
// delimiter, the rolled-up prefixes in delimited.
func (a *API) handleObjects(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := r2PerPage
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > r2PerPage {
			envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, CodeInvalidArg, "per_page must be an integer between 1 and 1000"))
			return
		}
		limit = n
	}
	after := q.Get("start_after")
	if c := q.Get("cursor"); c != "" {
		after = c
	}
	page, err := a.store.listObjects(r.PathValue("bucket"), r2ListOptions{Prefix: q.Get("prefix"), Delimiter: q.Get("delimiter"), After: after, Limit: limit})
	if err != nil {
		envelope.WriteError(w, r2Error(err))
		return
	}
	items := make([]r2APIObject, 0, len(page.Objects))
	for _, o := range page.Objects {
		items = append(items, apiObject(o))
	}
	delimited := page.DelimitedPrefixes
	if delimited == nil {
		delimited = []string{}
	}
	envelope.WriteJSON(w, http.StatusOK, map[string]any{
		"result": items, "success": true, "errors": []envelope.Message{}, "messages": []envelope.Message{},
		"result_info": map[string]any{"cursor": page.Cursor, "is_truncated": page.Truncated, "per_page": limit, "delimited": delimited},
	})
}

// handleR2ObjectGet answers an object's bytes with its content type.
func (a *API) handleObjectGet(w http.ResponseWriter, r *http.Request) {
	o, f, err := a.store.open(r.PathValue("bucket"), r.PathValue("key"))
	if err != nil {
		envelope.WriteError(w, r2Error(err))
		return
	}
	defer f.Close()
	ct := o.HTTPMetadata.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.FormatInt(o.Size, 10))
	w.Header().Set("ETag", `"`+o.ETag+`"`)
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, f)
}

// handleR2ObjectPut stores the body as the object, its Content-Type as the object's, and an
// optional cf-r2-storage-class.
func (a *API) handleObjectPut(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if key == "" || len(key) > maxR2KeyBytes {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, CodeInvalidObject, "The specified object name is not valid."))
		return
	}
	class := r.Header.Get("cf-r2-storage-class")
	if class != "" && !r2StorageClasses[class] {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, CodeInvalidArg, "cf-r2-storage-class %q is not Standard or InfrequentAccess", class))
		return
	}
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		ct = "" // Go's and curl's default for a bare body, not a type the writer chose
	}
	o, err := a.store.put(r.PathValue("bucket"), r2Put{Key: key, HTTPMetadata: r2HTTPMetadata{ContentType: ct}, StorageClass: class}, r.Body)
	if err != nil {
		envelope.WriteError(w, r2Error(err))
		return
	}
	envelope.WriteResult(w, http.StatusOK, apiObject(o), nil)
}

func (a *API) handleObjectDelete(w http.ResponseWriter, r *http.Request) {
	if err := a.store.del(r.PathValue("bucket"), r.PathValue("key")); err != nil {
		envelope.WriteError(w, r2Error(err))
		return
	}
	envelope.WriteResult(w, http.StatusOK, map[string]string{"key": r.PathValue("key")}, nil)
}
