package cfapi

import (
	"context"
	"fmt"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/workers"
)

// Schedules returns the cron expressions of script name's Cron Triggers
// (GET .../scripts/{name}/schedules), in Cloudflare's order.
func (s *ScriptService) Schedules(ctx context.Context, name string) ([]string, error) {
	if err := s.c.precheckScript(ctx, name); err != nil {
		return nil, fmt.Errorf("reading cron triggers of script %q: %w", name, err)
	}
	var crons []string
	err := s.c.call(func(opts ...option.RequestOption) error {
		res, err := s.c.cf.Workers.Scripts.Schedules.Get(ctx, name, workers.ScriptScheduleGetParams{
			AccountID: cloudflare.F(s.c.accountID),
		}, opts...)
		if res != nil {
			crons = make([]string, 0, len(res.Schedules))
			for _, s := range res.Schedules {
				crons = append(crons, s.Cron)
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading cron triggers of script %q: %w", name, err)
	}
	return crons, nil
}

// SetSchedules replaces script name's Cron Triggers with crons
// (PUT .../scripts/{name}/schedules [{"cron": ...}]); an empty list removes them all.
func (s *ScriptService) SetSchedules(ctx context.Context, name string, crons []string) error {
	if err := s.c.precheckScript(ctx, name); err != nil {
		return fmt.Errorf("setting cron triggers of script %q: %w", name, err)
	}
	body := make([]workers.ScriptScheduleUpdateParamsBody, len(crons))
	for i, cron := range crons {
		body[i] = workers.ScriptScheduleUpdateParamsBody{Cron: cloudflare.F(cron)}
	}
	err := s.c.call(func(opts ...option.RequestOption) error {
		_, err := s.c.cf.Workers.Scripts.Schedules.Update(ctx, name, workers.ScriptScheduleUpdateParams{
			AccountID: cloudflare.F(s.c.accountID),
			Body:      body,
		}, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("setting cron triggers of script %q to %q: %w", name, crons, err)
	}
	return nil
}
