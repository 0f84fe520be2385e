package cfapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// part is one parsed multipart part.
type part struct {
	FormName, FileName, ContentType, Body string
}

// parseMultipart reads a multipart/form-data body back, the way the API would.
func parseMultipart(t testing.TB, contentType string, body []byte) []part {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(contentType)
	require.NoError(t, err)
	assert.Equal(t, "multipart/form-data", mediaType, "content type")
	r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var parts []part
	for {
		p, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			return parts
		}
		require.NoError(t, err)
		b, err := io.ReadAll(p)
		require.NoError(t, err)
		parts = append(parts, part{p.FormName(), p.FileName(), p.Header.Get("Content-Type"), string(b)})
	}
}

func TestBuildUploadParts(t *testing.T) {
	md := Metadata{
		CompatibilityDate: "2025-11-17",
		Bindings:          []Binding{{Type: BindingDurableObject, Name: "COUNTER", ClassName: "Counter"}},
		Migrations:        &Migration{NewTag: "v1", Steps: []MigrationStep{{NewSqliteClasses: []string{"Counter"}}}},
	}
	modules := []Module{
		{Name: "index.js", Content: []byte(`import "./lib.js"; export default {};`)},
		{Name: "lib.js", Content: []byte(`export const x = 1;`)},
	}
	body, contentType, err := buildUpload(md, modules)
	require.NoError(t, err)

	parts := parseMultipart(t, contentType, body)
	if len(parts) != 3 {
		t.Fatalf("want metadata + 2 modules, got %d parts: %#v", len(parts), parts)
	}

	meta := parts[0]
	assert.Equal(t, "metadata", meta.FormName, "first part is the metadata")
	assert.Equal(t, "", meta.FileName, "metadata is a field, not a file")
	assert.Equal(t, "application/json", meta.ContentType, "metadata content type")
	assert.JSONEq(t, `{"main_module":"index.js","compatibility_date":"2025-11-17",`+
		`"bindings":[{"type":"durable_object_namespace","name":"COUNTER","class_name":"Counter"}],`+
		`"migrations":{"new_tag":"v1","steps":[{"new_sqlite_classes":["Counter"]}]}}`,
		meta.Body, "metadata JSON; main_module defaulted to the first module")
	var decoded map[string]any
	require.NoError(t, json.Unmarshal([]byte(meta.Body), &decoded))

	for i, m := range modules {
		p := parts[i+1]
		assert.Equal(t, m.Name, p.FormName, "part name is the module name")
		assert.Equal(t, m.Name, p.FileName, "file name is the module name")
		assert.Equal(t, "application/javascript+module", p.ContentType, "module content type")
		assert.Equal(t, string(m.Content), p.Body, "module content")
	}
}

func TestBuildUploadRejectsBadModules(t *testing.T) {
	js := []byte("export default {}")
	cases := []struct {
		name    string
		md      Metadata
		modules []Module
		want    string
	}{
		{"none", Metadata{}, nil, "no modules"},
		{"empty name", Metadata{}, []Module{{Name: "", Content: js}}, "empty name"},
		{"duplicate", Metadata{}, []Module{{Name: "a.js", Content: js}, {Name: "a.js", Content: js}}, "used twice"},
		{"named metadata", Metadata{}, []Module{{Name: "metadata", Content: js}}, "used twice"},
		{"quote in name", Metadata{}, []Module{{Name: `a".js`, Content: js}}, "quote"},
		{"main not first", Metadata{MainModule: "b.js"}, []Module{{Name: "a.js", Content: js}, {Name: "b.js", Content: js}}, "must be the first module"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := buildUpload(c.md, c.modules)
			require.ErrorContains(t, err, c.want)
		})
	}
}
