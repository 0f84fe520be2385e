package provider

import (
	"context"
	"errors"
	"fmt"
	"sync"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

// accountSubdomains caches, per API and account, the account's workers.dev subdomain ("" for
// none): it is read once per provider process, so a stack of many Workers costs one call, and a
// Worker's URL needs none. Only definite answers are kept; a failed read is tried again by the
// next Worker.
var accountSubdomains = struct {
	sync.Mutex
	name map[string]string
}{name: map[string]string{}}

// checkSubdomain refuses, at preview, a Worker that turns workers.dev on in an account without a
// workers.dev subdomain: Cloudflare would accept the upload and then have no URL to serve it at.
// A Worker that already had workersDev on is not checked again (its account has one).
func checkSubdomain(ctx context.Context, args ScriptArgs, previous *ScriptArgs) ([]p.CheckFailure, error) {
	if !args.workersDev() || (previous != nil && previous.workersDev()) {
		return nil, nil
	}
	if infer.GetConfig[Config](ctx).client == nil {
		// Configure has not run: this Check is outside an engine run (the provider's unit tests
		// of other checks), and there is no account to ask.
		return nil, nil
	}
	// An API that cannot be reached fails the preview here, saying which setting to check,
	// rather than after waiting out the same timeout again at the first deployment call.
	has, err := hasSubdomain(ctx)
	if err != nil || has {
		return nil, err
	}
	account := infer.GetConfig[Config](ctx).AccountID
	return []p.CheckFailure{{Property: "workersDev", Reason: fmt.Sprintf("account %s has no workers.dev subdomain yet, so "+
		"Worker %q cannot be served on workers.dev. Register one in the Cloudflare dashboard "+
		"(https://dash.cloudflare.com/%s/workers/onboarding) or with the API (PUT /accounts/%s/workers/subdomain "+
		"{\"subdomain\": \"<name>\"}), then run the update again; or set workersDev: false for this Worker",
		account, args.ScriptName, account, account)}}, nil
}

// hasSubdomain says whether the configured account has a workers.dev subdomain, from the cache
// when this process already asked.
func hasSubdomain(ctx context.Context) (bool, error) {
	cfg := infer.GetConfig[Config](ctx)
	key := cfg.APIURL + " " + cfg.AccountID
	accountSubdomains.Lock()
	defer accountSubdomains.Unlock()
	if name, ok := accountSubdomains.name[key]; ok {
		return name != "", nil
	}
	c, err := clientFrom(ctx)
	if err != nil {
		return false, err
	}
	name, err := c.Scripts.Subdomain(ctx)
	switch {
	case errors.Is(err, cfapi.ErrNoSubdomain):
		accountSubdomains.name[key] = ""
	case err != nil:
		return false, err
	default:
		accountSubdomains.name[key] = name
	}
	return accountSubdomains.name[key] != "", nil
}

// workersDevURL is where script name answers on workers.dev: from the account's subdomain when
// this process has read it (the check of a Worker turning workers.dev on does), else read from
// the API.
func workersDevURL(ctx context.Context, c *cfapi.Client, name string) (string, error) {
	cfg := infer.GetConfig[Config](ctx)
	accountSubdomains.Lock()
	sub := accountSubdomains.name[cfg.APIURL+" "+cfg.AccountID]
	accountSubdomains.Unlock()
	if sub != "" {
		return cfapi.WorkersDevURL(name, sub), nil
	}
	return c.Scripts.URL(ctx, name)
}
