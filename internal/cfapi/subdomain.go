package cfapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/workers"
)

// ErrNoSubdomain means the account has not registered a workers.dev subdomain yet, as a new
// account has not: Cloudflare answers GET .../workers/subdomain with code 10007, which is how
// wrangler tells (packages/wrangler/src/routes.ts, getWorkersDevSubdomain).
var ErrNoSubdomain = errors.New("the account has no workers.dev subdomain registered")

// Subdomain returns the account's workers.dev subdomain (the "<sub>" of
// <script>.<sub>.workers.dev), or an error wrapping ErrNoSubdomain when it has none.
func (s *ScriptService) Subdomain(ctx context.Context) (string, error) {
	if err := s.c.precheck(ctx); err != nil {
		return "", fmt.Errorf("reading workers.dev subdomain: %w", err)
	}
	var sub string
	err := s.c.call(func(opts ...option.RequestOption) error {
		res, err := s.c.cf.Workers.Subdomains.Get(ctx, workers.SubdomainGetParams{
			AccountID: cloudflare.F(s.c.accountID),
		}, opts...)
		if res != nil {
			sub = res.Subdomain
		}
		return err
	})
	if apiErr, ok := AsAPIError(err); ok && apiErr.Code == codeScriptNotFound {
		return "", fmt.Errorf("reading workers.dev subdomain: %w", ErrNoSubdomain)
	}
	if err != nil {
		return "", fmt.Errorf("reading workers.dev subdomain: %w", err)
	}
	if sub == "" {
		return "", fmt.Errorf("reading workers.dev subdomain: %w", ErrNoSubdomain)
	}
	return sub, nil
}

// SetWorkersDev turns script name's workers.dev route on or off
// (POST .../scripts/{name}/subdomain {"enabled":bool}). When turning it on, it returns the
// script's URL if the answer carries it (the local Cloudflare's "url" extension, see URL),
// else "": on Cloudflare the URL is WorkersDevURL of the account's subdomain.
func (s *ScriptService) SetWorkersDev(ctx context.Context, name string, enabled bool) (string, error) {
	if err := s.c.precheckScript(ctx, name); err != nil {
		return "", fmt.Errorf("setting workers.dev for script %q: %w", name, err)
	}
	var res *workers.ScriptSubdomainNewResponse
	// Setting the route on or off twice leaves it on or off.
	err := s.c.callRepeatable(func(opts ...option.RequestOption) error {
		var err error
		res, err = s.c.cf.Workers.Scripts.Subdomain.New(ctx, name, workers.ScriptSubdomainNewParams{
			AccountID: cloudflare.F(s.c.accountID),
			Enabled:   cloudflare.F(enabled),
		}, opts...)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("setting workers.dev for script %q to %t: %w", name, enabled, err)
	}
	if !enabled || res == nil {
		return "", nil
	}
	url, err := localURL(res.JSON.ExtraFields)
	if err != nil {
		return "", fmt.Errorf("setting workers.dev for script %q: %w", name, err)
	}
	return url, nil
}

// WorkersDevURL is where script name answers on Cloudflare when its workers.dev route is on, in
// an account whose workers.dev subdomain is subdomain.
func WorkersDevURL(name, subdomain string) string {
	return fmt.Sprintf("https://%s.%s.workers.dev", name, subdomain)
}

// URL is the address script name answers at on workers.dev, or "" when its workers.dev
// route is off.
//
// The local Cloudflare adds "url" to the GET .../scripts/{name}/subdomain result, since
// *.workers.dev does not exist locally; when present it is used as is. Otherwise the URL is
// https://<name>.<Subdomain>.workers.dev, which costs a second call.
func (s *ScriptService) URL(ctx context.Context, name string) (string, error) {
	if err := s.c.precheckScript(ctx, name); err != nil {
		return "", fmt.Errorf("reading workers.dev URL of script %q: %w", name, err)
	}
	var res *workers.ScriptSubdomainGetResponse
	err := s.c.call(func(opts ...option.RequestOption) error {
		var err error
		res, err = s.c.cf.Workers.Scripts.Subdomain.Get(ctx, name, workers.ScriptSubdomainGetParams{
			AccountID: cloudflare.F(s.c.accountID),
		}, opts...)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("reading workers.dev URL of script %q: %w", name, err)
	}
	if !res.Enabled {
		return "", nil
	}
	url, err := localURL(res.JSON.ExtraFields)
	if err != nil {
		return "", fmt.Errorf("reading workers.dev URL of script %q: %w", name, err)
	}
	if url != "" {
		return url, nil
	}
	sub, err := s.Subdomain(ctx)
	if err != nil {
		return "", fmt.Errorf("reading workers.dev URL of script %q: %w", name, err)
	}
	return WorkersDevURL(name, sub), nil
}

// localURL reads the local Cloudflare's "url" extension among a script subdomain answer's
// fields, "" when absent.
func localURL[F interface {
	IsNull() bool
	Raw() string
}](fields map[string]F) (string, error) {
	f, ok := fields["url"]
	if !ok || f.IsNull() {
		return "", nil
	}
	var url string
	if err := json.Unmarshal([]byte(f.Raw()), &url); err != nil {
		return "", fmt.Errorf("decoding url %s: %w", f.Raw(), err)
	}
	return url, nil
}
