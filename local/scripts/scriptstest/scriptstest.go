// Package scriptstest builds Workers script uploads for tests: the multipart body Cloudflare's
// upload endpoints take.
package scriptstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/textproto"
	"testing"
)

// Module is one ES module part of an upload.
type Module struct {
	Name, Src string
}

// MultipartBody builds an upload body, the metadata part (md, JSON-encoded unless it is already
// []byte) and ES module parts, and returns its content type and bytes.
func MultipartBody(t testing.TB, md any, modules ...Module) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	raw, ok := md.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(md); err != nil {
			t.Fatalf("encoding the metadata: %v", err)
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="metadata"; filename="metadata.json"`)
	h.Set("Content-Type", "application/json")
	pw, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pw.Write(raw); err != nil {
		t.Fatal(err)
	}
	for _, m := range modules {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, m.Name, m.Name))
		h.Set("Content-Type", "application/javascript+module")
		pw, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(pw, m.Src); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), buf.Bytes()
}
