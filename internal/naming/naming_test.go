package naming

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScriptName(t *testing.T) {
	got, err := ScriptName("my-app", "dev", "api")
	require.NoError(t, err)
	assert.Equal(t, "my-app-dev-api", got)
}

func TestScriptNameRejectsBadParts(t *testing.T) {
	_, err := ScriptName("my-app", "Dev_1", "api")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `stage name "Dev_1" is not valid`)
	assert.Contains(t, err.Error(), `"dev-1"`)

	_, err = ScriptName("my-app", "dev", "my api")
	assert.ErrorContains(t, err, `worker name "my api"`)

	long := "a123456789012345678901234567890"
	_, err = ScriptName(long, "production", long)
	assert.ErrorContains(t, err, "Cloudflare allows at most 63")
}

func TestValidateBindingName(t *testing.T) {
	assert.NoError(t, ValidateBindingName("COUNTER"))
	assert.NoError(t, ValidateBindingName("_x$1"))
	err := ValidateBindingName("MY-COUNTER")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `binding name "MY-COUNTER" is not a valid JavaScript identifier`)
	assert.Contains(t, err.Error(), `"MY_COUNTER"`)
	assert.Error(t, ValidateBindingName("1X"))
}

func TestEmptyNamePartSaysWhichIsEmpty(t *testing.T) {
	_, err := ScriptName("", "dev", "api")
	if err == nil || !strings.Contains(err.Error(), "the app name is empty") || strings.Contains(err.Error(), `"api"`) {
		t.Fatalf("empty app name: %v", err)
	}
	_, err = ScriptName("my app", "dev", "api")
	if err == nil || !strings.Contains(err.Error(), `(for example "my-app")`) {
		t.Fatalf("invalid app name: %v", err)
	}
}
