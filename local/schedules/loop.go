package schedules

import (
	"context"
	"time"

	"github.com/lumier-dev/lumier/internal/cron"
)

// cronLoop fires the scripts' Cron Triggers on schedule, once a minute at most, until stopped.
type cronLoop struct {
	stop context.CancelFunc
	done chan struct{}
}

// Start starts the loop; Stop (from the server's Close) ends it.
func (t *Triggers) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	t.loop = &cronLoop{stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(t.loop.done)
		for {
			now := time.Now()
			timer := time.NewTimer(now.Truncate(time.Minute).Add(time.Minute).Sub(now))
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case tick := <-timer.C:
				t.FireDue(ctx, tick.Truncate(time.Minute))
			}
		}
	}()
}

// Stop stops the loop and waits for the runs under way (each bounded by fireTimeout).
func (t *Triggers) Stop() {
	if t.loop == nil {
		return
	}
	t.loop.stop()
	<-t.loop.done
}

// Running reports whether the loop runs.
func (t *Triggers) Running() bool { return t.loop != nil }

// Stopped is closed once a started loop has ended; nil when it never started.
func (t *Triggers) Stopped() <-chan struct{} {
	if t.loop == nil {
		return nil
	}
	return t.loop.done
}

// FireDue runs, in parallel, every trigger due in the minute at, and waits for them.
func (t *Triggers) FireDue(ctx context.Context, at time.Time) {
	all, names := t.account.Schedules()
	done := make(chan struct{})
	n := 0
	for _, name := range names {
		for _, rec := range all[name] {
			sched, err := cron.Parse(rec.Cron)
			if err != nil || !sched.Matches(at) {
				continue
			}
			n++
			go func() {
				defer func() { done <- struct{}{} }()
				res, err := t.fire(ctx, name, rec.Cron, at)
				if err != nil {
					t.logger.Warn("cron trigger", "script", name, "cron", rec.Cron, "err", err)
					return
				}
				t.logger.Info("cron trigger", "script", name, "cron", rec.Cron, "outcome", res.Outcome)
			}()
		}
	}
	for range n {
		<-done
	}
}
