package local

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

// startCron starts the loop; stopCron (from Close) ends it.
func (s *Server) startCron() {
	ctx, cancel := context.WithCancel(context.Background())
	s.cron = &cronLoop{stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.cron.done)
		for {
			now := time.Now()
			timer := time.NewTimer(now.Truncate(time.Minute).Add(time.Minute).Sub(now))
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case tick := <-timer.C:
				s.fireDue(ctx, tick.Truncate(time.Minute))
			}
		}
	}()
}

// stopCron stops the loop and waits for the runs under way (each bounded by fireTimeout).
func (s *Server) stopCron() {
	if s.cron == nil {
		return
	}
	s.cron.stop()
	<-s.cron.done
}

// fireDue runs, in parallel, every trigger due in the minute at, and waits for them.
func (s *Server) fireDue(ctx context.Context, at time.Time) {
	st := s.st.Load()
	done := make(chan struct{})
	n := 0
	for _, name := range st.scriptNames() {
		for _, rec := range st.Schedules[name] {
			sched, err := cron.Parse(rec.Cron)
			if err != nil || !sched.Matches(at) {
				continue
			}
			n++
			go func() {
				defer func() { done <- struct{}{} }()
				res, err := s.fireScheduled(ctx, name, rec.Cron, at)
				if err != nil {
					s.logger.Warn("cron trigger", "script", name, "cron", rec.Cron, "err", err)
					return
				}
				s.logger.Info("cron trigger", "script", name, "cron", rec.Cron, "outcome", res.Outcome)
			}()
		}
	}
	for range n {
		<-done
	}
}
