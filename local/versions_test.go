package local

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckDeployment(t *testing.T) {
	ok := [][]deployedVersion{
		{{"a", 100}},
		{{"a", 50}, {"b", 50}},
		{{"a", 0.5}, {"b", 99.5}},
	}
	for _, vs := range ok {
		assert.NoError(t, checkDeployment(strategyPercentage, vs), "%v", vs)
	}
	bad := [][]deployedVersion{
		nil,
		{{"a", 50}},
		{{"a", 50}, {"a", 50}},
		{{"a", 40}, {"b", 30}, {"c", 30}},
		{{"a", 0}, {"b", 100}},
		{{"", 100}},
	}
	for _, vs := range bad {
		assert.Error(t, checkDeployment(strategyPercentage, vs), "%v", vs)
	}
	assert.Error(t, checkDeployment("immediate", []deployedVersion{{"a", 100}}))
}

// The primary version (the one that hosts the Durable Objects) is the larger share, the newer
// version on a tie; the other one is the secondary.
func TestPrimaryAndSecondaryVersion(t *testing.T) {
	rec := &scriptRecord{Name: "x", Versions: []*versionRecord{{ID: "v1", Number: 1}, {ID: "v2", Number: 2}}}
	for _, c := range []struct {
		d         []deployedVersion
		primary   string
		secondary string
	}{
		{[]deployedVersion{{"v1", 100}}, "v1", ""},
		{[]deployedVersion{{"v2", 30}, {"v1", 70}}, "v1", "v2"},
		{[]deployedVersion{{"v1", 50}, {"v2", 50}}, "v2", "v1"},
	} {
		rec.Deployments = []*deploymentRecord{{Versions: c.d}}
		assert.Equal(t, c.primary, rec.primaryVersion(rec.currentDeployment()), "%v", c.d)
		v, _, ok := rec.secondaryVersion()
		if c.secondary == "" {
			assert.False(t, ok, "%v", c.d)
		} else {
			require.True(t, ok, "%v", c.d)
			assert.Equal(t, c.secondary, v.ID)
		}
	}
}

// History stays bounded, but never drops a version a kept deployment uses.
func TestVersionsTrim(t *testing.T) {
	rec := &scriptRecord{Name: "x", ModifiedOn: time.Now()}
	rec.ensureVersions()
	first := rec.Versions[0].ID
	rec.Deployments = append(rec.Deployments, &deploymentRecord{Versions: []deployedVersion{{first, 100}}})
	for i := 0; i < maxVersions+10; i++ {
		rec.addVersion(&versionRecord{ID: fmt.Sprint(i)})
	}
	assert.Len(t, rec.Versions, maxVersions)
	assert.NotNil(t, rec.version(first), "deployed version kept")
	assert.Equal(t, maxVersions+11, rec.Versions[len(rec.Versions)-1].Number, "numbers keep counting")
	for i := 0; i < maxDeployments+5; i++ {
		rec.deployAll(rec.Versions[len(rec.Versions)-1])
	}
	assert.Len(t, rec.Deployments, maxDeployments)
}

func TestRolloutService(t *testing.T) {
	assert.NotEqual(t, rolloutService("a", "b"), "a", "never a script name")
	assert.Regexp(t, `^a--V`, rolloutService("a", "0000-1111"))
}
