package provider

import (
	"testing"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/blackhole"
)

// configureWith configures a provider server for apiURL with the test credentials plus extra.
func configureWith(t *testing.T, extra map[string]property.Value, apiURL string) (integration.Server, error) {
	t.Helper()
	args := map[string]property.Value{
		"apiToken":  property.New(testToken).WithSecret(true),
		"accountId": property.New(testAccount),
		"apiUrl":    property.New(apiURL),
	}
	for k, v := range extra {
		args[k] = v
	}
	s := newTestServer(t)
	return s, s.Configure(p.ConfigureRequest{Args: property.NewMap(args)})
}

// TestCreateAgainstSilentAPIFailsWithinTimeout: an API URL that accepts connections and never
// answers fails the deploy after lumier:requestTimeout, naming the URL and the settings.
func TestCreateAgainstSilentAPIFailsWithinTimeout(t *testing.T) {
	hole := blackhole.Start(t)
	url := "http://" + hole.Addr() + "/client/v4"
	s, err := configureWith(t, map[string]property.Value{"requestTimeout": property.New("1")}, url)
	require.NoError(t, err)
	// workersDev off: the preview's workers.dev subdomain read would be another call to the hole.
	inputs := counterInputs(t)
	inputs["workersDev"] = property.New(false)
	in := checked(t, s, inputs, nil)
	start := time.Now()
	_, err = s.Create(p.CreateRequest{Urn: scriptURN("api"), Properties: in})
	elapsed := time.Since(start)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no answer from the Cloudflare API at "+url+" within 1s: check lumier:apiUrl "+
		"(or CLOUDFLARE_BASE_URL), or allow more time with lumier:requestTimeout")
	assert.GreaterOrEqual(t, elapsed, time.Second, "it waited out lumier:requestTimeout")
	// Create makes one read before the upload, and that read's timeout fails it: one call's
	// timeout, not one per call (each call opens a connection of its own to a silent API).
	assert.Equal(t, 1, hole.Connections(t), "one call reached the API")
}

func TestConfigureRefusesBadTimeoutAndPlan(t *testing.T) {
	t.Setenv("LUMIER_REQUEST_TIMEOUT", "")
	t.Setenv("LUMIER_WORKERS_PLAN", "")
	cases := []struct {
		key, value, want string
	}{
		{"requestTimeout", "soon", `lumier:requestTimeout "soon" is neither seconds ("90") nor a duration ("90s", "2m")`},
		{"requestTimeout", "-5s", `lumier:requestTimeout "-5s" must be more than zero`},
		{"workersPlan", "pro", `lumier:workersPlan "pro" is not a Workers plan: use "paid" or "free"`},
	}
	for _, tc := range cases {
		_, err := configureWith(t, map[string]property.Value{tc.key: property.New(tc.value)}, "http://127.0.0.1:1/client/v4")
		require.Error(t, err, tc.value)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestParseTimeout(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 60 * time.Second, "90": 90 * time.Second, "2m": 2 * time.Minute, "1.5s": 1500 * time.Millisecond} {
		got, err := parseTimeout(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
}
