package scripts

import (
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/envelope"
)

// Cloudflare's codes for the secrets API (docs/cloudflare-api.md).
const (
	// CodeVersionNotDeployed refuses a secret change while the script's latest version is not
	// the one deployed at 100% (wrangler secret/index.ts VERSION_NOT_DEPLOYED_ERR_CODE): the
	// change would deploy that version with it.
	CodeVersionNotDeployed = 10215
	// CodeBindingNameInUse refuses a secret named like one of the script's other bindings
	// (users' reports of `wrangler secret put`; the text is unconfirmed).
	CodeBindingNameInUse = 10053
	// CodeSecretNotFound is a secret the script does not have: Cloudflare's code is
	// unconfirmed; 10021 is its validation code.
	CodeSecretNotFound = envelope.CodeValidation
)

// secretJSON is one secret as the secrets API answers it: its name and type, never its text
// (cloudflare-go v4 workers.ScriptSecretListResponse, wrangler's fetchSecrets).
type secretJSON struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// secretUpload is the body of PUT .../secrets and an entry of PATCH .../secrets-bulk.
type secretUpload struct {
	Name string  `json:"name"`
	Type string  `json:"type"`
	Text *string `json:"text"`
}

// check refuses a secret the local Cloudflare cannot keep: only secret_text, with a text.
func (u secretUpload) check() error {
	if u.Name == "" {
		return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "a secret needs a name")
	}
	if u.Type != account.BindingSecretText {
		return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation,
			"secret '%s' has type '%s': the local Cloudflare keeps secrets of type secret_text only", u.Name, u.Type)
	}
	if u.Text == nil {
		return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "secret '%s' of type secret_text needs a text", u.Name)
	}
	return nil
}

