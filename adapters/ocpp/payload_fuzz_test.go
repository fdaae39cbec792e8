package ocpp_test

import (
	"context"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

// FuzzHandle drives the payload decoding and validation path of every
// action: it must never panic, must answer either a confirmation that
// passes the 1.6 schema or a CALLERROR with a code, and must call the
// backend only for payloads it accepted, never for more samples or longer
// values than MeterLimits allow.
func FuzzHandle(f *testing.F) {
	for _, s := range realFrames {
		fr, err := ocpp.ParseFrame([]byte(s))
		if err == nil && fr.Type == ocpp.TypeCall {
			f.Add(fr.Action, []byte(fr.Payload))
		}
	}
	f.Add("Authorize", []byte(`{"idTag":"B4A63CDF"}`))
	f.Add("StopTransaction", []byte(`{"transactionId":1,"meterStop":0,"timestamp":"2026-07-04T19:00:00Z","transactionData":[{"timestamp":"2026-07-04T19:00:00Z","sampledValue":[{"value":"1"}]}]}`))
	f.Add("MeterValues", []byte(`{"connectorId":1,"transactionId":42,"meterValue":[{"timestamp":"2026-07-04T18:05:00+02:00","sampledValue":[{"value":"1500","unit":"kWh"},{"value":"99.9","measurand":"SoC","format":"Raw"}]}]}`))
	f.Add("MeterValues", []byte(`{"connectorId":0,"meterValue":[{"timestamp":"2026-07-04T18:05:00Z","sampledValue":[{"value":"1e400","measurand":"SoC"}]}]}`))
	f.Fuzz(func(t *testing.T, action string, payload []byte) {
		b := newFakeBackend()
		r := newRouter(b)
		conf, cerr := r.Handle(context.Background(), "c1234", action, json.RawMessage(payload))
		if cerr != nil {
			if cerr.Code == "" {
				t.Fatalf("CALLERROR without a code: %+v", cerr)
			}
			if cerr.Code != ocpp.CodeInternalError && len(b.Calls()) != 0 {
				t.Fatalf("rejected %s %s with %s after %d backend calls", action, payload, cerr.Code, len(b.Calls()))
			}
			return
		}
		if err := ocpp.ValidatePayload(conf); err != nil {
			t.Fatalf("%s confirmation %+v breaks the schema: %v", action, conf, err)
		}
		if _, err := ocpp.EncodeCallResult("x", conf); err != nil {
			t.Fatalf("encode %+v: %v", conf, err)
		}
		if n := len(b.Calls()); n > ocpp.DefaultMaxSamples {
			t.Fatalf("%s accepted with %d backend calls, over the %d-sample bound", action, n, ocpp.DefaultMaxSamples)
		}
		for _, c := range b.Calls() {
			if c.Method == "MeterSample" {
				s := c.Args[0].(ocpp.Sample)
				limit := ocpp.DefaultMaxValueLength
				if s.Format == "SignedData" {
					limit = ocpp.DefaultMaxSignedValueLength
				}
				if n := utf8.RuneCountInString(s.Value); n > limit {
					t.Fatalf("sample value of %d characters accepted, over %d", n, limit)
				}
			}
			if c.Method == "Reading" {
				if soc := c.Args[0].(float64); soc < 0 || soc > 100 {
					t.Fatalf("Reading with soc %v", soc)
				}
			}
		}
	})
}
