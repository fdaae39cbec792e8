package projections_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/chargebooth/chargebooth/projections"
)

// sample is one event of a type, as the stream would carry it.
type sample struct {
	charger, session, widget string
	p                        domain.Payload
}

// samples has an event of every registered type. A type registered without
// a sample here fails TestEveryEventTypeFoldsThroughEveryModel: add one.
var samples = map[string]sample{
	domain.TypeIDTagSet:            {"", "", "", domain.IDTagSet{Tag: "TAG1", Status: domain.TagBlocked}},
	domain.TypeIDTagRemoved:        {"", "", "", domain.IDTagRemoved{Tag: "TAG1"}},
	domain.TypeTxIDAllocated:       {"c1", "", "", domain.TxIDAllocated{TransactionID: 4012, ChargerID: "c1", StartEventID: "e1"}},
	domain.TypeSampleRefused:       {"c1", "s1", "", domain.SampleRefused{ConnectorID: 1, Measurand: "SoC", Value: "150", Reason: "out of range"}},
	domain.TypeFirmwareStatus:      {"c1", "", "", domain.FirmwareStatus{Status: "Installed"}},
	domain.TypeDiagnosticsStatus:   {"c1", "", "", domain.DiagnosticsStatus{Status: "Uploaded"}},
	domain.TypeSecurityEventNoted:  {"c1", "", "", domain.SecurityEventNoted{Kind: "FirmwareUpdated", Timestamp: t0}},
	domain.TypeSoCReported:         {"c1", "s1", "", domain.SoCReported{SoC: 85, Status: domain.StatusCharging80}},
	domain.TypeChargerConnected:    {"c1", "", "", domain.ChargerConnected{Instance: "i1", Conn: "k1", Protocol: "ocpp1.6"}},
	domain.TypeChargerDisconnected: {"c1", "", "", domain.ChargerDisconnected{Instance: "i1", Conn: "k0", Reason: "closed"}},
	domain.TypeChargerBooted:       {"c1", "", "", domain.ChargerBooted{Vendor: "v", Model: "m"}},
	domain.TypeConnectorStatus:     {"c1", "", "", domain.ConnectorStatus{ConnectorID: 1, Status: "Charging", ErrorCode: "NoError"}},
	domain.TypeWidgetConnected:     {"", "", "w1", domain.WidgetConnected{Instance: "i1", Conn: "k2"}},
	domain.TypeWidgetDisconnected:  {"", "", "w1", domain.WidgetDisconnected{Instance: "i1", Conn: "k0", Reason: "closed"}},
	domain.TypePairingSet:          {"", "", "w1", domain.PairingSet{ChargerID: "c1", WidgetID: "w1"}},
	domain.TypePairingRemoved:      {"", "", "", domain.PairingRemoved{ChargerID: "c2", WidgetID: "w2"}},
	domain.TypeSessionOpened:       {"c1", "s1", "", domain.SessionOpened{By: domain.OpenedByStaff}},
	domain.TypeSessionCharged:      {"c1", "s1", "", domain.SessionCharged{}},
	domain.TypePaymentRecorded:     {"c1", "s1", "", domain.PaymentRecorded{AmountCents: 300, Method: domain.MethodCash}},
	domain.TypeHandedBack:          {"c1", "s1", "", domain.HandedBack{AmountDueCents: 500, PaidCents: 300, Waived: true, WaiveReason: "x"}},
	domain.TypeTransactionStarted:  {"c1", "s1", "", domain.TransactionStarted{TransactionID: 7, ConnectorID: 1, IDTag: "t"}},
	domain.TypeTransactionStopped:  {"c1", "s1", "", domain.TransactionStopped{TransactionID: 7, MeterStop: 10}},
	domain.TypeMeterSampled:        {"c1", "s1", "", domain.MeterSampled{ConnectorID: 1, Measurand: "Energy.Active.Import.Register", Value: "12"}},
	domain.TypeSessionOverdue:      {"c1", "s1", "", domain.SessionOverdue{ChargedAt: t0, CollectAfter: "1h"}},
	domain.TypeNoticeScheduled:     {"", "", "", domain.NoticeScheduled{NoticeID: "n1", At: t0, Text: "closing"}},
	domain.TypeNoticeFired:         {"", "", "", domain.NoticeFired{NoticeID: "n1", Text: "closing"}},
	domain.TypeDeviceEnrolled:      {"c3", "", "", domain.DeviceEnrolled{Kind: domain.DeviceCharger, DeviceID: "c3", SecretHash: "$2a$10$x"}},
	domain.TypeDeviceUnenrolled:    {"", "", "w3", domain.DeviceUnenrolled{Kind: domain.DeviceWidget, DeviceID: "w3"}},
	domain.TypeChargerRetired:      {"c9", "", "", domain.ChargerRetired{Reason: "idle"}},
	domain.TypeStaffAdded:          {"", "", "", domain.StaffAdded{StaffID: "m1", Name: "Anna", Role: "staff", TokenHash: "t1"}},
	domain.TypeStaffChanged:        {"", "", "", domain.StaffChanged{StaffID: "m1", Role: "lead"}},
	domain.TypeStaffSignedIn:       {"", "", "", domain.StaffSignedIn{SessionHash: "h1", StaffID: "m1", Expires: t0.Add(24 * time.Hour)}},
	domain.TypeStaffSignedOut:      {"", "", "", domain.StaffSignedOut{SessionHash: "h0", StaffID: "m1"}},
	domain.TypeStaffDisabled:       {"", "", "", domain.StaffDisabled{StaffID: "m1"}},
	domain.TypeStaffEnabled:        {"", "", "", domain.StaffEnabled{StaffID: "m1"}},

	// OCPP calls from the server (domain/ocpp_payloads.go).
	domain.TypeOCPPCallSent:          {"c1", "", "", domain.OCPPCallSent{UniqueID: "u1", Action: "Reset", Payload: []byte(`{"type":"Soft"}`)}},
	domain.TypeOCPPCallAnswered:      {"c1", "", "", domain.OCPPCallAnswered{UniqueID: "u1", Action: "Reset", Result: []byte(`{"status":"Accepted"}`)}},
	domain.TypeOCPPCallTimedOut:      {"c1", "", "", domain.OCPPCallTimedOut{UniqueID: "u2", Action: "Reset"}},
	domain.TypeOCPPCallFailed:        {"c1", "", "", domain.OCPPCallFailed{UniqueID: "u3", Action: "Reset", Reason: "closed"}},
	domain.TypeOCPPConfigurationDone: {"c1", "", "", domain.OCPPConfigurationApplied{Results: []domain.OCPPSettingResult{{Key: "K", Want: "1", Status: "Accepted"}}}},
}

