package domain_test

import (
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// fold applies events to a fresh devices list, numbering them from 1.
func foldDevices(events ...[]domain.Event) *domain.Devices {
	d := domain.NewDevices()
	seq := uint64(0)
	for _, evs := range events {
		for _, e := range evs {
			seq++
			e.Seq = seq
			d.Apply(e)
		}
	}
	return d
}

func TestDevicesEnrol(t *testing.T) {
	x := ctxAt(0)
	enrolled := func(kind, id, hash string) []domain.Event {
		return []domain.Event{domain.NewEvent("e", t0, "", "", domain.DeviceEnrolled{Kind: kind, DeviceID: id, SecretHash: hash})}
	}
	tests := []struct {
		name     string
		given    *domain.Devices
		kind, id string
		hash     string
		want     []domain.Payload
		wantCode string
	}{
		{name: "a new charger", given: foldDevices(), kind: domain.DeviceCharger, id: "c9",
			want: []domain.Payload{domain.DeviceEnrolled{Kind: domain.DeviceCharger, DeviceID: "c9"}}},
		{name: "a new widget with a secret", given: foldDevices(), kind: domain.DeviceWidget, id: "w9", hash: "h1",
			want: []domain.Payload{domain.DeviceEnrolled{Kind: domain.DeviceWidget, DeviceID: "w9", SecretHash: "h1"}}},
		{name: "enrolled as it is", given: foldDevices(enrolled(domain.DeviceCharger, "c9", "h1")), kind: domain.DeviceCharger, id: "c9", hash: "h1"},
		{name: "no hash keeps the secret", given: foldDevices(enrolled(domain.DeviceCharger, "c9", "h1")), kind: domain.DeviceCharger, id: "c9"},
		{name: "a new secret", given: foldDevices(enrolled(domain.DeviceCharger, "c9", "h1")), kind: domain.DeviceCharger, id: "c9", hash: "h2",
			want: []domain.Payload{domain.DeviceEnrolled{Kind: domain.DeviceCharger, DeviceID: "c9", SecretHash: "h2"}}},
		{name: "the same id of the other kind is another device", given: foldDevices(enrolled(domain.DeviceCharger, "x1", "")), kind: domain.DeviceWidget, id: "x1",
			want: []domain.Payload{domain.DeviceEnrolled{Kind: domain.DeviceWidget, DeviceID: "x1"}}},
		{name: "unknown kind", given: foldDevices(), kind: "phone", id: "p1", wantCode: domain.CodeInvalidInput},
		{name: "bad id", given: foldDevices(), kind: domain.DeviceCharger, id: "c 9", wantCode: domain.CodeInvalidID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := tt.given.Enrol(x, tt.kind, tt.id, tt.hash)
			checkCode(t, err, tt.wantCode)
			checkPayloads(t, evs, tt.want)
			for _, e := range evs {
				if got, want := e.Key(), domain.DevicesKey; got != want {
					t.Errorf("key: got %v, want %v", got, want)
				}
			}
		})
	}
}

func TestDevicesUnenrol(t *testing.T) {
	x := ctxAt(time.Minute)
	d := foldDevices()
	evs, err := d.Enrol(x, domain.DeviceWidget, "w9", "h")
	if err != nil {
		t.Fatal(err)
	}
	d = foldDevices(evs)
	if got, ok := d.Get(domain.DeviceWidget, "w9"); !ok || got.SecretHash != "h" || !got.EnrolledAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("enrolled: got %+v %v", got, ok)
	}
	if _, err := d.Unenrol(x, domain.DeviceCharger, "w9"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("unenrol a charger w9: got %v, want not_found", err)
	}
	out, err := d.Unenrol(x, domain.DeviceWidget, "w9")
	checkCode(t, err, "")
	checkPayloads(t, out, []domain.Payload{domain.DeviceUnenrolled{Kind: domain.DeviceWidget, DeviceID: "w9"}})
	if got, want := out[0].WidgetID, "w9"; got != want {
		t.Errorf("envelope widget id: got %q, want %q", got, want)
	}
	d = foldDevices(evs, out)
	if got := len(d.List()); got != 0 {
		t.Errorf("after unenrol: %d devices, want 0", got)
	}
}

func TestRetire(t *testing.T) {
	x := ctxAt(time.Hour)
	tests := []struct {
		name     string
		given    []domain.Payload
		wantCode string
	}{
		{name: "idle"},
		{name: "after a disconnect", given: []domain.Payload{domain.ChargerConnected{Conn: "k1"}, domain.ChargerDisconnected{Conn: "k1"}}},
		{name: "online", given: []domain.Payload{domain.ChargerConnected{Conn: "k1"}}, wantCode: domain.CodeChargerOnline},
		{name: "open session", given: []domain.Payload{domain.SessionOpened{By: domain.OpenedByReading}}, wantCode: domain.CodeSessionOpen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := domain.NewCharger("c1")
			for i, p := range tt.given {
				e := domain.NewEvent("e", t0, "c1", "s1", p)
				e.Seq = uint64(i + 1)
				c.Apply(e)
			}
			evs, err := c.Retire(x, "idle", t0)
			checkCode(t, err, tt.wantCode)
			if tt.wantCode == "" {
				checkPayloads(t, evs, []domain.Payload{domain.ChargerRetired{Reason: "idle", IdleSince: t0}})
			}
		})
	}
}

// TestReadingIDsScopedByContent: a reading re-sent with its id after a
// reconnect (a new socket) is stored once; another connection's reading
// with the same id and another value does not pre-empt it; a reading
// stored by an older version (id from the reading id alone) still
// deduplicates.
func TestReadingIDsScopedByContent(t *testing.T) {
	x := ctxAt(0)
	c := domain.NewCharger("c1234")
	seq := uint64(0)
	report := func(soc float64, id string) []domain.Event {
		t.Helper()
		evs, err := c.ReportSoC(x, domain.Reading{SoC: soc, ReadingID: id}, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			seq++
			e.Seq = seq
			c.Apply(e)
		}
		return evs
	}
	// An impostor's h2 with 100 first.
	if got := len(report(100, "h2")); got == 0 {
		t.Fatal("the impostor's h2 was not stored")
	}
	// The real charger's h2 with 40 is stored all the same.
	evs := report(40, "h2")
	if got, want := len(evs), 1; got != want {
		t.Fatalf("the real h2: %d events, want %d", got, want)
	}
	if got, want := evs[0].ID, domain.ReadingEventID("c1234", "h2", 40); got != want {
		t.Errorf("id: got %s, want %s", got, want)
	}
	// Re-sent after a reconnect: stored once.
	if got := len(report(40, "h2")); got != 0 {
		t.Errorf("re-sent h2: %d events, want 0", got)
	}
	// Stored by an older version under the unscoped id.
	old := domain.NewEvent(domain.DerivedID("c1234", domain.KindReading, "h3"), t0, "c1234", c.Session.ID, domain.SoCReported{SoC: 50, ReadingID: "h3"})
	seq++
	old.Seq = seq
	c.Apply(old)
	if got := len(report(50, "h3")); got != 0 {
		t.Errorf("re-sent h3 stored by an older version: %d events, want 0", got)
	}
	if domain.ReadingEventID("c1", "a\x00", 1) == domain.ReadingEventID("c1", "a", 1) {
		t.Error("ReadingEventID is ambiguous")
	}
}
