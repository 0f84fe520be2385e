package cfapi

import (
	"encoding/json"
	"fmt"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/workers"
)

// Module is one ES module of a Worker: its name is the multipart part name, the file name and
// the specifier other modules import it by.
type Module struct {
	Name    string
	Content []byte
}

// MarshalJSON sends "text" for text bindings even when empty: an empty variable is a valid
// value, while a plain_text binding without "text" is a malformed one.
func (b Binding) MarshalJSON() ([]byte, error) {
	type plain Binding // no methods, so no recursion
	if b.Type != BindingPlainText && b.Type != BindingSecretText {
		return json.Marshal(plain(b))
	}
	return json.Marshal(struct {
		Type string `json:"type"`
		Name string `json:"name"`
		Text string `json:"text"`
	}{b.Type, b.Name, b.Text})
}

// Rename is one renamed_classes entry.
type Rename struct {
	// From is the class's old name, To its new one.
	From string `json:"from"`
	To   string `json:"to"`
}

// Transfer is one transferred_classes entry: class From of script FromScript becomes To here.
type Transfer struct {
	// From is the class in script FromScript; To is its name in the uploaded script.
	From       string `json:"from"`
	FromScript string `json:"from_script"`
	To         string `json:"to"`
}

// MigrationStep is one step of a Durable Object migration. Usually exactly one list is set, as
// wrangler writes one step per [[migrations]] entry.
type MigrationStep struct {
	// NewSqliteClasses become Durable Object classes with SQLite storage.
	NewSqliteClasses []string `json:"new_sqlite_classes,omitempty"`
	// NewClasses become Durable Object classes with KV storage (not on free plans).
	NewClasses []string `json:"new_classes,omitempty"`
	// RenamedClasses keep their objects under a new class name.
	RenamedClasses []Rename `json:"renamed_classes,omitempty"`
	// DeletedClasses lose their objects and all their data.
	DeletedClasses []string `json:"deleted_classes,omitempty"`
	// TransferredClasses move another script's class, with its objects, to this script.
	TransferredClasses []Transfer `json:"transferred_classes,omitempty"`
}

// Migration moves the script's migration tag from OldTag to NewTag by applying Steps.
// Cloudflare rejects it (10079) unless OldTag equals the script's current tag; OldTag is
// empty, and omitted, for a script that has no tag yet.
type Migration struct {
	// OldTag is the tag the script is at now ("" for none).
	OldTag string `json:"old_tag,omitempty"`
	// NewTag is the tag the script is at after this upload.
	NewTag string `json:"new_tag"`
	// Steps apply in order; only the steps after OldTag, as wrangler sends them.
	Steps []MigrationStep `json:"steps"`
}

// Metadata is the upload's `metadata` part (see docs/architecture.md).
type Metadata struct {
	// MainModule names the entry module; Scripts.Upload fills it from modules[0] when empty.
	MainModule string `json:"main_module"`
	// CompatibilityDate pins the runtime's behaviour (RPC on stubs needs >= 2024-04-03).
	CompatibilityDate string `json:"compatibility_date,omitempty"`
	// CompatibilityFlags turn runtime features on or off, e.g. nodejs_compat.
	CompatibilityFlags []string `json:"compatibility_flags,omitempty"`
	// Bindings is always sent, as [] when empty: an upload replaces all bindings, so "none"
	// is stated rather than implied.
	Bindings []Binding `json:"bindings"`
	// Migrations is nil when the script's migration tag is already current.
	Migrations *Migration `json:"migrations,omitempty"`
	// Tags replace the script's tags (Cloudflare allows a few short strings per script).
	Tags []string `json:"tags,omitempty"`
	// KeepBindings lists binding types to carry over from the previous version (e.g.
	// secret_text set outside lumier).
	KeepBindings []string `json:"keep_bindings,omitempty"`
	// Assets attaches the static assets of a completed upload session (assets.go).
	Assets *Assets `json:"assets,omitempty"`
}