// secretsOf lists the secrets among bindings, by name.
func secretsOf(bindings []account.Binding) []secretJSON {
	out := []secretJSON{}
	for _, b := range bindings {
		if b.Type == account.BindingSecretText {
			out = append(out, secretJSON{Name: b.Name, Type: b.Type})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// setSecret puts secret u into bindings, replacing a secret of that name; a binding of another
// type under that name is refused.
func setSecret(bindings []account.Binding, u secretUpload) ([]account.Binding, error) {
	i := slices.IndexFunc(bindings, func(b account.Binding) bool { return b.Name == u.Name })
	secret := account.Binding{Type: account.BindingSecretText, Name: u.Name, Text: *u.Text}
	switch {
	case i < 0:
		return append(bindings, secret), nil
	case bindings[i].Type != account.BindingSecretText:
		return nil, envelope.NewError(http.StatusBadRequest, CodeBindingNameInUse,
			"Binding name '%s' already in use. Please use a different name and try again.", u.Name)
	}
	bindings[i] = secret
	return bindings, nil
}

// handleListSecrets is GET .../scripts/{name}/secrets: the secrets of the version serving.
func (a *API) handleListSecrets(w http.ResponseWriter, r *http.Request) {
	rec, ok := a.ledger.Load().Scripts[r.PathValue("script")]
	if !ok {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	envelope.WriteResult(w, http.StatusOK, secretsOf(rec.Bindings), nil)
}

// handleGetSecret is GET .../scripts/{name}/secrets/{secret}: its name and type.
func (a *API) handleGetSecret(w http.ResponseWriter, r *http.Request) {
	rec, ok := a.ledger.Load().Scripts[r.PathValue("script")]
	if !ok {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	name := r.PathValue("secret")
	for _, sec := range secretsOf(rec.Bindings) {
		if sec.Name == name {
			envelope.WriteResult(w, http.StatusOK, sec, nil)
			return
		}
	}
	envelope.WriteError(w, secretNotFound(rec.Name, name))
}

func secretNotFound(script, name string) *envelope.Error {
	return envelope.NewError(http.StatusNotFound, CodeSecretNotFound, "script %s has no secret named '%s'", script, name)
}

// handlePutSecret is PUT .../scripts/{name}/secrets {"name","text","type":"secret_text"}: adds
// or replaces one secret. Like every secret change, it makes a new version of the version
// serving, with the change, and deploys it at 100%.
func (a *API) handlePutSecret(w http.ResponseWriter, r *http.Request) {
	var u secretUpload
	if err := envelope.ReadJSON(r, &u); err != nil {
		envelope.WriteError(w, err)
		return
	}
	if err := u.check(); err != nil {
		envelope.WriteError(w, err)
		return
	}
	err := a.changeSecrets(r, func(bindings []account.Binding) ([]account.Binding, error) {
		return setSecret(bindings, u)
	})
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	envelope.WriteResult(w, http.StatusOK, secretJSON{Name: u.Name, Type: u.Type}, nil)
}

// handleDeleteSecret is DELETE .../scripts/{name}/secrets/{secret}[?url_encoded=true] (the name
// arrives decoded either way): a new version without the secret, deployed at 100%.
func (a *API) handleDeleteSecret(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("secret")
	err := a.changeSecrets(r, func(bindings []account.Binding) ([]account.Binding, error) {
		i := slices.IndexFunc(bindings, func(b account.Binding) bool { return b.Type == account.BindingSecretText && b.Name == name })
		if i < 0 {
			return nil, secretNotFound(r.PathValue("script"), name)
		}
		return slices.Delete(bindings, i, i+1), nil
	})
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	envelope.WriteResult(w, http.StatusOK, nil, nil)
}

// handlePatchSecrets is PATCH .../scripts/{name}/secrets-bulk, a JSON merge patch (RFC 7396)
// {"secrets": {NAME: {"name","text","type"} | null}}: each entry is set, each null deleted,
// the others kept, all in one new version deployed at 100% (wrangler secret/index.ts
// putBulkSecrets; the answer's result is null there).
func (a *API) handlePatchSecrets(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Secrets map[string]*secretUpload `json:"secrets"`
	}
	if err := envelope.ReadJSON(r, &body); err != nil {
		envelope.WriteError(w, err)
		return
	}
	names := make([]string, 0, len(body.Secrets))
	for name, u := range body.Secrets {
		if u != nil {
			if u.Name == "" {
				u.Name = name
			}
			if u.Name != name {
				envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "secret '%s' is named '%s' in its body", name, u.Name))
				return
			}
			if err := u.check(); err != nil {
				envelope.WriteError(w, err)
				return
			}
		}
		names = append(names, name)
	}
	sort.Strings(names)
	err := a.changeSecrets(r, func(bindings []account.Binding) ([]account.Binding, error) {
		for _, name := range names {
			if u := body.Secrets[name]; u != nil {
				var err error
				if bindings, err = setSecret(bindings, *u); err != nil {
					return nil, err
				}
				continue
			}
			bindings = slices.DeleteFunc(bindings, func(b account.Binding) bool { return b.Type == account.BindingSecretText && b.Name == name })
		}
		return bindings, nil
	})
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	envelope.WriteResult(w, http.StatusOK, nil, nil)
}

// changeSecrets makes a new version of the script in r's path from the version serving, with
// edit applied to its bindings, and deploys it at 100% (triggered_by "secret"). It is refused
// with 10215 while the latest version is not the one deployed at 100%, as on Cloudflare: the
// change would otherwise deploy a version nobody chose to deploy.
func (a *API) changeSecrets(r *http.Request, edit func([]account.Binding) ([]account.Binding, error)) error {
	name := r.PathValue("script")
	a.ledger.Lock()
	defer a.ledger.Unlock()
	prev := a.ledger.Load()
	if _, ok := prev.Scripts[name]; !ok {
		return envelope.ScriptNotFound()
	}
	next := prev.Clone()
	rec := next.Own(name)
	rec.EnsureVersions()
	latest := rec.Versions[len(rec.Versions)-1]
	if d := rec.CurrentDeployment(); len(d.Versions) != 1 || d.Versions[0].VersionID != latest.ID {
		return envelope.NewError(http.StatusBadRequest, CodeVersionNotDeployed,
			"the latest version of script %s is not deployed at 100%%: deploy it, or change secrets with a new version (POST .../versions)", name)
	}
	v := rec.Snapshot(time.Now().UTC(), requestSource(r))
	v.TriggeredBy = account.TriggeredBySecret
	bindings, err := edit(v.Bindings)
	if err != nil {
		return err
	}
	v.Bindings = bindings
	rec.AddVersion(v)
	rec.DeployAll(v)
	rec.ModifiedOn = v.CreatedOn
	rec.Etag = etag(rec)
	ctx, cancel := contextFor(r)
	defer cancel()
	if err := a.rt.Apply(ctx, prev, next, name); err != nil {
		return err
	}
	if err := a.ledger.Commit(ctx, prev, next); err != nil {
		return err
	}
	a.logger.Info("secrets changed", "script", name, "version", v.ID)
	return nil
}
