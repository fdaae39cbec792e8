package domain_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chargebooth/chargebooth/domain"
)

// stored is one event as the stream would carry it: its envelope's ids and
// its data as JSON.
type stored struct {
	charger, widget, session, data string
}

// json spells the event as chargebooth stores it.
func (s stored) json(typ string) string {
	return fmt.Sprintf(`{"id":"01J1Z5Q8W3M4N5P6Q7R8S9T0VW","type":%q,"chargerId":%q,"widgetId":%q,"sessionId":%q,"time":"2026-07-04T18:00:00Z","v":1,"data":%s}`,
		typ, s.charger, s.widget, s.session, s.data)
}

// invalid is a stored event that breaks a rule, and the code of the rule.
type invalid struct {
	name string
	ev   stored
	code string
}

// validation has, for every registered type, a valid stored event and
// invalid ones. A type registered without an entry here, or without an
// invalid sample, fails TestEveryTypeIsValidated: add them.
var validation = map[string]struct {
	valid   stored
	invalid []invalid
}{
	domain.TypeOCPPCallSent: {stored{"c1", "", "", `{"uniqueId":"u1","action":"Reset","payload":{"type":"Soft"},"origin":"api"}`}, []invalid{
		{"no action", stored{"c1", "", "", `{"uniqueId":"u1","action":""}`}, domain.CodeInvalidInput},
		{"no id", stored{"c1", "", "", `{"uniqueId":"","action":"Reset"}`}, domain.CodeInvalidInput},
	}},
	domain.TypeOCPPCallAnswered: {stored{"c1", "", "", `{"uniqueId":"u1","action":"Reset","result":{"status":"Accepted"},"durationMs":12}`}, []invalid{
		{"negative duration", stored{"c1", "", "", `{"uniqueId":"u1","action":"Reset","durationMs":-1}`}, domain.CodeInvalidInput},
	}},
	domain.TypeOCPPCallTimedOut: {stored{"c1", "", "", `{"uniqueId":"u1","action":"Reset","durationMs":30000}`}, []invalid{
		{"no id", stored{"c1", "", "", `{"uniqueId":"","action":"Reset","durationMs":1}`}, domain.CodeInvalidInput},
	}},
	domain.TypeOCPPCallFailed: {stored{"c1", "", "", `{"uniqueId":"u1","action":"Reset","reason":"closed","durationMs":3}`}, []invalid{
		{"no reason", stored{"c1", "", "", `{"uniqueId":"u1","action":"Reset","reason":"","durationMs":3}`}, domain.CodeInvalidInput},
	}},
	domain.TypeOCPPConfigurationDone: {stored{"c1", "", "", `{"results":[{"key":"K","want":"1","reported":true,"status":"Accepted"}]}`}, []invalid{
		{"no key", stored{"c1", "", "", `{"results":[{"key":"","want":"1","status":"Accepted"}]}`}, domain.CodeInvalidInput},
	}},
	domain.TypePaymentVoided: {stored{"c1", "", "s1", `{"paymentId":"p1","amountCents":500,"method":"cash","reason":"typo"}`}, []invalid{
		{"negative", stored{"c1", "", "s1", `{"paymentId":"p1","amountCents":-500,"method":"cash","reason":"typo"}`}, domain.CodeInvalidAmount},
		{"no payment", stored{"c1", "", "s1", `{"paymentId":"","amountCents":500,"method":"cash","reason":"typo"}`}, domain.CodeInvalidInput},
		{"bad method", stored{"c1", "", "s1", `{"paymentId":"p1","amountCents":500,"method":"iou","reason":"typo"}`}, domain.CodeInvalidMethod},
	}},
	domain.TypeRefunded: {stored{"c1", "", "s1", `{"amountCents":200,"method":"card","reason":"broken cable"}`}, []invalid{
		{"zero", stored{"c1", "", "s1", `{"amountCents":0,"method":"card","reason":"x"}`}, domain.CodeInvalidAmount},
		{"negative", stored{"c1", "", "s1", `{"amountCents":-100000,"method":"card","reason":"x"}`}, domain.CodeInvalidAmount},
	}},
	domain.TypeSessionUnclaimed: {stored{"c1", "", "s1", `{"night":"2026-07-05 02:00","closesAt":"2026-07-05T00:00:00Z","timeZone":"Europe/Berlin"}`}, []invalid{
		{"no night", stored{"c1", "", "s1", `{"night":"","closesAt":"2026-07-05T00:00:00Z","timeZone":"Europe/Berlin"}`}, domain.CodeInvalidInput},
	}},
	domain.TypeShiftOpened: {stored{"", "", "", `{"shiftId":"sh1","till":"main","floatCents":10000}`}, []invalid{
		{"negative float", stored{"", "", "", `{"shiftId":"sh1","till":"main","floatCents":-1}`}, domain.CodeInvalidAmount},
		{"no id", stored{"", "", "", `{"shiftId":"","till":"main","floatCents":0}`}, domain.CodeInvalidInput},
	}},
	domain.TypeShiftClosed: {stored{"", "", "", `{"shiftId":"sh1","till":"main","countedCents":{"cash":12450},"expectedCents":{"cash":12500},"differenceCents":{"cash":-50}}`}, []invalid{
		{"negative count", stored{"", "", "", `{"shiftId":"sh1","till":"main","countedCents":{"cash":-1},"expectedCents":{},"differenceCents":{}}`}, domain.CodeInvalidAmount},
		{"unknown method", stored{"", "", "", `{"shiftId":"sh1","till":"main","countedCents":{"iou":1},"expectedCents":{},"differenceCents":{}}`}, domain.CodeInvalidMethod},
	}},
	domain.TypeStaffAdded: {stored{"", "", "", `{"id":"s1","name":"Anna","role":"staff","tokenHash":"ab12"}`}, []invalid{
		{"bad role", stored{"", "", "", `{"id":"s1","name":"Anna","role":"boss","tokenHash":"ab12"}`}, domain.CodeInvalidInput},
		{"no token hash", stored{"", "", "", `{"id":"s1","name":"Anna","role":"staff","tokenHash":""}`}, domain.CodeInvalidInput},
		{"no name", stored{"", "", "", `{"id":"s1","name":"","role":"staff","tokenHash":"ab"}`}, domain.CodeInvalidInput},
	}},
	domain.TypeStaffChanged: {stored{"", "", "", `{"id":"s1","role":"lead"}`}, []invalid{
		{"bad role", stored{"", "", "", `{"id":"s1","role":"boss"}`}, domain.CodeInvalidInput},
		{"no id", stored{"", "", "", `{"id":"","role":"lead"}`}, domain.CodeInvalidInput},
	}},
	domain.TypeStaffDisabled: {stored{"", "", "", `{"id":"s1"}`}, []invalid{
		{"no id", stored{"", "", "", `{"id":""}`}, domain.CodeInvalidInput},
	}},
	domain.TypeStaffEnabled: {stored{"", "", "", `{"id":"s1"}`}, []invalid{
		{"no id", stored{"", "", "", `{"id":""}`}, domain.CodeInvalidInput},
	}},
	domain.TypeStaffSignedIn: {stored{"", "", "", `{"sessionHash":"ab","staffId":"s1","expires":"2026-07-05T06:00:00Z","method":"pin"}`}, []invalid{
		{"no expiry", stored{"", "", "", `{"sessionHash":"ab","staffId":"s1","expires":"0001-01-01T00:00:00Z"}`}, domain.CodeInvalidInput},
		{"no hash", stored{"", "", "", `{"sessionHash":"","staffId":"s1","expires":"2026-07-05T06:00:00Z"}`}, domain.CodeInvalidInput},
	}},
	domain.TypeStaffSignedOut: {stored{"", "", "", `{"sessionHash":"ab","staffId":"s1"}`}, []invalid{
		{"no member", stored{"", "", "", `{"sessionHash":"ab","staffId":""}`}, domain.CodeInvalidInput},
	}},
	domain.TypeTxIDAllocated: {stored{"c1", "", "", `{"transactionId":4012,"chargerId":"c1","startEventId":"e1"}`}, []invalid{
		{"zero id", stored{"c1", "", "", `{"transactionId":0,"chargerId":"c1","startEventId":"e1"}`}, domain.CodeInvalidInput},
		{"invalid charger", stored{"c1", "", "", `{"transactionId":7,"chargerId":"c 1","startEventId":"e1"}`}, domain.CodeInvalidID},
	}},
	domain.TypeSampleRefused: {stored{"c1", "", "s1", `{"connectorId":1,"measurand":"SoC","value":"150","reason":"out of range","timestamp":"2026-07-04T18:00:00Z"}`}, []invalid{
		{"no reason", stored{"c1", "", "s1", `{"connectorId":1,"measurand":"SoC","value":"150","reason":"","timestamp":"2026-07-04T18:00:00Z"}`}, domain.CodeInvalidInput},
		{"negative connector", stored{"c1", "", "s1", `{"connectorId":-1,"measurand":"SoC","value":"1","reason":"r","timestamp":"2026-07-04T18:00:00Z"}`}, domain.CodeInvalidInput},
	}},
	domain.TypeFirmwareStatus: {stored{"c1", "", "", `{"status":"Installed"}`}, []invalid{
		{"no status", stored{"c1", "", "", `{"status":""}`}, domain.CodeInvalidInput},
	}},
	domain.TypeDiagnosticsStatus: {stored{"c1", "", "", `{"status":"Uploaded"}`}, []invalid{
		{"no status", stored{"c1", "", "", `{"status":""}`}, domain.CodeInvalidInput},
	}},
	domain.TypeSecurityEventNoted: {stored{"c1", "", "", `{"kind":"FirmwareUpdated","timestamp":"2026-07-04T18:00:00Z"}`}, []invalid{
		{"no kind", stored{"c1", "", "", `{"kind":"","timestamp":"2026-07-04T18:00:00Z"}`}, domain.CodeInvalidInput},
	}},
	domain.TypeIDTagSet: {stored{"", "", "", `{"idTag":"TAG1","status":"Accepted"}`}, []invalid{
		{"bad status", stored{"", "", "", `{"idTag":"TAG1","status":"Maybe"}`}, domain.CodeInvalidInput},
		{"long tag", stored{"", "", "", `{"idTag":"` + strings.Repeat("T", 21) + `","status":"Accepted"}`}, domain.CodeInvalidInput},
	}},
	domain.TypeIDTagRemoved: {stored{"", "", "", `{"idTag":"TAG1"}`}, []invalid{
		{"empty tag", stored{"", "", "", `{"idTag":""}`}, domain.CodeInvalidInput},
	}},
	domain.TypeSoCReported: {stored{"c1", "", "s1", `{"soc":85,"status":"charging80","readingId":"r1"}`}, []invalid{
		{"soc above 100", stored{"c1", "", "s1", `{"soc":101,"status":"charged"}`}, domain.CodeInvalidSoC},
		{"soc negative", stored{"c1", "", "s1", `{"soc":-1,"status":"charging"}`}, domain.CodeInvalidSoC},
		{"no status", stored{"c1", "", "s1", `{"soc":50}`}, domain.CodeInvalidSoC},
		{"invalid charger id", stored{"c/1", "", "s1", `{"soc":50,"status":"charging"}`}, domain.CodeInvalidID},
		{"no charger id", stored{"", "", "s1", `{"soc":50,"status":"charging"}`}, domain.CodeInvalidID},
		{"long reading id", stored{"c1", "", "s1", `{"soc":50,"status":"charging","readingId":"` + strings.Repeat("r", 201) + `"}`}, domain.CodeInvalidID},
	}},
	domain.TypeChargerConnected: {stored{"c1", "", "", `{"instance":"i1","conn":"1@i1","protocol":"json"}`}, []invalid{
		{"no instance", stored{"c1", "", "", `{"conn":"1@i1","protocol":"json"}`}, domain.CodeInvalidInput},
		{"no conn", stored{"c1", "", "", `{"instance":"i1","protocol":"json"}`}, domain.CodeInvalidInput},
	}},
	domain.TypeChargerDisconnected: {stored{"c1", "", "", `{"instance":"i1","conn":"1@i1","reason":"closed"}`}, []invalid{
		{"no conn", stored{"c1", "", "", `{"instance":"i1","reason":"closed"}`}, domain.CodeInvalidInput},
	}},
	domain.TypeChargerBooted: {stored{"c1", "", "", `{"vendor":"v","model":"m","status":"Accepted"}`}, []invalid{
		{"huge vendor", stored{"c1", "", "", `{"vendor":"` + strings.Repeat("v", 256) + `","model":"m"}`}, domain.CodeInvalidInput},
		{"invalid charger id", stored{"c 1", "", "", `{"vendor":"v","model":"m"}`}, domain.CodeInvalidID},
	}},
	domain.TypeConnectorStatus: {stored{"c1", "", "", `{"connectorId":0,"status":"Available","errorCode":"NoError"}`}, []invalid{
		{"negative connector", stored{"c1", "", "", `{"connectorId":-1,"status":"Available","errorCode":"NoError"}`}, domain.CodeInvalidInput},
		{"no status", stored{"c1", "", "", `{"connectorId":1,"errorCode":"NoError"}`}, domain.CodeInvalidInput},
	}},
	domain.TypeWidgetConnected: {stored{"", "w1", "", `{"instance":"i1","conn":"2@i1"}`}, []invalid{
		{"no widget id", stored{"", "", "", `{"instance":"i1","conn":"2@i1"}`}, domain.CodeInvalidID},
		{"no conn", stored{"", "w1", "", `{"instance":"i1"}`}, domain.CodeInvalidInput},
	}},
	domain.TypeWidgetDisconnected: {stored{"", "w1", "", `{"instance":"i1","conn":"2@i1","reason":"gone"}`}, []invalid{
		{"invalid widget id", stored{"", "w\u00e91", "", `{"instance":"i1","conn":"2@i1"}`}, domain.CodeInvalidID},
	}},
	domain.TypePairingSet: {stored{"c1", "w1", "", `{"chargerId":"c1","widgetId":"w1"}`}, []invalid{
		{"invalid charger id", stored{"c1", "w1", "", `{"chargerId":"c1;rm","widgetId":"w1"}`}, domain.CodeInvalidID},
		{"empty widget id", stored{"c1", "", "", `{"chargerId":"c1","widgetId":""}`}, domain.CodeInvalidID},
		{"long widget id", stored{"c1", "", "", `{"chargerId":"c1","widgetId":"` + strings.Repeat("w", 49) + `"}`}, domain.CodeInvalidID},
	}},
	domain.TypePairingRemoved: {stored{"c1", "w1", "", `{"chargerId":"c1","widgetId":"w1"}`}, []invalid{
		{"no charger id", stored{"", "w1", "", `{"widgetId":"w1"}`}, domain.CodeInvalidID},
	}},
	domain.TypeSessionOpened: {stored{"c1", "", "s1", `{"by":"staff","widgetId":"w1"}`}, []invalid{
		{"unknown opener", stored{"c1", "", "s1", `{"by":"someone"}`}, domain.CodeInvalidInput},
		{"invalid widget", stored{"c1", "", "s1", `{"by":"reading","widgetId":"w 1"}`}, domain.CodeInvalidID},
		{"no session id", stored{"c1", "", "", `{"by":"reading"}`}, domain.CodeInvalidInput},
	}},
	domain.TypeSessionCharged: {stored{"c1", "", "s1", `{}`}, []invalid{
		{"no session id", stored{"c1", "", "", `{}`}, domain.CodeInvalidInput},
	}},
	domain.TypePaymentRecorded: {stored{"c1", "", "s1", `{"amountCents":500,"method":"cash","reference":"r-1","currency":"EUR"}`}, []invalid{
		{"negative amount", stored{"c1", "", "s1", `{"amountCents":-100000,"method":"cash"}`}, domain.CodeInvalidAmount},
		{"zero amount", stored{"c1", "", "s1", `{"amountCents":0,"method":"card"}`}, domain.CodeInvalidAmount},
		{"no amount", stored{"c1", "", "s1", `{"method":"card"}`}, domain.CodeInvalidAmount},
		{"unknown method", stored{"c1", "", "s1", `{"amountCents":500,"method":"iou"}`}, domain.CodeInvalidMethod},
		{"reference with a newline", stored{"c1", "", "s1", `{"amountCents":500,"method":"cash","reference":"a\nb"}`}, domain.CodeInvalidInput},
		{"no session id", stored{"c1", "", "", `{"amountCents":500,"method":"cash"}`}, domain.CodeInvalidInput},
	}},
	domain.TypeHandedBack: {stored{"c1", "", "s1", `{"amountDueCents":500,"paidCents":0,"waived":true,"waiveReason":"friend"}`}, []invalid{
		{"negative due", stored{"c1", "", "s1", `{"amountDueCents":-5,"paidCents":0,"waived":false}`}, domain.CodeInvalidAmount},
		{"negative paid", stored{"c1", "", "s1", `{"amountDueCents":5,"paidCents":-5,"waived":false}`}, domain.CodeInvalidAmount},
		{"waived without reason", stored{"c1", "", "s1", `{"amountDueCents":500,"paidCents":0,"waived":true}`}, domain.CodeInvalidInput},
	}},
	domain.TypeTransactionStarted: {stored{"c1", "", "s1", `{"transactionId":1,"connectorId":1,"idTag":"t","meterStart":0,"timestamp":"2026-07-04T18:00:00Z"}`}, []invalid{
		{"transaction 0", stored{"c1", "", "s1", `{"transactionId":0,"connectorId":1,"idTag":"t"}`}, domain.CodeInvalidInput},
		{"negative connector", stored{"c1", "", "s1", `{"transactionId":1,"connectorId":-1,"idTag":"t"}`}, domain.CodeInvalidInput},
	}},
	domain.TypeTransactionStopped: {stored{"c1", "", "s1", `{"transactionId":1,"meterStop":10,"reason":"Local","timestamp":"2026-07-04T18:00:00Z"}`}, []invalid{
		{"huge reason", stored{"c1", "", "s1", `{"transactionId":1,"meterStop":10,"reason":"` + strings.Repeat("x", 300) + `"}`}, domain.CodeInvalidInput},
		{"invalid charger id", stored{"c1!", "", "s1", `{"transactionId":1,"meterStop":10}`}, domain.CodeInvalidID},
	}},
	domain.TypeMeterSampled: {stored{"c1", "", "", `{"connectorId":1,"measurand":"Voltage","value":"230","unit":"V","timestamp":"2026-07-04T18:00:00Z"}`}, []invalid{
		{"no measurand", stored{"c1", "", "", `{"connectorId":1,"value":"230"}`}, domain.CodeInvalidInput},
		{"no value", stored{"c1", "", "", `{"connectorId":1,"measurand":"Voltage"}`}, domain.CodeInvalidInput},
	}},
	domain.TypeSessionOverdue: {stored{"c1", "", "s1", `{"chargedAt":"2026-07-04T17:00:00Z","collectAfter":"1h0m0s"}`}, []invalid{
		{"no charged time", stored{"c1", "", "s1", `{"collectAfter":"1h0m0s"}`}, domain.CodeInvalidInput},
		{"collect after is no duration", stored{"c1", "", "s1", `{"chargedAt":"2026-07-04T17:00:00Z","collectAfter":"soon"}`}, domain.CodeInvalidInput},
		{"collect after negative", stored{"c1", "", "s1", `{"chargedAt":"2026-07-04T17:00:00Z","collectAfter":"-1h"}`}, domain.CodeInvalidInput},
	}},
	domain.TypeNoticeScheduled: {stored{"", "", "", `{"noticeId":"n1","at":"2026-07-04T21:00:00Z","localTime":"2026-07-04 23:00","timeZone":"Europe/Madrid","text":"closing"}`}, []invalid{
		{"no time", stored{"", "", "", `{"noticeId":"n1","localTime":"2026-07-04 23:00","timeZone":"Europe/Madrid","text":"closing"}`}, domain.CodeInvalidInput},
		{"local time is no time", stored{"", "", "", `{"noticeId":"n1","at":"2026-07-04T21:00:00Z","localTime":"tonight","timeZone":"Europe/Madrid","text":"closing"}`}, domain.CodeInvalidInput},
		{"no zone", stored{"", "", "", `{"noticeId":"n1","at":"2026-07-04T21:00:00Z","localTime":"2026-07-04 23:00","text":"closing"}`}, domain.CodeInvalidInput},
		{"no text", stored{"", "", "", `{"noticeId":"n1","at":"2026-07-04T21:00:00Z","localTime":"2026-07-04 23:00","timeZone":"UTC","text":" "}`}, domain.CodeInvalidInput},
		{"bidi text", stored{"", "", "", `{"noticeId":"n1","at":"2026-07-04T21:00:00Z","localTime":"2026-07-04 23:00","timeZone":"UTC","text":"a\u202eb"}`}, domain.CodeInvalidInput},
	}},
	domain.TypeNoticeFired: {stored{"", "", "", `{"noticeId":"n1","text":"closing"}`}, []invalid{
		{"no notice id", stored{"", "", "", `{"text":"closing"}`}, domain.CodeInvalidInput},
	}},
	domain.TypeDeviceEnrolled: {stored{"c3", "", "", `{"kind":"charger","deviceId":"c3","secretHash":"$2a$10$abc"}`}, []invalid{
		{"unknown kind", stored{"c3", "", "", `{"kind":"toaster","deviceId":"c3"}`}, domain.CodeInvalidInput},
		{"invalid id", stored{"", "", "", `{"kind":"widget","deviceId":"w/3"}`}, domain.CodeInvalidID},
		{"hash is no bcrypt", stored{"c3", "", "", `{"kind":"charger","deviceId":"c3","secretHash":"plain"}`}, domain.CodeInvalidInput},
	}},
	domain.TypeDeviceUnenrolled: {stored{"", "w3", "", `{"kind":"widget","deviceId":"w3"}`}, []invalid{
		{"no id", stored{"", "", "", `{"kind":"widget"}`}, domain.CodeInvalidID},
	}},
	domain.TypeChargerRetired: {stored{"c9", "", "", `{"reason":"idle","idleSince":"2026-07-04T12:00:00Z"}`}, []invalid{
		{"no charger id", stored{"", "", "", `{"reason":"idle"}`}, domain.CodeInvalidID},
	}},
}

