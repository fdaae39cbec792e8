package domain

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"
)

// FuzzDecodeExact holds the one-pass envelope decoder to encoding/json:
// whatever it accepts, encoding/json decodes to the same event.
func FuzzDecodeExact(f *testing.F) {
	t0 := time.Date(2026, 7, 4, 18, 0, 0, 123456789, time.UTC)
	for _, p := range []Payload{
		SoCReported{SoC: 81.5, Status: StatusCharging80, ReadingID: "r-17"},
		PaymentRecorded{AmountCents: 500, Method: MethodCard, Reference: "pos-9", IdempotencyKey: "k-1", Currency: "EUR"},
		TransactionStarted{TransactionID: 3, ConnectorID: 1, IDTag: "TAG1", MeterStart: 10, Timestamp: t0},
		SessionCharged{},
		PairingSet{ChargerID: "c1234", WidgetID: "wABCD"},
	} {
		e := NewEvent("01J1Z5Q8W3M4N5P6Q7R8S9T0VW", t0, "c1234", "01J1Z5Q8W3M4N5P6Q7R8S9T0SS", p)
		e.Seq = 42
		b, err := e.MarshalJSON()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"id":"x","type":"session.charged","time":"2026-07-04T18:00:00Z"}`,
		`{"id":"x","ID":"y","type":"session.charged","time":"2026-07-04T18:00:00Z","data":null}`,
		`{"id":"x","type":"charger.soc_reported","time":"2026-07-04T18:00:00+02:00","data":{"soc":70,"SOC":5}}`,
		`{"id":"x","id":"y","type":"session.charged","time":"2026-07-04T18:00:00Z"}`,
		`{"id":"\\ud800","type":"session.charged","time":"2026-07-04T18:00:00Z"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := decodeExact(b)
		if !ok {
			return
		}
		var env envelope[json.RawMessage]
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatalf("%q: one pass decoded %+v, encoding/json refuses the envelope: %v", b, fast, err)
		}
		data, err := DecodePayload(env.Type, env.Data)
		if err != nil {
			t.Fatalf("%q: one pass decoded %+v, encoding/json refuses the data: %v", b, fast, err)
		}
		slow := env.event(data)
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q:\\n one pass      %+v\\n encoding/json %+v", b, fast, slow)
		}
	})
}

// EncodeJSON writes what MarshalJSON returns, after what the buffer held.
func TestEncodeJSONIsMarshalJSON(t *testing.T) {
	t0 := time.Date(2026, 7, 4, 18, 0, 0, 123456789, time.UTC)
	for _, p := range []Payload{
		SoCReported{SoC: 81.5, Status: StatusCharging80, ReadingID: "r-17 <&>"},
		PaymentRecorded{AmountCents: 500, Method: MethodCard, Reference: "pos-9", IdempotencyKey: "k-1", Currency: "EUR"},
		SessionCharged{},
	} {
		e := NewEvent("01J1Z5Q8W3M4N5P6Q7R8S9T0VW", t0, "c1234", "01J1Z5Q8W3M4N5P6Q7R8S9T0SS", p)
		e.Actor = &Actor{ID: "s1", Name: "Ann", Role: "lead"}
		want, err := e.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		buf.WriteString("before")
		if err := e.EncodeJSON(&buf); err != nil {
			t.Fatal(err)
		}
		if got := buf.String(); got != "before"+string(want) {
			t.Fatalf("EncodeJSON wrote\n %s\nwant\n %s", got, "before"+string(want))
		}
	}
	var buf bytes.Buffer
	buf.WriteString("kept")
	bad := NewEvent("x", t0, "c1", "", SoCReported{SoC: math.NaN()})
	if err := bad.EncodeJSON(&buf); err == nil || buf.String() != "kept" {
		t.Fatalf("EncodeJSON of a NaN: %v, buffer %q; want an error and the buffer as it was", err, buf.String())
	}
}
