package cfapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sdkError builds the *cloudflare.Error cloudflare-go returns for an error response, request
// (with its Authorization header) included.
func sdkError(t *testing.T, status int, body string) *cloudflare.Error {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, "https://api.cloudflare.com/client/v4/accounts/a/workers/scripts/x", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testToken)
	e := &cloudflare.Error{StatusCode: status, Request: req, Response: &http.Response{StatusCode: status, Request: req}}
	require.NoError(t, e.UnmarshalJSON([]byte(body)))
	return e
}

func TestConvertAPIError(t *testing.T) {
	c := New("", testToken, "a")
	sdk := sdkError(t, 412, `{"success":false,"errors":[{"code":10079,"message":"Actor migration tag precondition failed, got tag '' when expected tag is 'v1'"}],"messages":[],"result":null}`)
	err := fmt.Errorf("uploading script %q: %w", "x", c.convert(sdk, &wire{status: 412}))

	assert.Equal(t, `uploading script "x": cloudflare: 10079 Actor migration tag precondition failed, got tag '' when expected tag is 'v1' (HTTP 412)`,
		err.Error(), "error text")
	apiErr, ok := AsAPIError(err)
	if !ok {
		t.Fatalf("want *APIError in %v", err)
	}
	assert.Equal(t, &APIError{Status: 412, Code: 10079, Message: "Actor migration tag precondition failed, got tag '' when expected tag is 'v1'"}, apiErr, "fields")
	if IsNotFound(err) {
		t.Error("412 is not a not-found")
	}
	var raw *cloudflare.Error
	if errors.As(err, &raw) {
		t.Error("cloudflare-go's error (which holds the request and its Authorization header) must not be reachable")
	}
}

func TestConvertScrubsTokenFromMessages(t *testing.T) {
	c := New("", testToken, "a")
	// A server echoing the header back must not put the token into our error text.
	sdk := sdkError(t, 400, `{"success":false,"errors":[{"code":6003,"message":"Invalid request headers: Bearer `+testToken+`"}]}`)
	err := c.convert(sdk, &wire{status: 400})
	assert.NotContains(t, err.Error(), testToken, "token in an API message")
	assert.Contains(t, err.Error(), "[REDACTED]", "the echo is replaced")
}

func TestNotFound(t *testing.T) {
	c := New("", testToken, "a")
	for _, body := range []string{
		`{"success":false,"errors":[{"code":10007,"message":"This Worker does not exist on your account."}]}`,
		`{"success":false,"errors":[{"code":10090,"message":"workers.api.error.service_not_found"}]}`,
	} {
		err := fmt.Errorf("deleting script %q: %w", "x", c.convert(sdkError(t, 404, body), &wire{status: 404}))
		if !IsNotFound(err) || !errors.Is(err, ErrNotFound) {
			t.Errorf("404 %s: want IsNotFound", body)
		}
	}
	// A 404 without a not-found code is a request that reached no endpoint (7000: a wrong base
	// URL, for one), never "the script does not exist".
	for _, body := range []string{
		`{"success":false,"errors":[{"code":7000,"message":"No route for that URI"}]}`,
		`{"success":false,"errors":[]}`,
	} {
		if err := c.convert(sdkError(t, 404, body), &wire{status: 404}); IsNotFound(err) {
			t.Errorf("404 %s: must not be IsNotFound", body)
		}
	}
	assert.Equal(t, "cloudflare: Not Found (HTTP 404)", c.convert(sdkError(t, 404, `{"errors":[]}`), &wire{status: 404}).Error(), "no code, status text")
	if !IsNotFound(&APIError{Status: 400, Code: codeServiceNotFound}) {
		t.Error("code 10090 is a not-found")
	}
	if IsNotFound(errors.New("other")) || IsNotFound(nil) {
		t.Error("plain errors are not not-found")
	}
}

func TestConvertNonJSONErrorBodyKeepsStatus(t *testing.T) {
	c := New("", testToken, "a")
	err := c.convert(errors.New("invalid character '<' looking for beginning of value"), &wire{status: 502, contentType: "application/json"})
	apiErr, ok := AsAPIError(err)
	if !ok {
		t.Fatalf("want *APIError, got %T %v", err, err)
	}
	assert.Equal(t, 502, apiErr.Status, "status from the wire")
	assert.Contains(t, err.Error(), "Bad Gateway", "status text")
}

func TestConvertKeepsContextErrors(t *testing.T) {
	c := New("", testToken, "a")
	err := c.convert(context.Canceled, &wire{status: 429})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("want context.Canceled in the chain, got %v", err)
	}
	if _, ok := AsAPIError(err); ok {
		t.Error("a cancelled retry is not an API error")
	}
}

// closedAddr is a local address nothing listens on: connection refused, fast.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestTransportErrorHasContextAndNoToken(t *testing.T) {
	c := New("http://"+closedAddr(t)+"/client/v4", testToken, "acc", option.WithMaxRetries(0))
	_, err := c.Scripts.Get(context.Background(), "my-script")
	require.ErrorContains(t, err, `reading script "my-script"`)
	require.ErrorContains(t, err, "connection refused")
	assert.NotContains(t, err.Error(), testToken, "token in a transport error")
	if _, ok := AsAPIError(err); ok {
		t.Error("a transport error is not an API error")
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Errorf("the net error stays inspectable, got %T", errors.Unwrap(err))
	}
}

func TestPrecheckRejectsWithoutRequest(t *testing.T) {
	// Nothing listens there, so a request would fail with "connection refused" instead.
	c := New("http://"+closedAddr(t), testToken, "acc", option.WithMaxRetries(0))
	ctx := context.Background()
	// Cloudflare's rule: ^[a-z0-9_][a-z0-9-_]*$, at most 63 characters.
	for _, name := range []string{"", "a/b", "a?b", "../x", "a b", "Upper", "-lead", strings.Repeat("a", 64)} {
		err := c.Scripts.Delete(ctx, name, false)
		require.ErrorContains(t, err, "invalid script name")
	}
	for _, name := range []string{"_lead", "a-b_c", strings.Repeat("a", 63)} {
		err := c.Scripts.Delete(ctx, name, false)
		require.NotContains(t, err.Error(), "invalid script name", "%q follows the rule", name)
	}
	_, err := New("http://"+closedAddr(t), testToken, "").DurableObjects.Namespaces(ctx)
	require.ErrorContains(t, err, "no Cloudflare account id")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	err = c.Scripts.Upload(cancelled, "x", Metadata{}, []Module{{Name: "index.js"}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("want context.Canceled, got %v", err)
	}
	if strings.Contains(fmt.Sprint(err), testToken) {
		t.Error("token in error")
	}
}
