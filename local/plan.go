package local

import "github.com/lumier-dev/lumier/local/account"

// Plan is the account's plan (account.Plan), Options.Plan.
type Plan = account.Plan

// The plans `lumier local -plan` accepts (account.Plan).
const (
	PlanFree    = account.PlanFree
	PlanPaid    = account.PlanPaid
	PlanPaidKV  = account.PlanPaidKV
	DefaultPlan = account.DefaultPlan
)

// ParsePlan reads a -plan value (account.ParsePlan).
func ParsePlan(s string) (Plan, error) { return account.ParsePlan(s) }
