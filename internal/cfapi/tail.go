package cfapi

import (
	"context"
	"fmt"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/workers"
)

// Tail is a started tail of a script: its WebSocket URL (protocol trace-v1) streams the
// script's events until the tail is deleted or expires.
type Tail struct {
	ID        string
	URL       string
	ExpiresAt string
}

// StartTail starts a tail of script name (POST .../scripts/{name}/tails), with no filters.
func (s *ScriptService) StartTail(ctx context.Context, name string) (Tail, error) {
	if err := s.c.precheckScript(ctx, name); err != nil {
		return Tail{}, fmt.Errorf("starting a tail of script %q: %w", name, err)
	}
	var t Tail
	err := s.c.call(func(opts ...option.RequestOption) error {
		res, err := s.c.cf.Workers.Scripts.Tail.New(ctx, name, workers.ScriptTailNewParams{
			AccountID: cloudflare.F(s.c.accountID),
			Body:      map[string]any{"filters": []any{}},
		}, opts...)
		if res != nil {
			t = Tail{ID: res.ID, URL: res.URL, ExpiresAt: res.ExpiresAt}
		}
		return err
	})
	if err != nil {
		return Tail{}, fmt.Errorf("starting a tail of script %q: %w", name, err)
	}
	return t, nil
}

// DeleteTail ends tail id of script name (DELETE .../scripts/{name}/tails/{id}).
func (s *ScriptService) DeleteTail(ctx context.Context, name, id string) error {
	if err := s.c.precheckScript(ctx, name); err != nil {
		return fmt.Errorf("deleting tail %s of script %q: %w", id, name, err)
	}
	err := s.c.callRepeatable(func(opts ...option.RequestOption) error {
		_, err := s.c.cf.Workers.Scripts.Tail.Delete(ctx, name, id, workers.ScriptTailDeleteParams{AccountID: cloudflare.F(s.c.accountID)}, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("deleting tail %s of script %q: %w", id, name, err)
	}
	return nil
}
