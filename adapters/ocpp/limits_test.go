package ocpp_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
)

// meterValues builds a MeterValues payload of groups meterValue entries,
// each with per sampledValue entries holding value (format, when set).
func meterValues(groups, per int, value, format string) string {
	sv := `{"value":"` + value + `"`
	if format != "" {
		sv += `,"format":"` + format + `"`
	}
	sv += `}`
	var b strings.Builder
	b.WriteString(`{"connectorId":1,"meterValue":[`)
	for i := range groups {
		if i > 0 {
			b.WriteByte(',')
		}
		ts := time.Date(2026, 7, 4, 18, 0, i, 0, time.UTC).Format(time.RFC3339)
		b.WriteString(`{"timestamp":"` + ts + `","sampledValue":[`)
		b.WriteString(strings.TrimSuffix(strings.Repeat(sv+",", per), ","))
		b.WriteString(`]}`)
	}
	b.WriteString(`]}`)
	return b.String()
}

// refusals records what Config.Refused hears.
type refusals struct {
	mu  sync.Mutex
	got []string
}

func (r *refusals) hear(chargerID, reason string) {
	r.mu.Lock()
	r.got = append(r.got, chargerID+" "+reason)
	r.mu.Unlock()
}

func (r *refusals) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

func TestMeterValuesLimits(t *testing.T) {
	tests := []struct {
		name     string
		limits   ocpp.MeterLimits
		payload  string
		want     ocpp.ErrorCode // "" when it is taken
		wantDesc string
		samples  int // backend calls when taken
	}{
		{"at every default bound", ocpp.MeterLimits{}, meterValues(4, 64, "1", ""), "", "", 256},
		{"32 meterValues", ocpp.MeterLimits{}, meterValues(32, 1, "1", ""), "", "", 32},
		{"33 meterValues", ocpp.MeterLimits{}, meterValues(33, 1, "1", ""), ocpp.CodeOccurenceConstraintViolation,
			"meterValue: 33 entries, at most 32 are taken in one MeterValues; send them in several", 0},
		{"65 sampledValues", ocpp.MeterLimits{}, meterValues(1, 65, "1", ""), ocpp.CodeOccurenceConstraintViolation,
			"meterValue[0].sampledValue: 65 entries, at most 64 are taken in one meterValue", 0},
		{"257 samples in all", ocpp.MeterLimits{}, meterValues(5, 52, "1", ""), ocpp.CodeOccurenceConstraintViolation,
			"meterValue: more than 256 sampledValue entries in one MeterValues; send them in several", 0},
		{"600 samples in one frame", ocpp.MeterLimits{}, meterValues(10, 60, "12345.6", ""), ocpp.CodeOccurenceConstraintViolation,
			"meterValue: more than 256 sampledValue entries in one MeterValues; send them in several", 0},
		{"64-character value", ocpp.MeterLimits{}, meterValues(1, 1, repeat("7", 64), ""), "", "", 1},
		{"65-character value", ocpp.MeterLimits{}, meterValues(1, 1, repeat("7", 65), ""), ocpp.CodePropertyConstraintViolation,
			"meterValue[0].sampledValue[0].value: longer than 64 characters", 0},
		{"60 KB value", ocpp.MeterLimits{}, meterValues(1, 1, repeat("x", 60<<10), ""), ocpp.CodePropertyConstraintViolation,
			"meterValue[0].sampledValue[0].value: longer than 64 characters", 0},
		{"characters, not bytes", ocpp.MeterLimits{}, meterValues(1, 1, repeat("é", 64), ""), "", "", 1},
		{"signed data may be longer", ocpp.MeterLimits{}, meterValues(1, 1, repeat("A", 2500), "SignedData"), "", "", 1},
		{"signed data over 2500", ocpp.MeterLimits{}, meterValues(1, 1, repeat("A", 2501), "SignedData"), ocpp.CodePropertyConstraintViolation,
			"meterValue[0].sampledValue[0].value: longer than 2500 characters", 0},
		{"configured samples", ocpp.MeterLimits{Samples: 3}, meterValues(2, 2, "1", ""), ocpp.CodeOccurenceConstraintViolation,
			"meterValue: more than 3 sampledValue entries in one MeterValues; send them in several", 0},
		{"configured value length", ocpp.MeterLimits{ValueLength: 4}, meterValues(1, 1, "12345", ""), ocpp.CodePropertyConstraintViolation,
			"meterValue[0].sampledValue[0].value: longer than 4 characters", 0},
		{"a bad sample after the bound is not looked at", ocpp.MeterLimits{MeterValues: 1},
			`{"connectorId":1,"meterValue":[{"timestamp":"2026-07-04T18:00:00Z","sampledValue":[{"value":"1"}]},{"sampledValue":[]}]}`,
			ocpp.CodeOccurenceConstraintViolation, "meterValue: 2 entries, at most 1 are taken in one MeterValues; send them in several", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBackend()
			var heard refusals
			r := ocpp.NewRouter(b, ocpp.Config{Now: func() time.Time { return fixedNow }, Logger: quietLogger(),
				Meter: tt.limits, Refused: heard.hear})
			_, cerr := handle(t, r, "c1234", "MeterValues", tt.payload)
			if got := len(b.Calls()); got != tt.samples {
				t.Errorf("got %d backend calls, want %d", got, tt.samples)
			}
			if tt.want == "" {
				if cerr != nil {
					t.Fatalf("got %v, want the message taken", cerr)
				}
				if got := heard.list(); len(got) != 0 {
					t.Errorf("got refusals %v, want none", got)
				}
				return
			}
			wantRouterCode(t, cerr, tt.want)
			if cerr.Description != tt.wantDesc {
				t.Errorf("got description %q, want %q", cerr.Description, tt.wantDesc)
			}
			if got, want := fmt.Sprint(heard.list()), "[c1234 "+ocpp.RefusedMeter+"]"; got != want {
				t.Errorf("got refusals %s, want %s", got, want)
			}
		})
	}
}
