package livefeed_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/livefeed"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore/estest"
)

func ptr[T any](v T) *T { return &v }

func TestLiveFiltersAndMessages(t *testing.T) {
	e := newEnv(t, 0)
	one := e.subscribe(livefeed.Filter{Chargers: []string{"c1"}})
	all := e.subscribe(livefeed.Filter{Chargers: []string{livefeed.All}})
	if got := one.Recovery(); got != (livefeed.Recovery{}) {
		t.Errorf("recovery of a live sub: got %+v, want none", got)
	}
	e.readings("c2", 1)
	c1 := e.readings("c1", 1)[0]
	notice := e.append(domain.NewEvent("n-1", time.Now(), "", "", domain.NoticeScheduled{NoticeID: "n-1", At: time.Now(), LocalTime: time.Now().UTC().Format(domain.NoticeLayout), TimeZone: "UTC", Text: "closing"}))[0]

	m := next(t, one)
	if m.Seq != c1 || m.Kind != livefeed.KindReading || m.Type != domain.TypeSoCReported || m.ChargerID != "c1" || m.Event == nil {
		t.Errorf("c1 reading: got %+v, want seq %d kind reading", m, c1)
	}
	var wire struct {
		Type      string `json:"type"`
		ChargerID string `json:"chargerId"`
		Seq       uint64 `json:"seq"`
		Data      struct {
			SoC    *float64 `json:"soc"`
			Status string   `json:"status"`
		} `json:"data"`
	}
	if err := json.Unmarshal(m.JSON(), &wire); err != nil || wire.Type != domain.TypeSoCReported || wire.Seq != c1 || wire.Data.SoC == nil || wire.Data.Status == "" {
		t.Errorf("c1 reading JSON %s: got %+v (%v)", m.JSON(), wire, err)
	}
	if m := next(t, one); m.Seq != notice || m.Kind != livefeed.KindNotice {
		t.Errorf("notice to a c1 sub: got %+v, want seq %d kind notice", m, notice)
	}
	sameSeqs(t, "* sub", seqs(until(t, all, atSeq(notice))), span(notice-2, notice))
	checkFor(t, func() error {
		if got, want := one.Last(), notice; got != want {
			return fmt.Errorf("Last: got %d, want %d", got, want)
		}
		return nil
	})

	// Add and Remove change what comes next.
	if err := one.Add("c2"); err != nil {
		t.Fatal(err)
	}
	one.Remove("c1")
	e.readings("c1", 1)
	c2 := e.readings("c2", 1)[0]
	if m := next(t, one); m.Seq != c2 {
		t.Errorf("after Add c2, Remove c1: got %+v, want c2's reading at %d", m, c2)
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct{ typ, want string }{
		{domain.TypeSoCReported, livefeed.KindReading},
		{domain.TypeChargerConnected, livefeed.KindPresence},
		{domain.TypeWidgetDisconnected, livefeed.KindPresence},
		{domain.TypeConnectorStatus, livefeed.KindConnector},
		{domain.TypeChargerBooted, livefeed.KindCharger},
		{domain.TypeChargerRetired, livefeed.KindCharger},
		{domain.TypeSessionOpened, livefeed.KindSession},
		{domain.TypePaymentRecorded, livefeed.KindSession},
		{domain.TypePairingSet, livefeed.KindPairing},
		{domain.TypeNoticeFired, livefeed.KindNotice},
		{domain.TypeDeviceEnrolled, livefeed.KindDevice},
		{"charger.teleported", livefeed.KindEvent},
		{"", livefeed.KindEvent},
	}
	for _, tc := range tests {
		t.Run(tc.typ, func(t *testing.T) {
			if got := livefeed.KindOf(tc.typ); got != tc.want {
				t.Errorf("KindOf(%q): got %q, want %q", tc.typ, got, tc.want)
			}
		})
	}
	for _, typ := range domain.EventTypes() {
		if livefeed.KindOf(typ) == livefeed.KindEvent {
			t.Errorf("known type %s has no kind", typ)
		}
	}
}

func TestFilterCheck(t *testing.T) {
	now := time.Now()
	many := make([]string, livefeed.MaxChargers+1)
	for i := range many {
		many[i] = "c1"
	}
	tests := []struct {
		name string
		flt  livefeed.Filter
		code string // "" accepted
	}{
		{"all", livefeed.Filter{Chargers: []string{"*"}}, ""},
		{"none", livefeed.Filter{}, ""},
		{"since", livefeed.Filter{Chargers: []string{"c1"}, Since: ptr(uint64(3))}, ""},
		{"since time", livefeed.Filter{SinceTime: &now}, ""},
		{"both", livefeed.Filter{Since: ptr(uint64(3)), SinceTime: &now}, domain.CodeInvalidInput},
		{"zero time", livefeed.Filter{SinceTime: &time.Time{}}, domain.CodeInvalidInput},
		{"bad id", livefeed.Filter{Chargers: []string{"c 1"}}, domain.CodeInvalidID},
		{"empty id", livefeed.Filter{Chargers: []string{""}}, domain.CodeInvalidID},
		{"too many", livefeed.Filter{Chargers: many}, domain.CodeInvalidInput},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.flt.Check()
			if got := domain.ErrorCode(err); err != nil && got != tc.code || err == nil && tc.code != "" {
				t.Errorf("Check: got %v (%s), want code %q", err, got, tc.code)
			}
		})
	}
}