// TestEveryTypeIsValidated: every registered type has a Validate method,
// a valid sample that decodes as itself, and invalid samples that decode
// as quarantined (Opaque with Reason OpaqueInvalid and the rule's code),
// their data kept as stored.
func TestEveryTypeIsValidated(t *testing.T) {
	for _, typ := range domain.EventTypes() {
		t.Run(typ, func(t *testing.T) {
			v, ok := validation[typ]
			if !ok || len(v.invalid) == 0 {
				t.Fatalf("no valid and invalid samples of %s in validate_test.go's table: add them", typ)
			}
			e := domain.DecodeStored([]byte(v.valid.json(typ)), 3)
			if e.IsOpaque() {
				t.Fatalf("valid sample decoded as %#v", e.Data)
			}
			if _, ok := e.Data.(domain.Validator); !ok {
				t.Errorf("%T has no Validate method", e.Data)
			}
			if err := domain.ValidateEvent(e); err != nil {
				t.Errorf("valid sample: %v", err)
			}
			for _, bad := range v.invalid {
				t.Run(bad.name, func(t *testing.T) {
					e := domain.DecodeStored([]byte(bad.ev.json(typ)), 4)
					o, ok := e.Data.(domain.Opaque)
					if !ok {
						t.Fatalf("decoded as %#v, want quarantined", e.Data)
					}
					if o.Reason != domain.OpaqueInvalid || !o.Quarantined() {
						t.Errorf("reason: got %q, want %q (%s)", o.Reason, domain.OpaqueInvalid, o.Detail)
					}
					if o.Code != bad.code {
						t.Errorf("code: got %q, want %q (%s)", o.Code, bad.code, o.Detail)
					}
					if got, want := string(o.Raw), bad.ev.data; got != want {
						t.Errorf("raw: got %s, want %s", got, want)
					}
					if e.Type != typ || e.Seq != 4 || e.ChargerID != bad.ev.charger {
						t.Errorf("envelope: got %+v", e)
					}
				})
			}
		})
	}
}

