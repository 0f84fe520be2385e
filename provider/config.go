package provider

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/pulumi/pulumi-go-provider/infer"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

// DefaultAPIURL is Cloudflare's API. The local Cloudflare (`lumier local`) prints its own.
const DefaultAPIURL = "https://api.cloudflare.com/client/v4"

// Config is the provider configuration: where the Cloudflare API is and how to sign in.
type Config struct {
	APIToken  string `pulumi:"apiToken,optional" provider:"secret"`
	AccountID string `pulumi:"accountId,optional"`
	APIURL    string `pulumi:"apiUrl,optional"`

	client *cfapi.Client
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
}

// Configure resolves environment fallbacks and builds the API client.
func (c *Config) Configure(ctx context.Context) error {
	if c.APIToken == "" {
		c.APIToken = os.Getenv("CLOUDFLARE_API_TOKEN")
	}
	if c.AccountID == "" {
		c.AccountID = os.Getenv("CLOUDFLARE_ACCOUNT_ID")
	}
	if c.APIURL == "" {
		c.APIURL = os.Getenv("CLOUDFLARE_BASE_URL")
	}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
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
	c.client = cfapi.New(c.APIURL, c.APIToken, c.AccountID)
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