// TestRecoveryUnderLoad subscribes, while 2,000 readings flow on 50
// chargers, from positions in the middle of the flow, each Sub read as it
// comes: each gets every event after its position once, in stream order,
// across the switch from the stream to live. With a small Pending the queue
// overflows during the backlogs, which then read the stream again.
func TestRecoveryUnderLoad(t *testing.T) {
	for _, pending := range []int{8, livefeed.DefaultPending} {
		t.Run("pending "+itoa(pending), func(t *testing.T) {
			// A queue that takes the runtime's bursts: this is about the
			// switch, TestTooSlow about the bound.
			e := newEnvWith(t, livefeed.Config{Pending: pending, Queue: 4096})
			const chargers, per = 50, 40
			start := e.readings("c-warm", 1)[0]
			end := start + chargers*per
			var writers sync.WaitGroup
			for c := range chargers {
				writers.Go(func() {
					for i := range per {
						e.append(estest.Reading("c"+itoa(c), float64(i)))
					}
				})
			}
			type result struct {
				since uint64
				sub   *livefeed.Sub
				got   []livefeed.Message
			}
			results := make([]*result, 6)
			var readers sync.WaitGroup
			for i := range results {
				pos := e.board.Applied() // somewhere in the flow
				r := &result{since: pos, sub: e.subscribe(livefeed.Filter{Chargers: []string{"*"}, Since: ptr(pos)})}
				results[i] = r
				readers.Go(func() {
					marker, top := false, uint64(0)
					for m := range r.sub.C() {
						r.got = append(r.got, m)
						top = max(top, m.Seq)
						if isMarker(m) {
							marker, top = true, max(top, m.Recovery.To)
						}
						if marker && top >= end {
							return
						}
					}
				})
				checkFor(t, func() error {
					if a := e.board.Applied(); a < pos+250 && a < end {
						return errors.New("not yet")
					}
					return nil
				})
			}
			writers.Wait()
			if last := e.caughtUp(); last != end {
				t.Fatalf("stream ends at %d, want %d", last, end)
			}
			waited := make(chan struct{})
			go func() { readers.Wait(); close(waited) }()
			select {
			case <-waited:
			case <-time.After(20 * time.Second):
				for _, r := range results {
					r.sub.Close() // and report what is missing
				}
				<-waited
			}
			for i, r := range results {
				if err := r.sub.Err(); err != nil {
					got := map[uint64]bool{}
					for _, q := range seqs(r.got) {
						got[q] = true
					}
					var missing []uint64
					for q := r.since + 1; q <= end; q++ {
						if !got[q] {
							missing = append(missing, q)
						}
					}
					mk := -1
					for j, m := range r.got {
						if isMarker(m) {
							mk = j
							t.Logf("marker at %d: %s", j, m.JSON())

						}
					}
					t.Errorf("sub %d since %d ended: %v; got %d, marker %d, missing %d: %v", i, r.since, err, len(r.got), mk, len(missing), head(missing))
					continue
				}
				if rec := r.sub.Recovery(); !rec.Recovered || rec.Since != r.since {
					t.Errorf("sub %d: recovery %+v, want recovered since %d", i, rec, r.since)
				}
				markers := 0
				for _, m := range r.got {
					if isMarker(m) {
						markers++
						if rec := recovery(t, m); !rec.Recovered || rec.From != r.since+1 || rec.To < r.since {
							t.Errorf("sub %d marker: got %+v, want recovered from %d", i, rec, r.since+1)
						}
					}
				}
				if markers != 1 {
					t.Errorf("sub %d: got %d markers, want 1", i, markers)
				}
				sameSeqs(t, "sub "+itoa(i), seqs(r.got), span(r.since+1, end))
			}
		})
	}
}