// TestFractionalAmountsAreNotTruncated: an amount that is no whole number
// of cents is never read as one.
func TestFractionalAmountsAreNotTruncated(t *testing.T) {
	for _, amount := range []string{"12.5", "1e3", "500.0", `"500"`, "9223372036854775808"} {
		t.Run(amount, func(t *testing.T) {
			ev := stored{"c1", "", "s1", `{"amountCents":` + amount + `,"method":"cash"}`}
			e := domain.DecodeStored([]byte(ev.json(domain.TypePaymentRecorded)), 1)
			o, ok := e.Data.(domain.Opaque)
			if !ok {
				t.Fatalf("decoded as %#v, want opaque", e.Data)
			}
			if o.Reason != domain.OpaqueUndecodable {
				t.Errorf("reason: got %q, want %q", o.Reason, domain.OpaqueUndecodable)
			}
		})
	}
}

// TestServiceRefusesToStoreInvalidEvents: the write side never stores an
// event that the read side would quarantine.
func TestServiceRefusesToStoreInvalidEvents(t *testing.T) {
	st := newFakeStore()
	svc := domain.NewService(st, fixedClock(t0), seqIDs(), domain.DefaultTariff)
	bad := svc.NewEvent("c1", "", domain.WidgetConnected{Instance: "i1"}) // no widget id, no conn
	err := svc.Record(t.Context(), bad)
	if err == nil {
		t.Fatal("recorded an invalid event")
	}
	if got, want := domain.ErrorCode(err), domain.CodeInvalidID; got != want {
		t.Errorf("code: got %q, want %q (%v)", got, want, err)
	}
	_, err = svc.OnCharger(t.Context(), "c1", func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return c.Record(x, domain.ConnectorStatus{ConnectorID: -2, Status: "Available"}), nil
	})
	if got, want := domain.ErrorCode(err), domain.CodeInvalidInput; got != want {
		t.Errorf("decided invalid event: code %q, want %q (%v)", got, want, err)
	}
	if st.appends != 0 {
		t.Errorf("%d appends, want 0", st.appends)
	}
}

func FuzzDecodeStored(f *testing.F) {
	for typ, v := range validation {
		f.Add([]byte(v.valid.json(typ)))
		for _, bad := range v.invalid {
			f.Add([]byte(bad.ev.json(typ)))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e := domain.DecodeStored(b, 9)
		if e.Seq != 9 || e.Data == nil {
			t.Fatalf("decoded %q as %+v", b, e)
		}
		if e.IsOpaque() {
			return
		}
		if err := domain.ValidateEvent(e); err != nil {
			t.Fatalf("folded an invalid event %q: %v", b, err)
		}
		again, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if e2 := domain.DecodeStored(again, 9); e2.IsOpaque() {
			t.Fatalf("re-encoded %s is opaque: %+v", again, e2.Data)
		}
	})
}