// event builds the sample's event at seq.
func (s sample) event(seq uint64) domain.Event {
	e := domain.NewEvent(fmt.Sprintf("e%d", seq), t0.Add(time.Duration(seq)*time.Minute), s.charger, s.session, s.p)
	e.Seq, e.WidgetID = seq, s.widget
	return e
}

// opaque decodes a stored event this build cannot read, as the store does.
func opaque(tb testing.TB, seq uint64, stored string) domain.Event {
	tb.Helper()
	e := domain.DecodeStored([]byte(stored), seq)
	if !e.IsOpaque() {
		tb.Fatalf("%s decoded as %T, want Opaque", stored, e.Data)
	}
	return e
}

const (
	unknownType = `{"id":"x1","type":"charger.future","chargerId":"c1","sessionId":"s1","time":"2026-07-04T18:00:00Z","data":{"soc":1}}`
	newerSchema = `{"id":"x2","type":"charger.soc_reported","chargerId":"c1","sessionId":"s1","time":"2026-07-04T18:00:00Z","v":99,"data":{"soc":"high"}}`
	undecodable = `not an event`
)

// restored returns a board restored from b's snapshot.
func restored(tb testing.TB, b *projections.Board, extra ...projections.ReadModel) *projections.Board {
	tb.Helper()
	data, seq, err := b.Snapshot()
	if err != nil {
		tb.Fatal(err)
	}
	r := projections.NewBoard(domain.DefaultTariff, extra...)
	got, err := r.Restore(data)
	if err != nil {
		tb.Fatal(err)
	}
	if got != seq {
		tb.Fatalf("restored at %d, snapshot at %d", got, seq)
	}
	return r
}

// restoredThenReset runs, as subtest "restored", check on the board
// restored from b's snapshot, checks that it equals b, and that Reset
// empties the counts left gives (what names them in a failure).
func restoredThenReset(t *testing.T, b *projections.Board, check func(*testing.T, *projections.Board), what string, left func(*projections.Board) map[string]uint64) {
	t.Helper()
	t.Run("restored", func(t *testing.T) {
		r := restored(t, b)
		check(t, r)
		if d := projections.Diff(b, r); len(d) != 0 {
			t.Errorf("restored board differs: %v", d)
		}
		r.Reset()
		if n := left(r); len(n) != 0 {
			t.Errorf("%s after reset: got %v", what, n)
		}
	})
}

