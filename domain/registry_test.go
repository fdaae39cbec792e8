package domain_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// samplePayloads holds one filled-in payload per registered event type. A
// type added to the registry without a sample here fails TestEventRoundTrip.
var samplePayloads = map[string]domain.Payload{
	domain.TypeIDTagSet:            domain.IDTagSet{Tag: "TAG1", Status: domain.TagAccepted, Parent: "P1"},
	domain.TypeIDTagRemoved:        domain.IDTagRemoved{Tag: "TAG1"},
	domain.TypeTxIDAllocated:       domain.TxIDAllocated{TransactionID: 4012, ChargerID: "c1", StartEventID: "01J0000000000000000000000A"},
	domain.TypeSampleRefused:       domain.SampleRefused{ConnectorID: 1, Measurand: "SoC", Value: "150", Reason: "out of range", Timestamp: time.Date(2026, 7, 4, 18, 0, 0, 0, time.UTC)},
	domain.TypeFirmwareStatus:      domain.FirmwareStatus{Status: "Installed"},
	domain.TypeDiagnosticsStatus:   domain.DiagnosticsStatus{Status: "Uploaded"},
	domain.TypeSecurityEventNoted:  domain.SecurityEventNoted{Kind: "FirmwareUpdated", Timestamp: time.Date(2026, 7, 4, 18, 0, 0, 0, time.UTC), TechInfo: "v2"},
	domain.TypeSoCReported:         domain.SoCReported{SoC: 81.5, Status: domain.StatusCharging80, ReadingID: "r-17"},
	domain.TypeChargerConnected:    domain.ChargerConnected{Instance: "i1", Conn: "k1", Protocol: "ocpp1.6", Remote: "10.0.0.7:5123"},
	domain.TypeChargerDisconnected: domain.ChargerDisconnected{Instance: "i1", Conn: "k1", Reason: "replaced"},
	domain.TypeChargerBooted:       domain.ChargerBooted{Vendor: "Acme", Model: "Booth-8", Serial: "S1", Firmware: "1.2.3", Status: "Accepted"},
	domain.TypeConnectorStatus:     domain.ConnectorStatus{ConnectorID: 2, Status: "Charging", ErrorCode: "NoError", Info: "ok"},
	domain.TypeWidgetConnected:     domain.WidgetConnected{Instance: "i1", Conn: "k2"},
	domain.TypeWidgetDisconnected:  domain.WidgetDisconnected{Instance: "i1", Conn: "k2", Reason: "ping timeout"},
	domain.TypePairingSet:          domain.PairingSet{ChargerID: "c1234", WidgetID: "wABCD"},
	domain.TypePairingRemoved:      domain.PairingRemoved{ChargerID: "c1234", WidgetID: "wABCD"},
	domain.TypeSessionOpened:       domain.SessionOpened{By: domain.OpenedByStaff, WidgetID: "wABCD"},
	domain.TypeSessionCharged:      domain.SessionCharged{},
	domain.TypePaymentRecorded:     domain.PaymentRecorded{AmountCents: 500, Method: domain.MethodCard, Reference: "pos-9", IdempotencyKey: "k-1", Currency: "EUR"},
	domain.TypeHandedBack:          domain.HandedBack{AmountDueCents: 700, PaidCents: 200, Waived: true, WaiveReason: "lost receipt"},
	domain.TypeTransactionStarted:  domain.TransactionStarted{TransactionID: 3, ConnectorID: 1, IDTag: "TAG1", MeterStart: 10, Timestamp: t0.Add(-time.Minute)},
	domain.TypeTransactionStopped:  domain.TransactionStopped{TransactionID: 3, MeterStop: 99, Reason: "Local", Timestamp: t0.Add(time.Hour)},
	domain.TypeMeterSampled:        domain.MeterSampled{ConnectorID: 1, Measurand: "Voltage", Value: "229.8", Unit: "V", Timestamp: t0},
	domain.TypeSessionOverdue:      domain.SessionOverdue{ChargedAt: t0, CollectAfter: "30m0s"},
	domain.TypeNoticeScheduled:     domain.NoticeScheduled{NoticeID: "n1", At: t0.Add(3 * time.Hour), LocalTime: "2026-07-04 23:00", TimeZone: "Europe/Madrid", Text: "Headliner!"},
	domain.TypeNoticeFired:         domain.NoticeFired{NoticeID: "n1", Text: "Headliner!"},
	domain.TypeDeviceEnrolled:      domain.DeviceEnrolled{Kind: domain.DeviceCharger, DeviceID: "c1", SecretHash: "$2a$10$x"},
	domain.TypeDeviceUnenrolled:    domain.DeviceUnenrolled{Kind: domain.DeviceWidget, DeviceID: "w1"},
	domain.TypeStaffAdded:          domain.StaffAdded{StaffID: "01S", Name: "Anna", Role: "staff", TokenHash: "ab12", PINHash: "$2a$10$x"},
	domain.TypeStaffChanged:        domain.StaffChanged{StaffID: "01S", Role: "lead", PINCleared: true},
	domain.TypeStaffDisabled:       domain.StaffDisabled{StaffID: "01S"},
	domain.TypeStaffEnabled:        domain.StaffEnabled{StaffID: "01S"},
	domain.TypeStaffSignedIn:       domain.StaffSignedIn{SessionHash: "cd34", StaffID: "01S", Expires: time.Date(2026, 7, 5, 6, 0, 0, 0, time.UTC), Method: "pin"},
	domain.TypeStaffSignedOut:      domain.StaffSignedOut{SessionHash: "cd34", StaffID: "01S"},
	domain.TypeChargerRetired:      domain.ChargerRetired{Reason: "idle", IdleSince: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)},

	// OCPP calls from the server (domain/ocpp_payloads.go).
	domain.TypeOCPPCallSent: domain.OCPPCallSent{UniqueID: "u1", Action: "Reset", Payload: json.RawMessage(`{"type":"Soft"}`), Origin: domain.OriginAPI},
	domain.TypeOCPPCallAnswered: domain.OCPPCallAnswered{UniqueID: "u1", Action: "Reset", Result: json.RawMessage(`{"status":"Accepted"}`),
		ErrorCode: "", DurationMs: 12},
	domain.TypeOCPPCallTimedOut: domain.OCPPCallTimedOut{UniqueID: "u2", Action: "Reset", DurationMs: 30000},
	domain.TypeOCPPCallFailed:   domain.OCPPCallFailed{UniqueID: "u3", Action: "Reset", Reason: "connection closed", DurationMs: 5},
	domain.TypeOCPPConfigurationDone: domain.OCPPConfigurationApplied{Results: []domain.OCPPSettingResult{
		{Key: "MeterValuesSampledData", Want: "SoC", Had: "Energy.Active.Import.Register", Reported: true, Status: "Accepted"}}},
}

