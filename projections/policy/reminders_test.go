package policy_test

import (
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections/policy"
)

func TestRemindersOverdueOnce(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.ReportSoC(ctxFor(t, 5*time.Second), "c1", domain.Reading{SoC: 100}); err != nil {
		t.Fatal(err)
	}
	e.folded()
	collect := 30 * time.Minute
	remind := func() *policy.Reminders {
		return &policy.Reminders{Board: e.board, Service: e.service(), Clock: e.clock.Now, CollectAfter: collect}
	}

	tests := []struct {
		name  string
		after time.Duration
		want  int
	}{
		{"not yet due", 29 * time.Minute, 0},
		{"due", time.Minute, 1},
		{"already raised", time.Hour, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.clock.Advance(tt.after)
			// Two instances look at once: the aggregate decides once.
			var wg sync.WaitGroup
			for range 2 {
				r := remind()
				wg.Go(func() { r.Tick(ctxFor(t, 10*time.Second)) })
			}
			wg.Wait()
			e.folded()
			if got := count(e.events(domain.ChargerKey("c1")), domain.SessionOverdue{}); got != tt.want {
				t.Errorf("SessionOverdue stored: got %d, want %d", got, tt.want)
			}
		})
	}
	if got := e.board.Overdue(e.clock.Now(), collect); len(got) != 0 {
		t.Errorf("overdue after the reminder: got %v, want none", got)
	}
}

func TestRemindersFireNotices(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.OnNotices(ctxFor(t, 5*time.Second), func(n *domain.Notices, x domain.Ctx) ([]domain.Event, error) {
		return n.Schedule(x, "2026-07-04 18:10", "UTC", "last call", time.LoadLocation)
	})
	if err != nil {
		t.Fatal(err)
	}
	e.folded()
	r := &policy.Reminders{Board: e.board, Service: e.svc, Clock: e.clock.Now}

	r.Tick(ctxFor(t, 5*time.Second))
	if got := count(e.events(domain.NoticesKey), domain.NoticeFired{}); got != 0 {
		t.Errorf("NoticeFired before it is due: got %d, want 0", got)
	}
	e.clock.Advance(10 * time.Minute)
	for range 2 {
		r.Tick(ctxFor(t, 5*time.Second))
		e.folded()
	}
	if got := count(e.events(domain.NoticesKey), domain.NoticeFired{}); got != 1 {
		t.Errorf("NoticeFired when due, ticked twice: got %d, want 1", got)
	}
	if n := e.board.Notices(); len(n) != 1 || !n[0].Fired {
		t.Errorf("notices on the board: got %+v, want one fired", n)
	}
}