func TestEveryEventTypeFoldsThroughEveryModel(t *testing.T) {
	types := domain.EventTypes()
	for _, typ := range types {
		s, ok := samples[typ]
		if !ok {
			t.Errorf("event type %s has no sample: add one to samples", typ)
			continue
		}
		if got := s.p.EventType(); got != typ {
			t.Errorf("sample of %s is a %s", typ, got)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	t.Run("each alone", func(t *testing.T) {
		for _, typ := range types {
			t.Run(typ, func(t *testing.T) {
				b := projections.NewBoard(domain.DefaultTariff)
				if err := b.Apply(samples[typ].event(1)); err != nil {
					t.Fatal(err)
				}
				if got := b.Applied(); got != 1 {
					t.Errorf("applied: got %d, want 1", got)
				}
				if got := b.EventCounts()[typ]; got != 1 {
					t.Errorf("%s counted %d times, want 1", typ, got)
				}
				if d := projections.Diff(b, restored(t, b)); len(d) != 0 {
					t.Errorf("restored board differs: %v", d)
				}
			})
		}
	})
	t.Run("all in one stream", func(t *testing.T) {
		b := projections.NewBoard(domain.DefaultTariff)
		var heard int
		b.Listen(func(projections.Update) { heard++ })
		var seq uint64
		for _, typ := range types {
			seq++
			if err := b.Apply(samples[typ].event(seq)); err != nil {
				t.Fatalf("%s: %v", typ, err)
			}
		}
		for _, stored := range []string{unknownType, newerSchema, undecodable} {
			seq++
			if err := b.Apply(opaque(t, seq, stored)); err != nil {
				t.Fatal(err)
			}
		}
		if got := b.Applied(); got != seq {
			t.Errorf("applied: got %d, want %d", got, seq)
		}
		if heard != int(seq) {
			t.Errorf("listener heard %d updates, want %d", heard, seq)
		}
		if d := projections.Diff(b, restored(t, b)); len(d) != 0 {
			t.Errorf("restored board differs: %v", d)
		}
	})
}

// readings is a read model added outside the package: readings per
// charger.
type readings struct{ n map[string]int }

func (m *readings) Name() string { return "readings" }

func (m *readings) Apply(e domain.Event, u *projections.Update) {
	if _, ok := e.Data.(domain.SoCReported); ok {
		m.n[e.ChargerID]++
	}
}

func (m *readings) Snapshot() any {
	out := make(map[string]int, len(m.n))
	for k, v := range m.n {
		out[k] = v
	}
	return out
}

func (m *readings) Restore(data json.RawMessage) error {
	n := map[string]int{}
	if err := json.Unmarshal(data, &n); err != nil {
		return err
	}
	m.n = n
	return nil
}

func (m *readings) Reset() { m.n = map[string]int{} }

func (m *readings) Entries(put func(string, any)) {
	for k, v := range m.n {
		put(k, v)
	}
}

// of answers the model's query under the board's lock.
func (m *readings) of(b *projections.Board, charger string) int {
	var n int
	b.View(func() { n = m.n[charger] })
	return n
}

func TestAReadModelAddedFromOutside(t *testing.T) {
	s := &stream{}
	s.add("c1", "s1", domain.SessionOpened{By: domain.OpenedByReading})
	s.add("c1", "s1", domain.SoCReported{SoC: 10})
	s.add("c1", "s1", domain.SoCReported{SoC: 20})
	s.add("c2", "s2", domain.SoCReported{SoC: 30})
	m := &readings{n: map[string]int{}}
	b := projections.NewBoard(domain.DefaultTariff, m)
	for _, e := range s.events {
		if err := b.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	if got := m.of(b, "c1"); got != 2 {
		t.Errorf("c1 readings: got %d, want 2", got)
	}

	m2 := &readings{n: map[string]int{}}
	r := restored(t, b, m2)
	if got := m2.of(r, "c1"); got != 2 {
		t.Errorf("c1 readings after restore: got %d, want 2", got)
	}
	if d := projections.Diff(b, r); len(d) != 0 {
		t.Errorf("restored board differs: %v", d)
	}
	if err := r.Apply(s.add("c2", "s2", domain.SoCReported{SoC: 40})); err != nil {
		t.Fatal(err)
	}
	if got := m2.of(r, "c2"); got != 2 {
		t.Errorf("c2 readings after one more: got %d, want 2", got)
	}
	d := projections.Diff(b, projections.NewBoard(domain.DefaultTariff))
	if !strings.Contains(strings.Join(d, "\n"), "readings c1: missing in the second") {
		t.Errorf("diff with a board without the model: got %v", d)
	}

	r.Reset()
	if got := m2.of(r, "c2"); got != 0 {
		t.Errorf("c2 readings after reset: got %d, want 0", got)
	}
}

func TestRegisterRefusesADuplicateOrALateModel(t *testing.T) {
	for _, tt := range []struct {
		name string
		do   func(b *projections.Board)
	}{
		{"duplicate", func(b *projections.Board) { b.Register(&readings{n: map[string]int{}}) }},
		{"built-in name", func(*projections.Board) {
			projections.NewBoard(domain.DefaultTariff, fakeNamed("session"))
		}},
		{"after apply", func(b *projections.Board) {
			s := &stream{}
			if err := b.Apply(s.add("c1", "", domain.ChargerConnected{Conn: "k"})); err != nil {
				t.Fatal(err)
			}
			b.Register(fakeNamed("late"))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := projections.NewBoard(domain.DefaultTariff, &readings{n: map[string]int{}})
			defer func() {
				if recover() == nil {
					t.Errorf("registered without a panic")
				}
			}()
			tt.do(b)
		})
	}
}

// fakeNamed is a read model that folds nothing.
type fakeNamed string

func (f fakeNamed) Name() string                          { return string(f) }
func (fakeNamed) Apply(domain.Event, *projections.Update) {}
func (fakeNamed) Snapshot() any                           { return nil }
func (fakeNamed) Restore(json.RawMessage) error           { return nil }
func (fakeNamed) Reset()                                  {}
func (fakeNamed) Entries(func(string, any))               {}

func TestOpaqueEventsAreSkippedAndCounted(t *testing.T) {
	s := &stream{}
	s.add("c1", "", domain.PairingSet{ChargerID: "c1", WidgetID: "w1"})
	s.add("c1", "s1", domain.SessionOpened{By: domain.OpenedByReading})
	s.add("c1", "s1", domain.SoCReported{SoC: 50})
	b := fold(t, domain.DefaultTariff, s.events)
	var got []projections.Update
	b.Listen(func(u projections.Update) { got = append(got, u) })
	before := b.EventCounts()
	for _, stored := range []string{unknownType, newerSchema, undecodable, unknownType} {
		s.seq++
		if err := b.Apply(opaque(t, s.seq, stored)); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := b.Applied(), s.seq; got != want {
		t.Errorf("applied: got %d, want %d", got, want)
	}
	want := map[string]uint64{"charger.future": 2, domain.TypeSoCReported: 1, "?": 1}
	check := func(t *testing.T, b *projections.Board) {
		t.Helper()
		unknown := b.Unknown()
		if len(unknown) != len(want) {
			t.Errorf("unknown: got %v, want %v", unknown, want)
		}
		for typ, n := range want {
			if unknown[typ] != n {
				t.Errorf("unknown %s: got %d, want %d", typ, unknown[typ], n)
			}
		}
		if c := b.EventCounts(); len(c) != len(before) || c[domain.TypeSoCReported] != before[domain.TypeSoCReported] {
			t.Errorf("event counts: got %v, want %v (the opaque events counted as folded)", c, before)
		}
		ch, _ := b.Charger("c1", t0)
		if ch.SoC == nil || *ch.SoC != 50 || ch.Status != domain.StatusCharging {
			t.Errorf("charger changed by an opaque event: %+v", ch)
		}
		sess, _ := b.Session("s1", t0)
		if sess.Readings != 1 || sess.Status != domain.StatusCharging {
			t.Errorf("session changed by an opaque event: %+v", sess)
		}
	}
	check(t, b)
	if len(got) != 4 {
		t.Fatalf("listeners heard %d updates, want 4", len(got))
	}
	for i, u := range got {
		if !u.Unknown || u.SendStatus || u.WidgetID != "" {
			t.Errorf("update %d: got %+v, want Unknown only", i, u)
		}
	}

	restoredThenReset(t, b, check, "unknown", (*projections.Board).Unknown)
}

func TestRestoredBoardEqualsTheOriginal(t *testing.T) {
	s := &stream{}
	s.add("c1", "", domain.PairingSet{ChargerID: "c1", WidgetID: "w1"})
	s.add("c2", "", domain.PairingSet{ChargerID: "c2", WidgetID: "w1"}) // moves w1
	s.add("c2", "s1", domain.SessionOpened{By: domain.OpenedByReading})
	s.add("c2", "s1", domain.SoCReported{SoC: 100})
	s.add("c2", "s1", domain.ConnectorStatus{ConnectorID: 1, Status: "Charging"})
	s.add("c2", "s1", domain.MeterSampled{Measurand: "SoC", Value: "100"})
	s.add("c2", "s1", domain.PaymentRecorded{AmountCents: 500, Method: domain.MethodCard})
	s.add("", "", domain.NoticeScheduled{NoticeID: "n1", At: t0})
	b := fold(t, domain.DefaultTariff, s.events)
	r := restored(t, b)
	if d := projections.Diff(b, r); len(d) != 0 {
		t.Errorf("restored board differs: %v", d)
	}
	now := t0.Add(time.Hour)
	for _, id := range []string{"c1", "c2"} {
		want, _ := b.Charger(id, now)
		got, _ := r.Charger(id, now)
		if g, w := testkit.MustJSON(t, got), testkit.MustJSON(t, want); g != w {
			t.Errorf("charger %s: got %s, want %s", id, g, w)
		}
	}
	if c, _ := r.Charger("c2", now); c.WidgetID != "w1" || c.Session == nil || c.Session.Status != domain.StatusCharged {
		t.Errorf("restored c2: got %+v", c)
	}
	if c, _ := r.Charger("c1", now); c.WidgetID != "" {
		t.Errorf("restored c1 kept the widget that moved: %q", c.WidgetID)
	}
	// Both go on folding alike.
	next := s.add("c1", "", domain.PairingSet{ChargerID: "c1", WidgetID: "w1"})
	for _, x := range []*projections.Board{b, r} {
		if err := x.Apply(next); err != nil {
			t.Fatal(err)
		}
	}
	if d := projections.Diff(b, r); len(d) != 0 {
		t.Errorf("after one more event: %v", d)
	}
}

func TestCheckpointLackingAModelIsRefused(t *testing.T) {
	s := &stream{}
	s.add("c1", "s1", domain.SessionOpened{By: domain.OpenedByReading})
	s.add("c1", "s1", domain.SoCReported{SoC: 42})
	b := fold(t, domain.DefaultTariff, s.events)
	data, _, err := b.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var cp map[string]json.RawMessage
	if err := json.Unmarshal(data, &cp); err != nil {
		t.Fatal(err)
	}
	var models map[string]json.RawMessage
	if err := json.Unmarshal(cp["models"], &models); err != nil {
		t.Fatal(err)
	}
	for name := range models {
		t.Run("without "+name, func(t *testing.T) {
			fewer := map[string]json.RawMessage{}
			for k, v := range models {
				if k != name {
					fewer[k] = v
				}
			}
			cp2 := map[string]json.RawMessage{}
			for k, v := range cp {
				cp2[k] = v
			}
			cp2["models"] = json.RawMessage(testkit.MustJSON(t, fewer))
			r := projections.NewBoard(domain.DefaultTariff)
			if _, err := r.Restore([]byte(testkit.MustJSON(t, cp2))); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("restore: got %v, want an error naming %s", err, name)
			}
			if got := r.Applied(); got != 0 {
				t.Errorf("refused checkpoint left the board at %d, want 0", got)
			}
		})
	}
	t.Run("without an added model", func(t *testing.T) {
		r := projections.NewBoard(domain.DefaultTariff, &readings{n: map[string]int{}})
		if _, err := r.Restore(data); err == nil || !strings.Contains(err.Error(), "readings") {
			t.Errorf("restore: got %v, want an error naming readings", err)
		}
	})
	t.Run("a model that does not decode", func(t *testing.T) {
		bad := strings.Replace(string(data), `"session":{`, `"session":{"s9":null,`, 1)
		r := projections.NewBoard(domain.DefaultTariff)
		if _, err := r.Restore([]byte(bad)); err == nil {
			t.Fatal("restore of a null session: accepted")
		}
		if got, ok := r.Charger("c1", t0); ok || r.Applied() != 0 {
			t.Errorf("refused checkpoint left %+v at %d", got, r.Applied())
		}
	})
}

// TestNoticeByID: one notice looked up by id is the one Notices lists.
func TestNoticeByID(t *testing.T) {
	s := &stream{}
	s.add("", "", domain.NoticeScheduled{NoticeID: "n1", At: t0, Text: "closing"})
	s.add("", "", domain.NoticeScheduled{NoticeID: "n2", At: t0.Add(time.Hour), Text: "last call"})
	b := fold(t, domain.DefaultTariff, s.events)
	n, ok := b.Notice("n2")
	if !ok || n.NoticeID != "n2" || !n.At.Equal(t0.Add(time.Hour)) || n.Text != "last call" {
		t.Errorf("Notice(n2) = %+v, %v", n, ok)
	}
	if got := b.Notices(); len(got) != 2 || got[1] != n {
		t.Errorf("Notice(n2) is not what Notices lists: %+v", got)
	}
	if _, ok := b.Notice("n9"); ok {
		t.Error("an unknown notice was found")
	}
}