// sampleEvent wraps the sample payload of typ in a full envelope.
func sampleEvent(tb testing.TB, typ string) domain.Event {
	tb.Helper()
	p, ok := samplePayloads[typ]
	if !ok {
		tb.Fatalf("no sample payload for registered type %q: add one to samplePayloads", typ)
	}
	e := domain.NewEvent("01J1Z5Q8W3M4N5P6Q7R8S9T0VW", t0.Add(1500*time.Millisecond), "c1234", "01J1Z5Q8W3M4N5P6Q7R8S9T0SS", p)
	e.WidgetID = "wABCD"
	e.Seq = 42
	return e
}

func TestEventTypesSortedAndUnique(t *testing.T) {
	types := domain.EventTypes()
	if len(types) == 0 {
		t.Fatal("no registered event types")
	}
	for i := 1; i < len(types); i++ {
		if types[i-1] >= types[i] {
			t.Errorf("EventTypes not sorted and unique at %d: %q, %q", i, types[i-1], types[i])
		}
	}
	if got, want := len(types), len(samplePayloads); got != want {
		t.Errorf("registered types: got %d, samples %d", got, want)
	}
}

func TestEventRoundTrip(t *testing.T) {
	for _, typ := range domain.EventTypes() {
		t.Run(typ, func(t *testing.T) {
			in := sampleEvent(t, typ)
			if got, want := in.Data.EventType(), typ; got != want {
				t.Fatalf("sample payload type: got %q, want %q", got, want)
			}
			b, err := json.Marshal(in)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			var out domain.Event
			if err := json.Unmarshal(b, &out); err != nil {
				t.Fatalf("unmarshal %s: %v", b, err)
			}
			if !reflect.DeepEqual(out, in) {
				t.Fatalf("round trip:\n got  %#v\n want %#v", out, in)
			}
			if reflect.TypeOf(out.Data).Kind() == reflect.Pointer {
				t.Fatalf("decoded payload is %T, want a value", out.Data)
			}
		})
	}
}

func TestEnvelopeWireFields(t *testing.T) {
	in := sampleEvent(t, domain.TypeSoCReported)
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"id":        `"01J1Z5Q8W3M4N5P6Q7R8S9T0VW"`,
		"type":      `"charger.soc_reported"`,
		"chargerId": `"c1234"`,
		"widgetId":  `"wABCD"`,
		"sessionId": `"01J1Z5Q8W3M4N5P6Q7R8S9T0SS"`,
		"time":      `"2026-07-04T18:00:01.5Z"`,
		"seq":       `42`,
		"v":         `1`,
		"data":      `{"soc":81.5,"status":"charging80","readingId":"r-17"}`,
	}
	for k, v := range want {
		if got := string(raw[k]); got != v {
			t.Errorf("field %q: got %s, want %s", k, got, v)
		}
	}
	if got, want := len(raw), len(want); got != want {
		t.Errorf("fields: got %d (%s), want %d", got, b, want)
	}
}

