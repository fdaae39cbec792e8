package estest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/oklog/ulid/v2"
)

// Helpers of the acceptance suite. They are copies of the eventstore
// package's test helpers: a non-test file cannot use those.

// eventTime is the envelope time of test events: UTC with nanoseconds, as
// the domain stamps them.
var eventTime = time.Date(2026, 7, 4, 12, 30, 15, 123456789, time.UTC)

// uniq makes aggregate ids unique within a test binary run.
var uniq atomic.Int64

// NewCharger returns a fresh charger id holding a '.', which the subject
// must encode.
func NewCharger(prefix string) string {
	return fmt.Sprintf("%s.%d", prefix, uniq.Add(1))
}

// Reading returns a SoC event of charger.
func Reading(charger string, soc float64) domain.Event {
	return domain.NewEvent(ulid.Make().String(), eventTime, charger, "s-1",
		domain.SoCReported{SoC: soc, Status: domain.Status("charging")})
}

// Readings returns n SoC events of charger.
func Readings(charger string, n int) []domain.Event {
	out := make([]domain.Event, n)
	for i := range out {
		out[i] = Reading(charger, float64(i%101))
	}
	return out
}

// sample returns an event of type typ whose payload has every field set
// to a non-zero value, so a lost field shows.
func sample(tb testing.TB, typ, charger, widget string) domain.Event {
	tb.Helper()
	p, err := domain.DecodePayload(typ, nil)
	if err != nil {
		tb.Fatalf("payload of %s: %v", typ, err)
	}
	v := reflect.New(reflect.TypeOf(p)).Elem()
	fill(v)
	for name, val := range validValues {
		if typName, field, _ := strings.Cut(name, "."); typName == v.Type().Name() {
			v.FieldByName(field).Set(reflect.ValueOf(val))
		}
	}
	e := domain.NewEvent(ulid.Make().String(), eventTime, charger, "s-"+charger, v.Interface().(domain.Payload))
	e.WidgetID = widget
	if err := domain.ValidateEvent(e); err != nil {
		tb.Fatalf("the sample %s is invalid (%v): give the field a valid value in estest's validValues", typ, err)
	}
	return e
}

// validValues are the field values (by "Payload.Field") that fill would
// make invalid ("v-kind" is no device kind): the sample must pass
// domain.ValidateEvent, or the store would quarantine it on reading.
var validValues = map[string]any{
	"SoCReported.Status":             domain.StatusCharging,
	"SessionOpened.By":               domain.OpenedByStaff,
	"PaymentRecorded.Method":         domain.MethodCard,
	"SessionOverdue.CollectAfter":    "1h0m0s",
	"NoticeScheduled.LocalTime":      "2026-07-04 23:00",
	"DeviceEnrolled.Kind":            domain.DeviceCharger,
	"DeviceEnrolled.SecretHash":      "$2a$10$v-secrethash",
	"DeviceUnenrolled.Kind":          domain.DeviceWidget,
	"IDTagSet.Status":                domain.TagAccepted,
	"TransactionStarted.IDTagStatus": "",
	"StaffAdded.Role":                "staff",
	"StaffChanged.Role":              "lead",
	"PaymentVoided.Method":           domain.MethodCash,
	"Refunded.Method":                domain.MethodCard,
}

// fill sets every settable field of struct v to a non-zero value.
func fill(v reflect.Value) {
	for i := 0; i < v.NumField(); i++ {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.String:
			f.SetString("v-" + strings.ToLower(name))
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			f.SetInt(int64(7 + i))
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			f.SetUint(uint64(7 + i))
		case reflect.Float32, reflect.Float64:
			f.SetFloat(42.5 + float64(i))
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Struct:
			if f.Type() == reflect.TypeOf(time.Time{}) {
				f.Set(reflect.ValueOf(eventTime.Add(time.Duration(i) * time.Minute)))
			} else {
				fill(f)
			}
		}
	}
}

