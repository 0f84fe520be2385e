package provider

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/internal/naming"
)

// DefaultAPIURL is Cloudflare's API. The local Cloudflare (`lumier local`) prints its own.
const DefaultAPIURL = "https://api.cloudflare.com/client/v4"

// Config is the provider configuration: where the Cloudflare API is and how to sign in.
type Config struct {
	APIToken  string `pulumi:"apiToken,optional" provider:"secret"`
	AccountID string `pulumi:"accountId,optional"`
	APIURL    string `pulumi:"apiUrl,optional"`
	// RequestTimeout is kept as written (seconds or a Go duration); timeout is what it means.
	RequestTimeout string `pulumi:"requestTimeout,optional"`
	WorkersPlan    string `pulumi:"workersPlan,optional"`

	client  *cfapi.Client
	timeout time.Duration
}

var _ = (infer.CustomConfigure)((*Config)(nil))
var _ = (infer.Annotated)((*Config)(nil))

// Annotate documents the configuration keys.
func (c *Config) Annotate(a infer.Annotator) {
	a.Describe(&c.APIToken, "Cloudflare API token with Workers Scripts edit permission. Falls back to the "+
		"CLOUDFLARE_API_TOKEN environment variable. Stored as a secret.")
	a.Describe(&c.AccountID, "Cloudflare account id that owns the Workers. Falls back to CLOUDFLARE_ACCOUNT_ID.")
	a.Describe(&c.APIURL, "Base URL of the Cloudflare API. Falls back to CLOUDFLARE_BASE_URL, then to "+
		DefaultAPIURL+". Point it at `lumier local` to deploy without an account.")
	a.Describe(&c.RequestTimeout, "How long one Cloudflare API call may take, retries included, before the deploy fails "+
		"with an error naming the API URL: seconds (\"90\") or a Go duration (\"90s\", \"2m\"). Falls back to "+
		"LUMIER_REQUEST_TIMEOUT, then to "+fmt.Sprint(int(cfapi.DefaultTimeout.Seconds()))+" seconds. Connecting is bounded by 10s or this, "+
		"whichever is shorter.")
	a.Describe(&c.WorkersPlan, "The account's Workers plan, for the limits checked at preview: \"free\" (a Worker of "+
		"at most 3 MiB after gzip, 20,000 static asset files) or \"paid\" (10 MiB, 100,000 files). Falls back to "+
		"LUMIER_WORKERS_PLAN, then to \"free\", the plan of a new account: set \"paid\" once the account has Workers "+
		"Paid (`pulumi config set lumier:workersPlan paid`).")
}

// Workers plans and their size limits: the upload's size after gzip (docs/cloudflare-api.md, Limits).
const (
	planFree = "free"
	planPaid = "paid"
	mib      = 1 << 20
)

var sizeLimits = map[string]int{planFree: 3 * mib, planPaid: 10 * mib}

// sizeLimit is the gzip size limit of the configured plan. Unset is free: a new account's plan,
// and Cloudflare's API does not say an account's plan to a Workers token (docs/cloudflare-api.md,
// "Limits checked before upload").
func (c *Config) sizeLimit() (plan string, limit int) {
	plan = c.WorkersPlan
	if plan == "" {
		plan = planFree
	}
	return plan, sizeLimits[plan]
}

// parseTimeout reads lumier:requestTimeout: whole seconds, or a Go duration.
func parseTimeout(s string) (time.Duration, error) {
	if s == "" {
		return cfapi.DefaultTimeout, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		n, convErr := strconv.Atoi(s)
		if convErr != nil {
			return 0, fmt.Errorf("lumier:requestTimeout %q is neither seconds (\"90\") nor a duration (\"90s\", \"2m\")", s)
		}
		d = time.Duration(n) * time.Second
	}
	if d <= 0 {
		return 0, fmt.Errorf("lumier:requestTimeout %q must be more than zero", s)
	}
	return d, nil
}

// Configure resolves environment fallbacks and builds the API client.
func (c *Config) Configure(ctx context.Context) error {
	if c.APIToken == "" {
		c.APIToken = os.Getenv("CLOUDFLARE_API_TOKEN")
	}
	accountSetting := "lumier:accountId"
	if c.AccountID == "" {
		c.AccountID, accountSetting = os.Getenv("CLOUDFLARE_ACCOUNT_ID"), "CLOUDFLARE_ACCOUNT_ID"
	}
	if c.APIURL == "" {
		c.APIURL = os.Getenv("CLOUDFLARE_BASE_URL")
	}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	if c.RequestTimeout == "" {
		c.RequestTimeout = os.Getenv("LUMIER_REQUEST_TIMEOUT")
	}
	if c.WorkersPlan == "" {
		c.WorkersPlan = os.Getenv("LUMIER_WORKERS_PLAN")
	}
	timeout, err := parseTimeout(c.RequestTimeout)
	if err != nil {
		return fmt.Errorf("%w; set it with `pulumi config set lumier:requestTimeout 90s` or LUMIER_REQUEST_TIMEOUT", err)
	}
	c.timeout = timeout
	if _, limit := c.sizeLimit(); limit == 0 {
		return fmt.Errorf("lumier:workersPlan %q is not a Workers plan: use \"paid\" or \"free\" "+
			"(`pulumi config set lumier:workersPlan free`, or LUMIER_WORKERS_PLAN)", c.WorkersPlan)
	}
	var missing []string
	if c.APIToken == "" {
		missing = append(missing, "the API token: set it with `pulumi config set --secret lumier:apiToken <token>` "+
			"or the CLOUDFLARE_API_TOKEN environment variable")
	}
	if c.AccountID == "" {
		missing = append(missing, "the account id: set it with `pulumi config set lumier:accountId <id>` "+
			"or the CLOUDFLARE_ACCOUNT_ID environment variable")
	}
	if len(missing) > 0 {
		return fmt.Errorf("lumier provider is missing %s", strings.Join(missing, "; and "))
	}
	if !naming.IsAccountID(c.AccountID) {
		// Cloudflare would answer every call with 7003 "Could not route to ..., perhaps your object
		// identifier is invalid?", which does not say which setting holds the identifier.
		return fmt.Errorf("%s %q is not a Cloudflare account id: that is 32 lowercase hexadecimal digits, as the "+
			"dashboard's \"Copy account ID\" gives it. Set it with `pulumi config set lumier:accountId <id>` (or the "+
			"CLOUDFLARE_ACCOUNT_ID environment variable)", accountSetting, c.AccountID)
	}
	c.client = cfapi.NewWithTimeout(c.APIURL, c.APIToken, c.AccountID, c.timeout)
	// What a call found out and recovered from (a create whose answer was lost) goes to the log
	// of the resource being operated on.
	c.client.SetNotice(func(ctx context.Context, msg string) { p.GetLogger(ctx).Info(msg) })
	return nil
}

// clientFrom returns the API client built by Configure.
func clientFrom(ctx context.Context) (*cfapi.Client, error) {
	cfg := infer.GetConfig[Config](ctx)
	if cfg.client == nil {
		// Configure runs before any resource operation; reaching this means it failed or was skipped.
		if err := cfg.Configure(ctx); err != nil {
			return nil, err
		}
	}
	return cfg.client, nil
}