func TestEnvelopeOptionalFieldsOmitted(t *testing.T) {
	e := domain.NewEvent("01J1Z5Q8W3M4N5P6Q7R8S9T0VW", t0, "", "", domain.NoticeFired{NoticeID: "n1", Text: "x"})
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"chargerId"`, `"widgetId"`, `"sessionId"`, `"seq"`} {
		if bytes.Contains(b, []byte(k)) {
			t.Errorf("empty %s not omitted: %s", k, b)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"missing type", `{"id":"x","time":"2026-07-04T18:00:00Z","data":{}}`},
		{"data of an older schema", `{"id":"x","type":"charger.soc_reported","v":1,"time":"2026-07-04T18:00:00Z","data":{"soc":"high"}}`},
		{"wrong data shape", `{"id":"x","type":"charger.soc_reported","time":"2026-07-04T18:00:00Z","data":{"soc":"high"}}`},
		{"data not an object", `{"id":"x","type":"session.charged","time":"2026-07-04T18:00:00Z","data":7}`},
		{"bad time", `{"id":"x","type":"session.charged","time":"yesterday","data":{}}`},
		{"not json", `{"id":`},
		{"array", `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e domain.Event
			if err := json.Unmarshal([]byte(tt.in), &e); err == nil {
				t.Fatalf("decoded %s as %+v, want an error", tt.in, e)
			}
		})
	}
}

func TestDecodePayloadUnknownType(t *testing.T) {
	p, err := domain.DecodePayload("nope.nothing", []byte(`{}`))
	if err == nil {
		t.Fatalf("got %#v, want an error", p)
	}
	if !strings.Contains(err.Error(), "nope.nothing") {
		t.Errorf("error %q does not name the type", err)
	}
}

func TestDecodePayloadNullData(t *testing.T) {
	for _, raw := range []string{"", "null"} {
		p, err := domain.DecodePayload(domain.TypeSessionCharged, []byte(raw))
		if err != nil {
			t.Fatalf("data %q: %v", raw, err)
		}
		if got, want := p, domain.Payload(domain.SessionCharged{}); got != want {
			t.Errorf("data %q: got %#v, want %#v", raw, got, want)
		}
	}
}

// TestEventKey: each family of event types lives on its aggregate's
// subject: per charger, per widget, or one booth-wide aggregate; a type
// this build does not know goes by its family like any other.
func TestEventKey(t *testing.T) {
	tests := []struct {
		typ  string
		want domain.StreamKey
	}{
		{domain.TypeSoCReported, domain.ChargerKey("c1234")},
		{domain.TypeSessionOpened, domain.ChargerKey("c1234")},
		{domain.TypeHandedBack, domain.ChargerKey("c1234")},
		{domain.TypePaymentRecorded, domain.ChargerKey("c1234")},
		{domain.TypeOCPPCallSent, domain.ChargerKey("c1234")},
		{domain.TypeWidgetConnected, domain.StreamKey{Kind: domain.KindWidget, ID: "wABCD"}},
		{domain.TypePairingSet, domain.PairingsKey},
		{domain.TypeNoticeScheduled, domain.NoticesKey},
		{domain.TypeNoticeFired, domain.NoticesKey},
		{domain.TypeDeviceEnrolled, domain.DevicesKey},
		{domain.TypeTxIDAllocated, domain.TxIDsKey},
		{domain.TypeIDTagSet, domain.IDTagsKey},
		{domain.TypeStaffAdded, domain.StaffKey},
		{domain.TypeShiftOpened, domain.ShiftsKey},
		{"charger.teleported", domain.ChargerKey("c1234")},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			e := domain.Event{Type: tt.typ, ChargerID: "c1234", WidgetID: "wABCD"}
			if got := e.Key(); got != tt.want {
				t.Fatalf("Key of %s: got %+v, want %+v", tt.typ, got, tt.want)
			}
		})
	}
}

