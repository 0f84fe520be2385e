package scripts

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/rules"
)

// maxUploadBytes bounds an upload's body before it is parsed, to stop a runaway client;
// Cloudflare's own limit, on the gzip size, is checked after (see checkWorkerSize).
const maxUploadBytes = 64 << 20

// ModuleContentType is the content type of an ES module part.
const ModuleContentType = "application/javascript+module"

// defaultCompatibilityDate is what Cloudflare uses for an upload without a compatibility date:
// the oldest date, before any flag took effect.
const defaultCompatibilityDate = "2021-11-02"

// metadata is the upload's "metadata" part.
type metadata struct {
	MainModule         string            `json:"main_module"`
	BodyPart           string            `json:"body_part"`
	CompatibilityDate  string            `json:"compatibility_date"`
	CompatibilityFlags []string          `json:"compatibility_flags"`
	Bindings           []json.RawMessage `json:"bindings"`
	Migrations         *migrationsJSON   `json:"migrations"`
	KeepBindings       []string          `json:"keep_bindings"`
	Tags               []string          `json:"tags"`        // replaces the script's tags when set
	Annotations        map[string]string `json:"annotations"` // versions uploads: workers/message, workers/tag
	// Assets attaches the static assets of a completed upload session; KeepAssets keeps the
	// previous version's instead (local/assets).
	Assets *struct {
		JWT    string               `json:"jwt"`
		Config account.AssetsConfig `json:"config"`
	} `json:"assets"`
	KeepAssets bool `json:"keep_assets"`
}

// migrationsJSON accepts both shapes Cloudflare accepts: {"old_tag","new_tag","steps":[...]} and
// the single-step form with the step's fields next to the tags.
type migrationsJSON struct {
	rules.Step
	OldTag string       `json:"old_tag"`
	NewTag string       `json:"new_tag"`
	Steps  []rules.Step `json:"steps"`
}

func (m *migrationsJSON) rules() *rules.Migrations {
	if m == nil {
		return nil
	}
	out := &rules.Migrations{OldTag: m.OldTag, NewTag: m.NewTag, Steps: m.Steps}
	single := m.Step
	if len(single.NewClasses)+len(single.NewSQLiteClasses)+len(single.RenamedClasses)+
		len(single.DeletedClasses)+len(single.TransferredClasses) > 0 {
		out.Steps = append([]rules.Step{single}, out.Steps...)
	}
	return out
}

// upload is a parsed, validated upload request.
type upload struct {
	meta     metadata
	bindings []account.Binding
	modules  []uploadedModule
}

// exports are the names the upload's main module exports.
func (up *upload) exports() []string {
	contents := make(map[string][]byte, len(up.modules))
	for _, m := range up.modules {
		contents[m.name] = m.content
	}
	return moduleExports(contents, up.meta.MainModule)
}

type uploadedModule struct {
	name    string
	content []byte
}

// parseUpload reads an upload's multipart body and validates its shape (not yet against the
// account: that is the rules' job). kinds are the binding types the runtime runs (Runtime.Kinds).
func parseUpload(r *http.Request, plan account.Plan, kinds []string) (*upload, error) {
	mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" || params["boundary"] == "" {
		return nil, envelope.NewError(http.StatusUnsupportedMediaType, envelope.CodeContentType,
			"Content-Type must be one of: application/javascript, text/javascript, multipart/form-data")
	}
	mr := multipart.NewReader(http.MaxBytesReader(nil, r.Body, maxUploadBytes), params["boundary"])

	var (
		up      upload
		rawMeta []byte
		seen    = map[string]bool{}
	)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "could not parse multipart body: %v", err)
		}
		content, err := io.ReadAll(part)
		if err != nil {
			return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "could not read content for part %s", part.FormName())
		}
		if part.FormName() == "metadata" {
			rawMeta = content
			continue
		}
		// The part's name is the module's name (main_module names a part). FileName is not
		// used: Go reduces it to its last path element, and module names can hold paths.
		name := part.FormName()
		if name == "" {
			_, disp, _ := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
			name = disp["filename"]
		}
		if name == "" || seen[name] {
			return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "module part %q is unnamed or uploaded twice", name)
		}
		seen[name] = true
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if ct != ModuleContentType {
			return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation,
				"part %q has content type %q; the local Cloudflare runs ES modules only (%s)", name, ct, ModuleContentType)
		}
		up.modules = append(up.modules, uploadedModule{name: name, content: content})
	}

	if rawMeta == nil {
		return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "could not read content for part metadata")
	}
	if err := checkWorkerSize(plan, up.modules); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(rawMeta, &up.meta); err != nil {
		return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "could not read content for part metadata: %v", err)
	}
	if up.meta.MainModule == "" {
		if up.meta.BodyPart != "" {
			return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation,
				"service-worker syntax (body_part) is not supported by the local Cloudflare: upload ES modules with main_module")
		}
		return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "could not read content for part metadata: main_module is required")
	}
	if !seen[up.meta.MainModule] {
		return nil, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "Uncaught Error: No such module %q.", up.meta.MainModule)
	}
	if up.meta.CompatibilityDate == "" {
		up.meta.CompatibilityDate = defaultCompatibilityDate
	}
	bindings, err := parseBindings(up.meta.Bindings, kinds)
	if err != nil {
		return nil, err
	}
	up.bindings = bindings
	return &up, nil
}

// keepBindings adds the previous version's bindings of the types listed in keep_bindings, unless
// the upload names a binding of the same name (Cloudflare's keep_bindings).
func keepBindings(uploaded, previous []account.Binding, keep []string) []account.Binding {
	if len(keep) == 0 {
		return uploaded
	}
	kept := map[string]bool{}
	for _, t := range keep {
		kept[t] = true
	}
	names := map[string]bool{}
	for _, b := range uploaded {
		names[b.Name] = true
	}
	out := append([]account.Binding(nil), uploaded...)
	for _, b := range previous {
		if kept[b.Type] && !names[b.Name] {
			out = append(out, b)
		}
	}
	return out
}

// errAssetsBindingWithoutAssets refuses an upload that binds assets it does not have.
var errAssetsBindingWithoutAssets = envelope.NewError(http.StatusBadRequest, envelope.CodeValidation,
	"binding of type assets needs assets: upload them first and send assets.jwt (or keep_assets) in the metadata")

// hasBinding reports whether bindings hold one of type kind.
func hasBinding(bindings []account.Binding, kind string) bool {
	for _, b := range bindings {
		if b.Type == kind {
			return true
		}
	}
	return false
}
