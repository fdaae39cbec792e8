package ocpp_test

import (
	"context"
	"testing"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
	"github.com/oklog/ulid/v2"
)

// eventIDOf runs one CALL frame through the router and returns the event
// id the backend received.
func eventIDOf(tb testing.TB, chargerID, frame string) string {
	tb.Helper()
	b := newFakeBackend()
	f, err := ocpp.ParseFrame([]byte(frame))
	if err != nil {
		tb.Fatal(err)
	}
	r := newRouter(b)
	r.HandleFrame(context.Background(), r.NewSession(chargerID), f)
	calls := b.Calls()
	if len(calls) != 1 {
		tb.Fatalf("got calls %+v, want one", calls)
	}
	switch v := calls[0].Args[0].(type) {
	case ocpp.StartTx:
		return v.EventID
	case ocpp.StopTx:
		return v.EventID
	case ocpp.Sample:
		return v.EventID
	case float64: // Reading(soc, eventID, ts)
		return calls[0].Args[1].(string)
	}
	tb.Fatalf("call %+v carries no event id", calls[0])
	return ""
}

// TestOfflineReplay shows that a message re-sent after a reconnect, with a
// new unique id, gives the backend the same event id, so it is stored once,
// while a message with other content or another timestamp does not.
func TestOfflineReplay(t *testing.T) {
	tests := []struct {
		name      string
		first     string
		replay    string
		different string
	}{
		{"StartTransaction",
			`[2,"m-1","StartTransaction",{"connectorId":1,"idTag":"B4A63CDF","meterStart":0,"timestamp":"2026-07-04T18:00:00Z"}]`,
			`[2,"m-900","StartTransaction",{"timestamp":"2026-07-04T20:00:00.000+02:00","meterStart":0,"idTag":"B4A63CDF","connectorId":1}]`,
			`[2,"m-901","StartTransaction",{"connectorId":1,"idTag":"B4A63CDF","meterStart":0,"timestamp":"2026-07-04T18:00:01Z"}]`},
		{"StopTransaction",
			`[2,"m-2","StopTransaction",{"transactionId":42,"meterStop":900,"timestamp":"2026-07-04T19:00:00Z","reason":"Local"}]`,
			`[2,"m-902","StopTransaction",{"transactionId":42,"meterStop":900,"timestamp":"2026-07-04T19:00:00Z","reason":"Local"}]`,
			`[2,"m-903","StopTransaction",{"transactionId":42,"meterStop":900,"timestamp":"2026-07-04T19:00:05Z","reason":"Local"}]`},
		{"MeterValues SoC",
			`[2,"m-3","MeterValues",{"connectorId":0,"meterValue":[{"timestamp":"2026-07-04T18:05:00Z","sampledValue":[{"value":"70.0","measurand":"SoC"}]}]}]`,
			`[2,"m-904","MeterValues",{"connectorId":0,"meterValue":[{"timestamp":"2026-07-04T18:05:00Z","sampledValue":[{"value":"70.0","measurand":"SoC"}]}]}]`,
			`[2,"m-905","MeterValues",{"connectorId":0,"meterValue":[{"timestamp":"2026-07-04T18:06:00Z","sampledValue":[{"value":"70.0","measurand":"SoC"}]}]}]`},
		{"MeterValues energy",
			`[2,"m-4","MeterValues",{"connectorId":1,"transactionId":42,"meterValue":[{"timestamp":"2026-07-04T18:05:00Z","sampledValue":[{"value":"1500"}]}]}]`,
			`[2,"m-906","MeterValues",{"connectorId":1,"transactionId":42,"meterValue":[{"timestamp":"2026-07-04T18:05:00Z","sampledValue":[{"value":"1500"}]}]}]`,
			`[2,"m-907","MeterValues",{"connectorId":1,"transactionId":42,"meterValue":[{"timestamp":"2026-07-04T18:05:00Z","sampledValue":[{"value":"1501"}]}]}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := eventIDOf(t, "c1234", tt.first)
			if got := eventIDOf(t, "c1234", tt.replay); got != first {
				t.Errorf("replay: got event id %s, want %s", got, first)
			}
			if got := eventIDOf(t, "c1234", tt.different); got == first {
				t.Errorf("different message: got the same event id %s", got)
			}
			if _, err := ulid.ParseStrict(first); err != nil {
				t.Errorf("event id %q is not a ULID: %v", first, err)
			}
			if got := eventIDOf(t, "c9999", tt.first); got == first {
				t.Errorf("other charger: got the same event id %s", got)
			}
		})
	}
}
