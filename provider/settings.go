package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// The provider's settings say how to reach one Cloudflare account (the API URL, the token, how
// long a call may take, the plan's limits). None of them is part of a resource, so a change of
// one never replaces a resource: diffConfig reports it as an update of the provider, which the
// engine applies by configuring the provider anew. A change of the account itself is caught
// resource by resource (guardAccount): what was deployed lives in the old account, and only the
// user can say whether to go back or to move it.

// diffConfig lists the settings that changed, each as an in-place update, and never asks for a
// replacement (pulumi-go-provider's default replaces the provider on any change, and with it
// every resource it manages: a Worker deleted and uploaded again, a namespace created twice).
func diffConfig(_ context.Context, req p.DiffRequest) (p.DiffResponse, error) {
	olds := req.OldInputs
	if olds.Len() == 0 {
		olds = req.State
	}
	keys := map[string]bool{}
	for k := range olds.All {
		keys[k] = true
	}
	for k := range req.Inputs.All {
		keys[k] = true
	}
	diff := map[string]p.PropertyDiff{}
	for k := range keys {
		if k == "version" || strings.HasPrefix(k, "__") {
			continue // the plugin's version and infer's own markers are not settings
		}
		if !sameSetting(olds.Get(k), req.Inputs.Get(k)) {
			diff[k] = p.PropertyDiff{Kind: p.Update}
		}
	}
	return p.DiffResponse{HasChanges: len(diff) > 0, DetailedDiff: diff}, nil
}

// sameSetting compares two values of a setting, whether or not either is marked secret (the
// token set again with `pulumi config set --secret` is the same token), and whether an unset
// setting is absent or "": infer's CheckConfig writes every unset setting as "", while the
// provider `pulumi import` records holds only the settings the stack sets (Configure reads ""
// as unset too, and falls back to the environment).
func sameSetting(a, b property.Value) bool {
	if a.HasComputed() || b.HasComputed() {
		return false
	}
	return unsetAsNull(a.WithSecret(false)).Equals(unsetAsNull(b.WithSecret(false)))
}

// unsetAsNull is v, with "" read as the absent value it stands for.
func unsetAsNull(v property.Value) property.Value {
	if v.IsString() && v.AsString() == "" {
		return property.Value{}
	}
	return v
}

// guard runs two checks before each operation on a resource that Cloudflare holds, in one place
// for every resource type: the settings reach the API with a token it accepts (verified once
// per provider process, so a wrong URL or token fails the preview, not the up), and a resource
// deployed in another account than the configured one is left alone (guardAccount). cfg is the
// configuration infer decodes and Configure resolves.
func guard(prov p.Provider, cfg *Config) p.Provider {
	conn := &connectionCheck{cfg: cfg}
	create, read, update, diff, del := prov.Create, prov.Read, prov.Update, prov.Diff, prov.Delete
	prov.Create = func(ctx context.Context, req p.CreateRequest) (p.CreateResponse, error) {
		if err := conn.check(ctx, req.Urn, ""); err != nil { // a new resource has no id yet
			return p.CreateResponse{}, err
		}
		return create(ctx, req)
	}
	prov.Read = func(ctx context.Context, req p.ReadRequest) (p.ReadResponse, error) {
		if err := conn.check(ctx, req.Urn, req.ID); err != nil {
			return p.ReadResponse{}, err
		}
		return read(ctx, req)
	}
	prov.Update = func(ctx context.Context, req p.UpdateRequest) (p.UpdateResponse, error) {
		if err := conn.check(ctx, req.Urn, req.ID); err != nil {
			return p.UpdateResponse{}, err
		}
		return update(ctx, req)
	}
	prov.Diff = func(ctx context.Context, req p.DiffRequest) (p.DiffResponse, error) {
		if err := conn.check(ctx, req.Urn, req.ID); err != nil {
			return p.DiffResponse{}, err
		}
		return diff(ctx, req)
	}
	prov.Delete = func(ctx context.Context, req p.DeleteRequest) error {
		if err := conn.check(ctx, req.Urn, req.ID); err != nil {
			return err
		}
		return del(ctx, req)
	}
	return prov
}

// dataGuardType is the DataGuard's type token.
const dataGuardType = Name + ":index:DataGuard"

// connectionCheck verifies the configured token once per provider process.
type connectionCheck struct {
	cfg  *Config
	mu   sync.Mutex
	done bool
	err  error
}

// check refuses a resource of another account, then verifies the connection. The DataGuard
// holds nothing on Cloudflare (it asks the API only when data leaves the app): both are left out.
func (c *connectionCheck) check(ctx context.Context, urn resource.URN, id string) error {
	if urn.Type() == dataGuardType {
		return nil
	}
	if err := guardAccount(urn, id, c.cfg.AccountID); err != nil {
		return err
	}
	return c.verify(ctx)
}

// verify asks the API, the first time only, whether the configured token is valid, so that a
// wrong API URL or token fails the first operation (the preview's) with the setting to fix. A
// provider that is not configured is left to fail where it needs the client.
func (c *connectionCheck) verify(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done || c.cfg.client == nil {
		return c.err
	}
	err := c.cfg.client.VerifyToken(ctx)
	if errors.Is(err, context.Canceled) {
		return err // this operation was cancelled; the next one checks again
	}
	c.done = true
	if err != nil {
		c.err = fmt.Errorf("lumier cannot use the Cloudflare API at %s with the configured settings: %w", c.cfg.APIURL, err)
	}
	return c.err
}

// guardAccount refuses to touch a resource whose id ("<accountId>/<id>", the form every
// Cloudflare-held resource of lumier records) names another account than the configured one:
// reading it from the configured account would find nothing, an update would create it there,
// and a delete could hit a namespace of the same id that belongs to someone else. It never
// decides for the user which account is right.
func guardAccount(urn resource.URN, id, configured string) error {
	account, rest, ok := strings.Cut(id, "/")
	if !ok || configured == "" || account == configured {
		return nil
	}
	typ, name := string(urn.Type()), urn.Name()
	return fmt.Errorf("%s %q (id %s) lives in Cloudflare account %s, but lumier:accountId (or CLOUDFLARE_ACCOUNT_ID) "+
		"is now %s. lumier does not move resources between accounts, and this setting change neither changes nor "+
		"deletes anything. Either set the account back: `pulumi config set lumier:accountId %s`; or move this "+
		"stack's resources yourself: `pulumi state delete '%s'` (it stays on Cloudflare in account %s) for each "+
		"resource of account %s, then `pulumi up` creates them anew in account %s, or `pulumi import %s %s %s/%s` "+
		"takes one over that already exists there",
		typ, name, id, account, configured, account, urn, account, account, configured, typ, name, configured, rest)
}