// Context returns a context that ends with the test or after 20 s.
func Context(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// AppendOK appends and fails the test on an error.
func AppendOK(tb testing.TB, st domain.EventStore, key domain.StreamKey, expected uint64, events ...domain.Event) []domain.Appended {
	tb.Helper()
	res, err := st.Append(Context(tb), key, expected, events)
	if err != nil {
		tb.Fatalf("append %d events to %v: %v", len(events), key, err)
	}
	if got, want := len(res), len(events); got != want {
		tb.Fatalf("append returned %d results, want %d", got, want)
	}
	return res
}

// LoadOK loads and fails the test on an error.
func LoadOK(tb testing.TB, st domain.EventStore, key domain.StreamKey, after uint64) []domain.Event {
	tb.Helper()
	evs, err := st.Load(Context(tb), key, after)
	if err != nil {
		tb.Fatalf("load %v after %d: %v", key, after, err)
	}
	return evs
}

// WithSeqs returns a copy of events with the sequences of res.
func WithSeqs(events []domain.Event, res []domain.Appended) []domain.Event {
	out := make([]domain.Event, len(events))
	for i, e := range events {
		e.Seq = res[i].Seq
		out[i] = e
	}
	return out
}

// SameEvents compares two event lists field by field.
func SameEvents(tb testing.TB, got, want []domain.Event) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			tb.Fatalf("event %d:\n got %#v\nwant %#v", i, got[i], want[i])
		}
	}
}

// Follower runs Follow in the background and collects what it delivers.
type Follower struct {
	mu   sync.Mutex
	got  []domain.Event
	done chan error
	stop context.CancelFunc
}

func Follow(t *testing.T, st domain.EventStore, name string, after uint64) *Follower {
	t.Helper()
	feed, ok := st.(domain.Feed)
	if !ok {
		t.Skip("store is not a domain.Feed")
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &Follower{done: make(chan error, 1), stop: cancel}
	go func() {
		f.done <- feed.Follow(ctx, name, after, func(e domain.Event) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.got = append(f.got, e)
			return nil
		})
	}()
	t.Cleanup(func() { f.Halt(t) })
	return f
}

// WaitFor waits until the follower has n events.
func (f *Follower) WaitFor(t *testing.T, n int) []domain.Event {
	t.Helper()
	testkit.CheckFor(t, 10*time.Second, func() error {
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.got) < n {
			return fmt.Errorf("followed %d events, want %d", len(f.got), n)
		}
		return nil
	})
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]domain.Event(nil), f.got...)
}

// Halt stops Follow and checks it returned nil.
func (f *Follower) Halt(t *testing.T) {
	t.Helper()
	f.stop()
	select {
	case err, ok := <-f.done:
		if ok && err != nil {
			t.Errorf("follow returned %v, want nil", err)
		}
		if ok {
			close(f.done)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("follow did not return after its context ended")
	}
}

// AppendMixed appends n events spread over three aggregates and returns
// them with their sequences, in stream order.
func AppendMixed(t *testing.T, st domain.EventStore, n int) []domain.Event {
	t.Helper()
	keys := []domain.StreamKey{domain.ChargerKey(NewCharger("f")), domain.ChargerKey(NewCharger("f")), domain.ChargerKey(NewCharger("f"))}
	out := make([]domain.Event, n)
	for i := range out {
		key := keys[i%len(keys)]
		e := Reading(key.ID, float64(i%101))
		e.Seq = AppendOK(t, st, key, domain.AnyVersion, e)[0].Seq
		out[i] = e
	}
	return out
}

// testConflictStoresNothing appends with a version the aggregate has moved
// past: the append is refused with ErrConflict (its code, for the edges)
// and nothing of it is stored.
func testConflictStoresNothing(t *testing.T, st domain.EventStore) {
	key := domain.ChargerKey(NewCharger("conflict"))
	res := AppendOK(t, st, key, 0, Readings(key.ID, 2)...)
	stored := LoadOK(t, st, key, 0)
	for _, expected := range []uint64{0, res[0].Seq, res[1].Seq + 1000} {
		_, err := st.Append(Context(t), key, expected, Readings(key.ID, 2))
		if !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("append expecting %d after %d: got %v, want ErrConflict", expected, res[1].Seq, err)
		}
		if got, want := domain.ErrorCode(err), domain.CodeConflict; got != want {
			t.Fatalf("code: got %q, want %q", got, want)
		}
	}
	SameEvents(t, LoadOK(t, st, key, 0), stored)
}