func FuzzDecodeEnvelope(f *testing.F) {
	for _, typ := range domain.EventTypes() {
		b, err := json.Marshal(sampleEvent(f, typ))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"id":"01J1Z5Q8W3M4N5P6Q7R8S9T0VW","type":"charger.soc_reported","chargerId":"c1234","time":"2026-07-04T18:00:00+02:00","data":{"soc":70}}`))
	f.Add([]byte(`{"id":"x","type":"session.charged","time":"2026-07-04T18:00:00Z","data":null}`))
	f.Add([]byte(`{"id":"x","type":"session.charged","time":"2026-07-04T18:00:00Z"}`))
	f.Add([]byte(`{"type":"charger.exploded"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var e domain.Event
		if err := json.Unmarshal(b, &e); err != nil {
			return
		}
		if e.Data == nil {
			t.Fatalf("decoded %q without data", b)
		}
		if got, want := e.Data.EventType(), e.Type; got != want {
			t.Fatalf("payload type %q under envelope type %q", got, want)
		}
		b1, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("re-encode %+v: %v", e, err)
		}
		var e2 domain.Event
		if err := json.Unmarshal(b1, &e2); err != nil {
			t.Fatalf("decode re-encoded %s: %v", b1, err)
		}
		b2, err := json.Marshal(e2)
		if err != nil {
			t.Fatalf("re-encode twice: %v", err)
		}
		if !bytes.Equal(b1, b2) {
			t.Fatalf("encoding not stable:\n %s\n %s", b1, b2)
		}
	})
}

// TestDecodeOpaque keeps what this build cannot read as an Opaque event
// instead of failing, with the envelope that did decode.
func TestDecodeOpaque(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantType   string
		wantReason string
		wantRaw    string
	}{
		{"unknown type", `{"id":"x","type":"charger.exploded","chargerId":"c1","time":"2026-07-04T18:00:00Z","data":{"a":1}}`,
			"charger.exploded", domain.OpaqueUnknownType, `{"a":1}`},
		{"type by go name", `{"id":"x","type":"SoCReported","time":"2026-07-04T18:00:00Z","data":{"soc":5}}`,
			"SoCReported", domain.OpaqueUnknownType, `{"soc":5}`},
		{"unknown type, future field", `{"id":"x","type":"charger.x","time":"2026-07-04T18:00:00Z","extra":true,"data":null}`,
			"charger.x", domain.OpaqueUnknownType, `null`},
		{"newer schema", `{"id":"x","type":"charger.soc_reported","v":2,"chargerId":"c1","time":"2026-07-04T18:00:00Z","data":{"soc":{"value":5}}}`,
			domain.TypeSoCReported, domain.OpaqueNewerSchema, `{"soc":{"value":5}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e domain.Event
			if err := json.Unmarshal([]byte(tt.in), &e); err != nil {
				t.Fatalf("decode: %v", err)
			}
			o, ok := e.Data.(domain.Opaque)
			if !ok {
				t.Fatalf("data: got %#v, want Opaque", e.Data)
			}
			if o.Type != tt.wantType || o.Reason != tt.wantReason || string(o.Raw) != tt.wantRaw {
				t.Errorf("got %s %q %s, want %s %q %s", o.Type, o.Reason, o.Raw, tt.wantType, tt.wantReason, tt.wantRaw)
			}
			if e.Type != tt.wantType || e.ID != "x" || !e.IsOpaque() {
				t.Errorf("envelope: got %+v", e)
			}
			b, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			var back domain.Event
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("re-decode %s: %v", b, err)
			}
			if got := string(back.Data.(domain.Opaque).Raw); got != tt.wantRaw {
				t.Errorf("re-encoded data: got %s, want %s", got, tt.wantRaw)
			}
		})
	}
}

// TestDecodeStored never fails: broken bytes become an undecodable Opaque
// event at their sequence.
func TestDecodeStored(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantType string
		opaque   bool
	}{
		{"good", `{"id":"x","type":"session.charged","chargerId":"c1","sessionId":"s1","time":"2026-07-04T18:00:00Z","data":{}}`, domain.TypeSessionCharged, false},
		{"not json", `{"id":`, "?", true},
		{"bad data of a known type", `{"id":"x","type":"charger.soc_reported","time":"2026-07-04T18:00:00Z","data":{"soc":"high"}}`, domain.TypeSoCReported, true},
		{"bad time", `{"id":"x","type":"session.charged","time":"yesterday","data":{}}`, "?", true},
		{"array", `[]`, "?", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := domain.DecodeStored([]byte(tt.in), 7)
			if e.Seq != 7 {
				t.Errorf("seq: got %d, want 7", e.Seq)
			}
			if got := e.Data.EventType(); got != tt.wantType {
				t.Errorf("type: got %q, want %q", got, tt.wantType)
			}
			if e.IsOpaque() != tt.opaque {
				t.Errorf("opaque: got %v, want %v (%#v)", e.IsOpaque(), tt.opaque, e.Data)
			}
			if tt.opaque && e.Data.(domain.Opaque).Reason != domain.OpaqueUndecodable {
				t.Errorf("reason: got %q", e.Data.(domain.Opaque).Reason)
			}
		})
	}
}