// MarshalJSON encodes the metadata through cloudflare-go's own upload metadata type
// (workers.ScriptUpdateParamsMetadata): "bindings" always, as [] when empty, and a migration's
// "steps" as [] when it has none. Our types stay the model the provider plans with and the
// local Cloudflare stores; the library's param types (param.Field everywhere) are the wire.
func (m Metadata) MarshalJSON() ([]byte, error) {
	p := workers.ScriptUpdateParamsMetadata{
		MainModule: cloudflare.F(m.MainModule),
		Bindings:   cloudflare.F(make([]workers.ScriptUpdateParamsMetadataBindingUnion, 0, len(m.Bindings))),
	}
	if m.CompatibilityDate != "" {
		p.CompatibilityDate = cloudflare.F(m.CompatibilityDate)
	}
	if len(m.CompatibilityFlags) > 0 {
		p.CompatibilityFlags = cloudflare.F(m.CompatibilityFlags)
	}
	if len(m.Tags) > 0 {
		p.Tags = cloudflare.F(m.Tags)
	}
	if len(m.KeepBindings) > 0 {
		p.KeepBindings = cloudflare.F(m.KeepBindings)
	}
	for _, b := range m.Bindings {
		p.Bindings.Value = append(p.Bindings.Value, b.param())
	}
	if m.Migrations != nil {
		p.Migrations = cloudflare.F[workers.ScriptUpdateParamsMetadataMigrationsUnion](m.Migrations.param())
	}
	data, err := p.MarshalJSON()
	if err != nil {
		return nil, err
	}
	if data, err = addExtraFields(data, m.Bindings); err != nil || m.Assets == nil {
		return data, err
	}
	// The library's assets config types run_worker_first as a union our bool is not a member
	// of, so "assets" is encoded from our own type.
	var md map[string]json.RawMessage
	if err := json.Unmarshal(data, &md); err != nil {
		return nil, fmt.Errorf("adding assets to the metadata: %w", err)
	}
	if md["assets"], err = json.Marshal(m.Assets); err != nil {
		return nil, fmt.Errorf("adding assets to the metadata: %w", err)
	}
	return json.Marshal(md)
}

// addExtraFields adds each binding's extraFields to the encoded metadata.
func addExtraFields(data []byte, bindings []Binding) ([]byte, error) {
	extras := make([]map[string]json.RawMessage, len(bindings))
	hasExtra := false
	for i, b := range bindings {
		extras[i] = b.extraFields()
		hasExtra = hasExtra || len(extras[i]) > 0
	}
	if !hasExtra {
		return data, nil
	}
	var md map[string]json.RawMessage
	var encoded []map[string]json.RawMessage
	if err := json.Unmarshal(data, &md); err != nil {
		return nil, fmt.Errorf("adding binding fields to the metadata: %w", err)
	}
	if err := json.Unmarshal(md["bindings"], &encoded); err != nil || len(encoded) != len(bindings) {
		return nil, fmt.Errorf("adding binding fields to the metadata: bindings do not decode (%w)", err)
	}
	for i, extra := range extras {
		for k, v := range extra {
			encoded[i][k] = v
		}
	}
	var err error
	if md["bindings"], err = json.Marshal(encoded); err != nil {
		return nil, fmt.Errorf("adding binding fields to the metadata: %w", err)
	}
	return json.Marshal(md)
}

// param is the binding as cloudflare-go's catch-all binding param: the fields lumier sets, and
// text always for the text types (an empty variable is a valid value).
func (b Binding) param() workers.ScriptUpdateParamsMetadataBinding {
	p := workers.ScriptUpdateParamsMetadataBinding{
		Name: cloudflare.F(b.Name),
		Type: cloudflare.F(workers.ScriptUpdateParamsMetadataBindingsType(b.Type)),
	}
	if b.Type == BindingPlainText || b.Type == BindingSecretText {
		p.Text = cloudflare.F(b.Text)
	}
	b.setParamFields(&p)
	return p
}

// param is the migration as cloudflare-go's multiple-step migration param.
func (m Migration) param() workers.ScriptUpdateParamsMetadataMigrationsWorkersMultipleStepMigrations {
	p := workers.ScriptUpdateParamsMetadataMigrationsWorkersMultipleStepMigrations{
		NewTag: cloudflare.F(m.NewTag),
		Steps:  cloudflare.F(make([]workers.MigrationStepParam, 0, len(m.Steps))),
	}
	if m.OldTag != "" {
		p.OldTag = cloudflare.F(m.OldTag)
	}
	for _, st := range m.Steps {
		var sp workers.MigrationStepParam
		if st.NewSqliteClasses != nil {
			sp.NewSqliteClasses = cloudflare.F(st.NewSqliteClasses)
		}
		if st.NewClasses != nil {
			sp.NewClasses = cloudflare.F(st.NewClasses)
		}
		if st.DeletedClasses != nil {
			sp.DeletedClasses = cloudflare.F(st.DeletedClasses)
		}
		for _, r := range st.RenamedClasses {
			sp.RenamedClasses.Value = append(sp.RenamedClasses.Value,
				workers.MigrationStepRenamedClassParam{From: cloudflare.F(r.From), To: cloudflare.F(r.To)})
		}
		if st.RenamedClasses != nil {
			sp.RenamedClasses = cloudflare.F(sp.RenamedClasses.Value)
		}
		for _, t := range st.TransferredClasses {
			sp.TransferredClasses.Value = append(sp.TransferredClasses.Value, workers.MigrationStepTransferredClassParam{
				From: cloudflare.F(t.From), FromScript: cloudflare.F(t.FromScript), To: cloudflare.F(t.To)})
		}
		if st.TransferredClasses != nil {
			sp.TransferredClasses = cloudflare.F(sp.TransferredClasses.Value)
		}
		p.Steps.Value = append(p.Steps.Value, sp)
	}
	return p
}
