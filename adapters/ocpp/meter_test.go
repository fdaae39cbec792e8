package ocpp_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

func TestMeterValuesSoC(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  float64
	}{
		{"decimal", "70.0", 70},
		{"eighty five", "85.0", 85},
		{"integer", "100", 100},
		{"zero", "0", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBackend()
			got := mustHandle(t, newRouter(b), "c1234", "MeterValues",
				`{"connectorId":0,"meterValue":[{"timestamp":"2026-07-04T18:05:00Z",
				  "sampledValue":[{"value":"`+tt.value+`","measurand":"SoC","unit":"Percent","context":"Sample.Periodic"}]}]}`)
			if len(got) != 0 {
				t.Errorf("got confirmation %v, want {}", got)
			}
			calls := b.Calls()
			if len(calls) != 1 || calls[0].Method != "Reading" || calls[0].ChargerID != "c1234" {
				t.Fatalf("got calls %+v, want one Reading for c1234", calls)
			}
			if soc := calls[0].Args[0].(float64); soc != tt.want {
				t.Errorf("got soc %v, want %v", soc, tt.want)
			}
			if id := calls[0].Args[1].(string); len(id) != 26 {
				t.Errorf("got event id %q, want a ULID (26 characters)", id)
			}
			if ts := calls[0].Args[2].(time.Time); !ts.Equal(time.Date(2026, 7, 4, 18, 5, 0, 0, time.UTC)) {
				t.Errorf("got timestamp %v, want 18:05Z", ts)
			}
		})
	}
}

func TestMeterValuesMixed(t *testing.T) {
	b := newFakeBackend()
	mustHandle(t, newRouter(b), "c1234", "MeterValues",
		`{"connectorId":1,"transactionId":1017,"meterValue":[
		  {"timestamp":"2026-07-04T18:05:00Z","sampledValue":[{"value":"1234"},{"value":"55.5","measurand":"SoC"}]},
		  {"timestamp":"2026-07-04T18:06:00Z","sampledValue":[{"value":"7.2","measurand":"Power.Active.Import","unit":"kW","phase":"L1"}]}]}`)
	calls := b.Calls()
	if len(calls) != 3 {
		t.Fatalf("got %d calls %+v, want 3", len(calls), calls)
	}
	energy := calls[0].Args[0].(ocpp.Sample)
	if calls[0].Method != "MeterSample" || energy.Measurand != ocpp.MeasurandDefault || energy.Unit != "Wh" ||
		energy.Value != "1234" || energy.ConnectorID != 1 || energy.TransactionID == nil || *energy.TransactionID != 1017 {
		t.Errorf("got first call %s %+v, want the default Energy.Active.Import.Register sample in Wh", calls[0].Method, energy)
	}
	if calls[1].Method != "Reading" || calls[1].Args[0].(float64) != 55.5 {
		t.Errorf("got second call %+v, want Reading 55.5", calls[1])
	}
	power := calls[2].Args[0].(ocpp.Sample)
	if calls[2].Method != "MeterSample" || power.Measurand != "Power.Active.Import" || power.Unit != "kW" || power.Phase != "L1" {
		t.Errorf("got third call %s %+v, want the Power.Active.Import sample", calls[2].Method, power)
	}
	if energy.EventID == power.EventID || energy.EventID == calls[1].Args[1] {
		t.Error("samples share an event id")
	}
}

func TestMeterValuesViolations(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    ocpp.ErrorCode
	}{
		{"value a number", `{"connectorId":0,"meterValue":[{"timestamp":"2026-07-04T18:05:00Z","sampledValue":[{"value":70,"measurand":"SoC"}]}]}`, ocpp.CodeTypeConstraintViolation},
		{"missing connectorId", `{"meterValue":[{"timestamp":"2026-07-04T18:05:00Z","sampledValue":[{"value":"1"}]}]}`, ocpp.CodeOccurenceConstraintViolation},
		{"missing meterValue", `{"connectorId":0}`, ocpp.CodeOccurenceConstraintViolation},
		{"empty meterValue", `{"connectorId":0,"meterValue":[]}`, ocpp.CodeOccurenceConstraintViolation},
		{"empty sampledValue", `{"connectorId":0,"meterValue":[{"timestamp":"2026-07-04T18:05:00Z","sampledValue":[]}]}`, ocpp.CodeOccurenceConstraintViolation},
		{"missing timestamp", `{"connectorId":0,"meterValue":[{"sampledValue":[{"value":"1"}]}]}`, ocpp.CodeOccurenceConstraintViolation},
		{"bad measurand", `{"connectorId":0,"meterValue":[{"timestamp":"2026-07-04T18:05:00Z","sampledValue":[{"value":"1","measurand":"Soc"}]}]}`, ocpp.CodePropertyConstraintViolation},
		{"bad unit", `{"connectorId":0,"meterValue":[{"timestamp":"2026-07-04T18:05:00Z","sampledValue":[{"value":"1","unit":"%"}]}]}`, ocpp.CodePropertyConstraintViolation},
		{"meterValue an object", `{"connectorId":0,"meterValue":{"timestamp":"2026-07-04T18:05:00Z"}}`, ocpp.CodeTypeConstraintViolation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBackend()
			_, cerr := handle(t, newRouter(b), "c1234", "MeterValues", tt.payload)
			wantRouterCode(t, cerr, tt.want)
			if n := len(b.Calls()); n != 0 {
				t.Errorf("got %d backend calls, want 0: a rejected message records nothing", n)
			}
		})
	}
}

func TestMeterValuesBadSoCKeepsTheOtherSamples(t *testing.T) {
	tests := []struct {
		value   string
		refused bool
		soc     float64
	}{
		{"150", true, 0},
		{"-1", true, 0},
		{"seventy", true, 0},
		{"NaN", true, 0},
		{"101.5", true, 0},
		{"100.4", false, 100}, // a rounding artefact: read as 100
		{"101", false, 100},
		{"99.9", false, 99.9},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			b := newFakeBackend()
			conf, cerr := handle(t, newRouter(b), "c1234", "MeterValues",
				`{"connectorId":1,"meterValue":[{"timestamp":"2026-07-04T18:05:00Z","sampledValue":[`+
					`{"value":"1200"},{"value":"`+tt.value+`","measurand":"SoC"},{"value":"50","measurand":"SoC"}]}]}`)
			if cerr != nil || conf == nil {
				t.Fatalf("got %v, want MeterValues.conf: a bad sample does not refuse the message", cerr)
			}
			calls := b.Calls()
			if got, want := len(calls), 3; got != want {
				t.Fatalf("got %d backend calls %+v, want %d", got, calls, want)
			}
			if energy := calls[0].Args[0].(ocpp.Sample); calls[0].Method != "MeterSample" || energy.Value != "1200" || energy.Refused != "" {
				t.Errorf("energy sample: got %s %+v", calls[0].Method, energy)
			}
			if tt.refused {
				bad := calls[1].Args[0].(ocpp.Sample)
				if calls[1].Method != "MeterSample" || bad.Value != tt.value || !strings.Contains(bad.Refused, "not a number from 0 to 100") {
					t.Errorf("bad sample: got %s %+v, want it recorded as refused", calls[1].Method, bad)
				}
			} else if calls[1].Method != "Reading" || calls[1].Args[0].(float64) != tt.soc {
				t.Errorf("got %+v, want Reading %v", calls[1], tt.soc)
			}
			if calls[2].Method != "Reading" || calls[2].Args[0].(float64) != 50 {
				t.Errorf("got %+v, want Reading 50 after the bad sample", calls[2])
			}
		})
	}
}