// testDuplicateBatch re-sends a whole batch as it was first sent: every
// event is reported Duplicate with its original sequence.
func testDuplicateBatch(t *testing.T, st domain.EventStore) {
	for _, tt := range resends {
		expected := tt.expected
		t.Run(tt.name, func(t *testing.T) {
			key := domain.ChargerKey(NewCharger("dupbatch"))
			evs := Readings(key.ID, 3)
			first := AppendOK(t, st, key, expected, evs...)
			again := AppendOK(t, st, key, expected, evs...)
			for i := range first {
				if got, want := again[i], (domain.Appended{Seq: first[i].Seq, Duplicate: true}); got != want {
					t.Fatalf("event %d re-sent: got %+v, want %+v", i, got, want)
				}
			}
			SameEvents(t, LoadOK(t, st, key, 0), WithSeqs(evs, first))
		})
	}
}

// opaqueEvent returns an event of a type this build does not know, as a
// newer instance would store it on charger's subject.
func opaqueEvent(charger string) domain.Event {
	return domain.NewEvent(ulid.Make().String(), eventTime, charger, "s-1", domain.Opaque{
		Type: "charger.from_the_future", Reason: domain.OpaqueUnknownType,
		Raw: json.RawMessage(`{"flux":1.21,"unit":"GW"}`),
	})
}

// withOpaque appends a reading, an event of an unknown type and another
// Reading to one charger, and returns them as they must load.
func withOpaque(t *testing.T, st domain.EventStore) (domain.StreamKey, []domain.Event) {
	t.Helper()
	key := domain.ChargerKey(NewCharger("opaque"))
	evs := []domain.Event{Reading(key.ID, 10), opaqueEvent(key.ID), Reading(key.ID, 20)}
	return key, WithSeqs(evs, AppendOK(t, st, key, 0, evs...))
}

// testOpaque stores an event of an unknown type between two readings: it
// loads back as Opaque with its type and data as written, and the events
// after it load too.
func testOpaque(t *testing.T, st domain.EventStore) {
	key, evs := withOpaque(t, st)
	got := LoadOK(t, st, key, 0)
	SameEvents(t, got, evs)
	if !got[1].IsOpaque() || got[1].Type != "charger.from_the_future" {
		t.Fatalf("unknown event loaded as %#v, want an Opaque charger.from_the_future", got[1])
	}
	SameEvents(t, LoadOK(t, st, key, evs[0].Seq), evs[1:])
	SameEvents(t, LoadOK(t, st, key, evs[1].Seq), evs[2:])
}

// testFollowOpaque follows past an event of an unknown type.
func testFollowOpaque(t *testing.T, st domain.EventStore) {
	_, evs := withOpaque(t, st)
	f := Follow(t, st, "opaque", 0)
	SameEvents(t, f.WaitFor(t, 3), evs)
	more := AppendMixed(t, st, 3)
	SameEvents(t, f.WaitFor(t, 6), append(evs, more...))
}

// resends are the ways an event is re-sent as it was first sent: without
// a version check (the store knows its id), and with the version it
// expected then (the store finds it past that version).
var resends = []struct {
	name     string
	expected uint64
}{
	{"any version", domain.AnyVersion},
	{"the version it was first sent with", 0},
}
