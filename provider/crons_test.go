package provider

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
)

func TestCheckRefusesBadCronNamingExpressionAndField(t *testing.T) {
	s := newTestServer(t)
	inputs := counterInputs(t)
	inputs["crons"] = property.New([]property.Value{property.New("*/5 * * * *"), property.New("0 25 * * *")})
	resp := check(t, s, inputs, nil)
	assert.Equal(t, []string{`crons: cron "0 25 * * *": hour field "25": 25 is out of range 0-23 (allowed: 0-23 ` +
		`with *, lists a,b, ranges a-b and steps /n)`}, reasons(resp))

	inputs["crons"] = property.New([]property.Value{property.New("*/5 * * * *"), property.New("0 9 * * MON-FRI")})
	assert.Empty(t, reasons(check(t, s, inputs, nil)))
}

func TestCronsCompareAsSets(t *testing.T) {
	assert.False(t, cronsChanged(nil, []string{}))
	assert.False(t, cronsChanged([]string{"1 * * * *", "2 * * * *"}, []string{"2 * * * *", "1 * * * *"}))
	assert.True(t, cronsChanged(nil, []string{"1 * * * *"}))
	assert.True(t, cronsChanged([]string{"1 * * * *"}, []string{"2 * * * *"}))
}
