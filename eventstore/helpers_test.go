package eventstore_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/oklog/ulid/v2"
)

// eventTime is the envelope time of test events: UTC with nanoseconds, as
// the domain stamps them.
var eventTime = time.Date(2026, 7, 4, 12, 30, 15, 123456789, time.UTC)

// uniq makes aggregate ids unique within a test binary run.
var uniq atomic.Int64

// newCharger returns a fresh charger id holding a '.', which the subject
// must encode.
func newCharger(prefix string) string {
	return fmt.Sprintf("%s.%d", prefix, uniq.Add(1))
}

// reading returns a SoC event of charger.
func reading(charger string, soc float64) domain.Event {
	return domain.NewEvent(ulid.Make().String(), eventTime, charger, "s-1",
		domain.SoCReported{SoC: soc, Status: domain.Status("charging")})
}

// readings returns n SoC events of charger.
func readings(charger string, n int) []domain.Event {
	out := make([]domain.Event, n)
	for i := range out {
		out[i] = reading(charger, float64(i%101))
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
	e := domain.NewEvent(ulid.Make().String(), eventTime, charger, "s-"+charger, v.Interface().(domain.Payload))
	e.WidgetID = widget
	return e
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

// ctxT returns a context that ends with the test or after 20 s.
func ctxT(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// checkFor polls f until it returns nil or timeout passes.
func checkFor(tb testing.TB, timeout, every time.Duration, f func() error) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("after %s: %v", timeout, err)
		}
		time.Sleep(every)
	}
}

// appendOK appends and fails the test on an error.
func appendOK(tb testing.TB, st domain.EventStore, key domain.StreamKey, expected uint64, events ...domain.Event) []domain.Appended {
	tb.Helper()
	res, err := st.Append(ctxT(tb), key, expected, events)
	if err != nil {
		tb.Fatalf("append %d events to %v: %v", len(events), key, err)
	}
	if got, want := len(res), len(events); got != want {
		tb.Fatalf("append returned %d results, want %d", got, want)
	}
	return res
}

// loadOK loads and fails the test on an error.
func loadOK(tb testing.TB, st domain.EventStore, key domain.StreamKey, after uint64) []domain.Event {
	tb.Helper()
	evs, err := st.Load(ctxT(tb), key, after)
	if err != nil {
		tb.Fatalf("load %v after %d: %v", key, after, err)
	}
	return evs
}

// withSeqs returns a copy of events with the sequences of res.
func withSeqs(events []domain.Event, res []domain.Appended) []domain.Event {
	out := make([]domain.Event, len(events))
	for i, e := range events {
		e.Seq = res[i].Seq
		out[i] = e
	}
	return out
}

// sameEvents compares two event lists field by field.
func sameEvents(tb testing.TB, got, want []domain.Event) {
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
