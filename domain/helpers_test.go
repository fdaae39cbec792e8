package domain_test

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/chargebooth/chargebooth/domain"
)

// t0 is the fixed "now" every test starts from.
var t0 = time.Date(2026, 7, 4, 18, 0, 0, 0, time.UTC)

// fixedClock always returns at.
func fixedClock(at time.Time) domain.Clock { return func() time.Time { return at } }

// seqIDs returns a deterministic, concurrency-safe id source: ULIDs with
// t0's timestamp and a counter as entropy, so they sort in creation order.
func seqIDs() domain.IDSource {
	var n atomic.Uint64
	return func() string {
		var u ulid.ULID
		if err := u.SetTime(ulid.Timestamp(t0)); err != nil {
			panic(err)
		}
		binary.BigEndian.PutUint64(u[8:], n.Add(1))
		return u.String()
	}
}

// ctxAt returns a decision context at t0+d with a fresh id source.
func ctxAt(d time.Duration) domain.Ctx {
	return domain.Ctx{Now: t0.Add(d), NewID: seqIDs()}
}

// payloads returns the payloads of events, in order.
func payloads(events []domain.Event) []domain.Payload {
	out := make([]domain.Payload, 0, len(events))
	for _, e := range events {
		out = append(out, e.Data)
	}
	return out
}

// checkCode fails unless err carries the domain error code want ("" means
// no error).
func checkCode(tb testing.TB, err error, want string) {
	tb.Helper()
	if got := domain.ErrorCode(err); got != want {
		tb.Fatalf("error code: got %q (%v), want %q", got, err, want)
	}
}

// checkPayloads fails unless events carry exactly want, in order.
func checkPayloads(tb testing.TB, events []domain.Event, want []domain.Payload) {
	tb.Helper()
	got := payloads(events)
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		tb.Fatalf("events:\n got  %s\n want %s", fmtPayloads(got), fmtPayloads(want))
	}
}

func fmtPayloads(ps []domain.Payload) string {
	s := "["
	for i, p := range ps {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%T%+v", p, p)
	}
	return s + "]"
}

// checkEnvelopes fails unless every event's envelope is consistent: type
// from its payload, a ULID id, the given charger and time.
func checkEnvelopes(tb testing.TB, events []domain.Event, chargerID string, now time.Time) {
	tb.Helper()
	for i, e := range events {
		if got, want := e.Type, e.Data.EventType(); got != want {
			tb.Errorf("event %d: type got %q, want %q", i, got, want)
		}
		if _, err := ulid.ParseStrict(e.ID); err != nil {
			tb.Errorf("event %d: id %q is not a ULID: %v", i, e.ID, err)
		}
		if got, want := e.ChargerID, chargerID; got != want {
			tb.Errorf("event %d: chargerId got %q, want %q", i, got, want)
		}
		if got, want := e.Time, now; !got.Equal(want) {
			tb.Errorf("event %d: time got %v, want %v", i, got, want)
		}
	}
}
