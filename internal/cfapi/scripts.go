package cfapi

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/workers"
)

// ScriptService is the Workers scripts family of calls (cloudflare-go's client.Workers.Scripts and
// its sub-services, with the account's workers.dev subdomain): uploads, versions and deployments,
// settings, cron schedules, tails and the workers.dev route.
type ScriptService struct{ c *Client }

// codeTagPrecondition is Cloudflare's refusal of a migration whose old_tag is not the script's
// current tag.
const codeTagPrecondition = 10079

// Script is what the account's script list says about one script.
type Script struct {
	// Name is the script's name (its id in the API).
	Name string
	// MigrationTag is the Durable Object migration tag the script is at; "" when it has none.
	MigrationTag string
	// ModifiedOn is when the script was last uploaded.
	ModifiedOn time.Time
}

// Settings are a script's bindings and compatibility settings as Cloudflare stores them.
// Secret bindings come back without their text.
type Settings struct {
	// Bindings as stored; secret_text bindings have an empty Text.
	Bindings []Binding
	// CompatibilityDate and CompatibilityFlags as uploaded.
	CompatibilityDate  string
	CompatibilityFlags []string
	// Tags are the script's tags; lumier marks the scripts it deploys with one.
	Tags []string
}

// Upload creates or replaces script name with modules (modules[0] is the main module)
// and the bindings, compatibility settings and migrations in md.
//
// cloudflare-go v4.6.0's Workers.Scripts.Update encodes its params as JSON and cannot carry
// module parts, so the typed call is used with the body replaced by our multipart encoding
// (what Cloudflare's Terraform provider does); retries still work because the body is a
// byte slice cloudflare-go can rewind.
func (s *ScriptService) Upload(ctx context.Context, name string, md Metadata, modules []Module) error {
	if err := s.c.precheckScript(ctx, name); err != nil {
		return fmt.Errorf("uploading script %q: %w", name, err)
	}
	w, err := s.upload(ctx, name, md, modules)
	if err != nil && md.Migrations != nil && w.lost > 0 {
		err = s.uploadAgainAfterLostMigration(ctx, name, md, modules, err)
	}
	if err != nil {
		return fmt.Errorf("uploading script %q: %w", name, err)
	}
	return nil
}

// upload sends one upload (a PUT, sent again after a 5xx or a dropped connection) and returns
// what the wire saw with its error.
func (s *ScriptService) upload(ctx context.Context, name string, md Metadata, modules []Module) (*wire, error) {
	body, contentType, err := buildUpload(md, modules)
	if err != nil {
		return nil, err
	}
	w := s.c.newWire(false, false)
	return w, s.c.send(w, func(opts ...option.RequestOption) error {
		opts = append(opts, option.WithRequestBody(contentType, body))
		_, err := s.c.cf.Workers.Scripts.Update(ctx, name, workers.ScriptUpdateParams{
			AccountID: cloudflare.F(s.c.accountID),
		}, opts...)
		return err
	})
}

// uploadAgainAfterLostMigration handles the one way a repeated upload is not harmless: one that
// carries a Durable Object migration, whose earlier attempt was acted on although its connection
// dropped, moved the script's migration tag, so the next attempt's old_tag no longer matches
// (10079). When the script is now at the migration's new tag, the lost attempt applied it: the
// upload is sent again without the migration, which changes nothing more. Any other error, or
// another tag, is returned as it came.
func (s *ScriptService) uploadAgainAfterLostMigration(ctx context.Context, name string, md Metadata, modules []Module, err error) error {
	if apiErr, ok := AsAPIError(err); !ok || apiErr.Code != codeTagPrecondition {
		return err
	}
	script, readErr := s.Get(ctx, name)
	if readErr != nil || script.MigrationTag != md.Migrations.NewTag {
		return err
	}
	tag := md.Migrations.NewTag
	md.Migrations = nil
	if _, err := s.upload(ctx, name, md, modules); err != nil {
		return err
	}
	s.c.notify(ctx, fmt.Sprintf("script %q: the connection dropped after the upload went out, and the script is at its "+
		"new migration tag %q, so that upload applied the Durable Object migration: lumier sent the upload again "+
		"without it", name, tag))
	return nil
}

