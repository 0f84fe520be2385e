package cfapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"strings"
)

// moduleContentType marks a part as an ES module (not a service-worker script, not a blob).
const moduleContentType = "application/javascript+module"

// buildUpload encodes the multipart/form-data body of PUT .../workers/scripts/{name}: the
// `metadata` JSON part first, then one part per module, named and filed under the module's
// name. It returns the body and its Content-Type (with the boundary).
//
// The body is a byte slice, not a stream, so cloudflare-go can rewind it for retries.
func buildUpload(md Metadata, modules []Module) ([]byte, string, error) {
	if len(modules) == 0 {
		return nil, "", errors.New("no modules to upload")
	}
	seen := map[string]bool{"metadata": true}
	for _, m := range modules {
		switch {
		case m.Name == "":
			return nil, "", errors.New("a module has an empty name")
		case strings.ContainsAny(m.Name, "\"\r\n\\"):
			// These would break the Content-Disposition header's quoting.
			return nil, "", fmt.Errorf("module name %q contains a quote, backslash or newline", m.Name)
		case seen[m.Name]:
			return nil, "", fmt.Errorf("module name %q is used twice (or collides with the metadata part)", m.Name)
		}
		seen[m.Name] = true
	}
	if md.MainModule == "" {
		md.MainModule = modules[0].Name
	}
	if md.MainModule != modules[0].Name {
		return nil, "", fmt.Errorf("main module %q must be the first module, got %q", md.MainModule, modules[0].Name)
	}

	meta, err := json.Marshal(md)
	if err != nil {
		return nil, "", fmt.Errorf("encoding metadata: %w", err)
	}

	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreatePart(partHeader("metadata", "", "application/json"))
	if err == nil {
		_, err = part.Write(meta)
	}
	for _, m := range modules {
		if err != nil {
			break
		}
		part, err = w.CreatePart(partHeader(m.Name, m.Name, moduleContentType))
		if err == nil {
			_, err = part.Write(m.Content)
		}
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		// Writes to a bytes.Buffer do not fail; this is for completeness.
		return nil, "", fmt.Errorf("encoding multipart body: %w", err)
	}
	return body.Bytes(), w.FormDataContentType(), nil
}

// partHeader is a form-data part header; filename is omitted when empty (the metadata part is
// a field, the modules are files).
func partHeader(name, filename, contentType string) textproto.MIMEHeader {
	disposition := fmt.Sprintf(`form-data; name="%s"`, name)
	if filename != "" {
		disposition += fmt.Sprintf(`; filename="%s"`, filename)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", disposition)
	h.Set("Content-Type", contentType)
	return h
}