func TestRecoveryAfterRetention(t *testing.T) {
	e := newEnv(t, 0)
	e.readings("c1", 20)
	estest.DropBefore(t, e.nc, e.store, 11)
	s := e.subscribe(livefeed.Filter{Chargers: []string{"c1"}, Since: ptr(uint64(3))})
	if got, want := s.Recovery(), (livefeed.Recovery{Since: 3, Oldest: 11}); got != want {
		t.Errorf("recovery: got %+v, want %+v", got, want)
	}
	got := until(t, s, isMarker)
	sameSeqs(t, "backlog", seqs(got), span(11, 20))
	if r := recovery(t, got[len(got)-1]); r.Recovered || r.Oldest != 11 || r.From != 11 || r.To != 20 || r.Count != 10 || r.Since != 3 {
		t.Errorf("marker: got %+v, want not recovered, oldest 11, 11…20, 10 messages", r)
	}
	live := e.readings("c1", 1)[0]
	if m := next(t, s); m.Seq != live {
		t.Errorf("live after the backlog: got %+v, want seq %d", m, live)
	}
}

func TestRecoveryPositions(t *testing.T) {
	e := newEnv(t, 0)
	e.readings("c1", 5) // 1…5
	mid := time.Now()
	// The stream's timestamps are its own: wait until they pass mid.
	checkFor(t, func() error {
		if time.Now().After(mid.Add(5 * time.Millisecond)) {
			return nil
		}
		return errors.New("not yet")
	})
	e.readings("c1", 3) // 6…8
	e.caughtUp()
	future := time.Now().Add(time.Hour)
	tests := []struct {
		name      string
		flt       livefeed.Filter
		rec       livefeed.Recovery
		backlog   []uint64
		from, to  uint64
		liveAfter uint64
	}{
		{"since 0: everything", livefeed.Filter{Since: ptr(uint64(0))}, livefeed.Recovery{Since: 0, Recovered: true}, span(1, 8), 1, 8, 0},
		{"since the end", livefeed.Filter{Since: ptr(uint64(8))}, livefeed.Recovery{Since: 8, Recovered: true}, nil, 9, 8, 0},
		{"since time", livefeed.Filter{SinceTime: &mid}, livefeed.Recovery{Since: 5, Recovered: true}, span(6, 8), 6, 8, 0},
		{"since a future time", livefeed.Filter{SinceTime: &future}, livefeed.Recovery{Since: 8, Recovered: true}, nil, 9, 8, 0},
		{"beyond the end", livefeed.Filter{Since: ptr(uint64(1000))}, livefeed.Recovery{Since: 1000, Oldest: 1}, nil, 9, 8, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.flt.Chargers = []string{"c1"}
			s := e.subscribe(tc.flt)
			if got := s.Recovery(); got != tc.rec {
				t.Errorf("recovery: got %+v, want %+v", got, tc.rec)
			}
			got := until(t, s, isMarker)
			sameSeqs(t, "backlog", seqs(got), tc.backlog)
			r := recovery(t, got[len(got)-1])
			if r.From != tc.from || r.To != tc.to || r.Count != len(tc.backlog) || r.Recovered != tc.rec.Recovered {
				t.Errorf("marker: got %+v, want %d…%d, %d messages, recovered %v", r, tc.from, tc.to, len(tc.backlog), tc.rec.Recovered)
			}
			s.Close()
		})
	}
	// Beyond the end, live events below the asked position still come.
	s := e.subscribe(livefeed.Filter{Chargers: []string{"c1"}, Since: ptr(uint64(1000))})
	until(t, s, isMarker)
	live := e.readings("c1", 1)[0]
	if m := next(t, s); m.Seq != live {
		t.Errorf("live after a position beyond the end: got %+v, want %d", m, live)
	}
}

