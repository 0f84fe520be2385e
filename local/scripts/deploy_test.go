package scripts

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/lumier-dev/lumier/local/account"
)

func TestCheckDeployment(t *testing.T) {
	ok := [][]account.DeployedVersion{
		{{VersionID: "a", Percentage: 100}},
		{{VersionID: "a", Percentage: 50}, {VersionID: "b", Percentage: 50}},
		{{VersionID: "a", Percentage: 0.5}, {VersionID: "b", Percentage: 99.5}},
	}
	for _, vs := range ok {
		assert.NoError(t, checkDeployment(strategyPercentage, vs), "%v", vs)
	}
	bad := [][]account.DeployedVersion{
		nil,
		{{VersionID: "a", Percentage: 50}},
		{{VersionID: "a", Percentage: 50}, {VersionID: "a", Percentage: 50}},
		{{VersionID: "a", Percentage: 40}, {VersionID: "b", Percentage: 30}, {VersionID: "c", Percentage: 30}},
		{{VersionID: "a", Percentage: 0}, {VersionID: "b", Percentage: 100}},
		{{VersionID: "", Percentage: 100}},
	}
	for _, vs := range bad {
		assert.Error(t, checkDeployment(strategyPercentage, vs), "%v", vs)
	}
	assert.Error(t, checkDeployment("immediate", []account.DeployedVersion{{VersionID: "a", Percentage: 100}}))
}