// Get finds name in the account's script list, the only read that carries the script's
// migration_tag. A script that is not listed yields an error matching IsNotFound.
func (s *ScriptService) Get(ctx context.Context, name string) (*Script, error) {
	if err := s.c.precheckScript(ctx, name); err != nil {
		return nil, fmt.Errorf("reading script %q: %w", name, err)
	}
	scripts, err := s.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading script %q: %w", name, err)
	}
	for _, s := range scripts {
		if s.Name == name {
			return &s, nil
		}
	}
	return nil, fmt.Errorf("reading script %q: not in the account's script list: %w", name, ErrNotFound)
}

// List lists the account's scripts.
func (s *ScriptService) List(ctx context.Context) ([]Script, error) {
	if err := s.c.precheck(ctx); err != nil {
		return nil, fmt.Errorf("listing scripts: %w", err)
	}
	var page []workers.Script
	err := s.c.call(func(opts ...option.RequestOption) error {
		res, err := s.c.cf.Workers.Scripts.List(ctx, workers.ScriptListParams{
			AccountID: cloudflare.F(s.c.accountID),
		}, opts...)
		if res != nil {
			page = res.Result
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listing scripts: %w", err)
	}
	out := make([]Script, 0, len(page))
	for _, s := range page {
		tag, err := migrationTag(s)
		if err != nil {
			return nil, fmt.Errorf("listing scripts: script %q: %w", s.ID, err)
		}
		out = append(out, Script{Name: s.ID, MigrationTag: tag, ModifiedOn: s.ModifiedOn})
	}
	return out, nil
}

// migrationTag reads migration_tag, which v4.6.0's Script struct does not model, from the
// fields cloudflare-go keeps aside for unknown keys.
func migrationTag(s workers.Script) (string, error) {
	f, ok := s.JSON.ExtraFields["migration_tag"]
	if !ok || f.IsNull() {
		return "", nil
	}
	var tag string
	if err := json.Unmarshal([]byte(f.Raw()), &tag); err != nil {
		return "", fmt.Errorf("decoding migration_tag %s: %w", f.Raw(), err)
	}
	return tag, nil
}

// Settings reads script name's bindings and compatibility settings
// (GET .../scripts/{name}/settings).
func (s *ScriptService) Settings(ctx context.Context, name string) (*Settings, error) {
	if err := s.c.precheckScript(ctx, name); err != nil {
		return nil, fmt.Errorf("reading settings of script %q: %w", name, err)
	}
	var res *workers.ScriptScriptAndVersionSettingGetResponse
	err := s.c.call(func(opts ...option.RequestOption) error {
		var err error
		res, err = s.c.cf.Workers.Scripts.ScriptAndVersionSettings.Get(ctx, name,
			workers.ScriptScriptAndVersionSettingGetParams{AccountID: cloudflare.F(s.c.accountID)}, opts...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading settings of script %q: %w", name, err)
	}
	return settingsFrom(res), nil
}

// settingsFrom keeps the fields lumier manages. A binding is read from its raw JSON into
// Binding, so every wire field Binding has reads back, including the ones cloudflare-go's
// response type lacks or types too narrowly (a service binding's entrypoint, a json binding's
// value); other binding types keep their type and name so a diff can still see that they exist.
func settingsFrom(res *workers.ScriptScriptAndVersionSettingGetResponse) *Settings {
	s := &Settings{CompatibilityDate: res.CompatibilityDate, CompatibilityFlags: res.CompatibilityFlags, Tags: res.Tags}
	for _, b := range res.Bindings {
		var out Binding
		if err := json.Unmarshal([]byte(b.JSON.RawJSON()), &out); err != nil {
			out = Binding{Type: string(b.Type), Name: b.Name}
		}
		s.Bindings = append(s.Bindings, out)
	}
	return s
}

// Delete deletes script name. force also deletes its Durable Objects and their data,
// and overrides bindings from other scripts that would otherwise block the delete. A script
// that does not exist yields an error matching IsNotFound.
func (s *ScriptService) Delete(ctx context.Context, name string, force bool) error {
	if err := s.c.precheckScript(ctx, name); err != nil {
		return fmt.Errorf("deleting script %q: %w", name, err)
	}
	params := workers.ScriptDeleteParams{AccountID: cloudflare.F(s.c.accountID)}
	if force {
		params.Force = cloudflare.F(true)
	}
	err := s.c.call(func(opts ...option.RequestOption) error {
		_, err := s.c.cf.Workers.Scripts.Delete(ctx, name, params, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("deleting script %q: %w", name, err)
	}
	return nil
}