func TestTooSlow(t *testing.T) {
	e := newEnv(t, 4)
	s := e.subscribe(livefeed.Filter{Chargers: []string{"*"}})
	first := e.readings("c1", 1)[0]
	if m := next(t, s); m.Seq != first {
		t.Fatalf("first: got %+v", m)
	}
	e.readings("c1", 10) // never read: the board does not wait
	e.caughtUp()
	checkFor(t, func() error {
		select {
		case <-s.Done():
			return nil
		default:
			return errors.New("not dropped yet")
		}
	})
	if err := s.Err(); !errors.Is(err, livefeed.ErrTooSlow) || !contains(err.Error(), "resume with since "+itoa(int(first))) {
		t.Errorf("Err: got %v, want too slow, resume with since %d", err, first)
	}
	// C drains what was handed, then closes.
	for range s.C() {
	}
	checkFor(t, func() error {
		if e.feed.Len() != 0 {
			return errors.New("sub still held")
		}
		return nil
	})
}

func TestEndings(t *testing.T) {
	t.Run("no history", func(t *testing.T) {
		e := newEnv(t, 0)
		f := livefeed.New(livefeed.Config{Board: e.board})
		_, err := f.Subscribe(context.Background(), livefeed.Filter{Since: ptr(uint64(1))})
		if got, want := domain.ErrorCode(err), livefeed.CodeNoHistory; got != want {
			t.Errorf("since without history: got %v, want code %s", err, want)
		}
	})
	t.Run("context", func(t *testing.T) {
		e := newEnv(t, 0)
		ctx, cancel := context.WithCancel(context.Background())
		s, err := e.feed.Subscribe(ctx, livefeed.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		<-s.Done()
		if !errors.Is(s.Err(), context.Canceled) {
			t.Errorf("Err: got %v, want canceled", s.Err())
		}
	})
	t.Run("close and shutdown", func(t *testing.T) {
		e := newEnv(t, 0)
		a := e.subscribe(livefeed.Filter{})
		b := e.subscribe(livefeed.Filter{Since: ptr(uint64(0))})
		a.Close()
		<-a.Done()
		if !errors.Is(a.Err(), livefeed.ErrClosed) {
			t.Errorf("closed: got %v", a.Err())
		}
		e.feed.Close()
		<-b.Done()
		if !errors.Is(b.Err(), livefeed.ErrShutdown) {
			t.Errorf("shut down: got %v", b.Err())
		}
		if _, err := e.feed.Subscribe(context.Background(), livefeed.Filter{}); !errors.Is(err, livefeed.ErrShutdown) {
			t.Errorf("subscribe after Close: got %v", err)
		}
	})
}
