package domain_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

func TestReadingTakesItsSampleTime(t *testing.T) {
	now := t0.Add(2 * time.Hour)
	tests := []struct {
		name     string
		open     time.Duration // session opened at t0+open (-1: no session)
		closed   time.Duration // last session closed at t0+closed (no session only)
		sampled  time.Time
		wantAt   time.Time
		wantNote string
	}{
		{"an hour ago, no session", -1, 0, now.Add(-time.Hour), now.Add(-time.Hour), ""},
		{"no sample time", -1, 0, time.Time{}, now, ""},
		{"a minute ahead", -1, 0, now.Add(time.Minute), now, ""},
		{"far in the future", -1, 0, now.Add(time.Hour), now, domain.TimeNoteFuture},
		{"two days ago", -1, 0, now.Add(-48 * time.Hour), now, domain.TimeNoteTooOld},
		{"in the open session", 30 * time.Minute, 0, t0.Add(time.Hour), t0.Add(time.Hour), ""},
		{"before the open session", 30 * time.Minute, 0, t0.Add(10 * time.Minute), now, domain.TimeNoteBeforeSession},
		{"before the last hand-back", -1, 90 * time.Minute, t0.Add(time.Hour), now, domain.TimeNoteBeforeSession},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := domain.NewCharger(charger)
			var seq uint64
			if tt.open >= 0 {
				evs, err := c.CheckIn(ctxAt(tt.open), "")
				decideAndFold(t, c, &seq, evs, err)
			} else if tt.closed > 0 {
				evs, err := c.CheckIn(ctxAt(0), "")
				decideAndFold(t, c, &seq, evs, err)
				evs, err = c.HandBack(ctxAt(tt.closed), domain.DefaultTariff, c.Session.ID, "test")
				decideAndFold(t, c, &seq, evs, err)
			}
			x := domain.Ctx{Now: now, NewID: seqIDs()}
			evs, err := c.ReportSoC(x, domain.Reading{SoC: 100, SampledAt: tt.sampled}, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				if !e.Time.Equal(tt.wantAt) {
					t.Errorf("%s at %v, want %v", e.Type, e.Time, tt.wantAt)
				}
				r, ok := e.Data.(domain.SoCReported)
				if !ok {
					continue
				}
				if r.TimeNote != tt.wantNote {
					t.Errorf("time note: got %q, want %q", r.TimeNote, tt.wantNote)
				}
				if got := r.ReceivedAt != nil; got != !tt.wantAt.Equal(now) {
					t.Errorf("receivedAt set: got %v (%v)", got, r.ReceivedAt)
				}
				if tt.wantNote != "" && (r.SampledAt == nil || !r.SampledAt.Equal(tt.sampled)) {
					t.Errorf("sampledAt: got %v, want %v kept beside the note", r.SampledAt, tt.sampled)
				}
			}
			c.Fold(evs)
			if c.Session != nil && tt.open < 0 && tt.wantNote == "" && !c.Session.ChargedAt.Equal(tt.wantAt) {
				t.Errorf("chargedAt %v, want the sample time %v", c.Session.ChargedAt, tt.wantAt)
			}
		})
	}
}

func TestStopOfATransactionNotOpenChangesNothing(t *testing.T) {
	c := domain.NewCharger(charger)
	var seq uint64
	evs, _ := c.StartTransaction(ctxAt(0), domain.DerivedID(charger, "start", "1"),
		domain.TransactionStarted{TransactionID: 500, ConnectorID: 1, IDTag: "T"}, "")
	decideAndFold(t, c, &seq, evs, nil)

	evs = c.StopTransaction(ctxAt(time.Minute), domain.DerivedID(charger, "stop", "x"), domain.TransactionStopped{TransactionID: 77, MeterStop: 9})
	if len(evs) != 1 || evs[0].SessionID != "" || !evs[0].Data.(domain.TransactionStopped).NotOpen {
		t.Fatalf("got %+v, want one TransactionStopped with NotOpen on no session", evs)
	}
	decideAndFold(t, c, &seq, evs, nil)
	if got, want := c.Session.TransactionID, 500; got != want {
		t.Errorf("open transaction after the unknown stop: got %d, want %d", got, want)
	}
	again := c.StopTransaction(ctxAt(time.Minute), domain.DerivedID(charger, "stop", "x"), domain.TransactionStopped{TransactionID: 77, MeterStop: 9})
	if len(again) != 0 {
		t.Errorf("a replayed stop: got %d events, want none", len(again))
	}

	evs = c.StopTransaction(ctxAt(2*time.Minute), domain.DerivedID(charger, "stop", "y"), domain.TransactionStopped{TransactionID: 500, MeterStop: 9})
	if len(evs) != 1 || evs[0].SessionID != c.Session.ID || evs[0].Data.(domain.TransactionStopped).NotOpen {
		t.Fatalf("got %+v, want the stop on the open session", evs)
	}
}

func TestTransactionIDsAreUniqueAcrossChargersAndInstances(t *testing.T) {
	store := newFakeStore()
	svcs := newServices(store, 2, true)
	const perCharger = 10
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		ids = map[int]string{}
	)
	for i, svc := range svcs {
		for _, ch := range []string{"c1", "c2", "c3"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range perCharger {
					msg := ch + "-" + string(rune('a'+i)) + "-" + string(rune('a'+n))
					_, tx, err := svc.StartTransaction(context.Background(), ch, domain.DerivedID(ch, "start", msg),
						domain.TransactionStarted{ConnectorID: 1, IDTag: "T"})
					if err != nil {
						t.Errorf("start %s: %v", msg, err)
						return
					}
					mu.Lock()
					if other, dup := ids[tx]; dup {
						t.Errorf("transaction id %d given to %s and %s", tx, other, msg)
					}
					ids[tx] = msg
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	if got, want := len(ids), 2*3*perCharger; got != want {
		t.Errorf("got %d distinct ids, want %d", got, want)
	}
	// A replayed start gets its id again and allocates nothing.
	_, tx1, err := svcs[0].StartTransaction(context.Background(), "c9", domain.DerivedID("c9", "start", "r"), domain.TransactionStarted{ConnectorID: 1})
	if err != nil {
		t.Fatal(err)
	}
	before := len(store.stored(domain.TypeTxIDAllocated))
	_, tx2, err := svcs[1].StartTransaction(context.Background(), "c9", domain.DerivedID("c9", "start", "r"), domain.TransactionStarted{ConnectorID: 1})
	if err != nil || tx2 != tx1 {
		t.Errorf("replay: got %d, %v, want %d", tx2, err, tx1)
	}
	if after := len(store.stored(domain.TypeTxIDAllocated)); after != before {
		t.Errorf("a replay allocated an id: %d allocations, want %d", after, before)
	}
}
