package projections_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

// applyAll applies payloads to b as consecutive events a minute apart
// from at, with actor a when not nil.
func applyAll(tb testing.TB, b *projections.Board, at time.Time, a *domain.Actor, ps ...domain.Payload) {
	tb.Helper()
	for _, p := range ps {
		seq := b.Applied() + 1
		e := domain.NewEvent("s"+time.Duration(seq).String(), at.Add(time.Duration(seq)*time.Minute), "", "", p)
		e.Seq, e.Actor = seq, a
		if err := b.Apply(e); err != nil {
			tb.Fatal(err)
		}
	}
}

func TestStaffModel(t *testing.T) {
	b := projections.NewBoard(domain.DefaultTariff)
	admin := &domain.Actor{ID: "admin", Name: "admin", Role: "admin"}
	applyAll(t, b, t0, admin,
		domain.StaffAdded{StaffID: "m1", Name: "Anna", Role: "staff", TokenHash: "t1", PINHash: "$2a$x"},
		domain.StaffAdded{StaffID: "m2", Name: "Ben", Role: "lead", TokenHash: "t2"},
	)
	applyAll(t, b, t0, &domain.Actor{ID: "m1", Name: "Anna"},
		domain.StaffSignedIn{SessionHash: "h1", StaffID: "m1", Expires: t0.Add(time.Hour)},
		domain.StaffSignedIn{SessionHash: "h2", StaffID: "m2", Expires: t0.Add(10 * time.Minute)},
	)
	if v, ok := b.StaffByToken("t1"); !ok || v.Name != "Anna" || !v.HasPIN() {
		t.Fatalf("by token: %+v %v", v, ok)
	}
	if v, ok := b.StaffByName("bEN"); !ok || v.ID != "m2" {
		t.Fatalf("by name ignoring case: %+v %v", v, ok)
	}
	if _, ok := b.StaffSession("h2", t0.Add(5*time.Minute)); !ok {
		t.Error("h2 before its expiry is not live")
	}
	if _, ok := b.StaffSession("h2", t0.Add(10*time.Minute)); ok {
		t.Error("h2 at its expiry is live")
	}
	r := restored(t, b)
	if v, ok := r.StaffByToken("t2"); !ok || v.Name != "Ben" {
		t.Errorf("restored by token: %+v %v", v, ok)
	}
	applyAll(t, b, t0, admin,
		domain.StaffChanged{StaffID: "m1", TokenHash: "t9", Name: "Ann"},
		domain.StaffDisabled{StaffID: "m2"},
	)
	if _, ok := b.StaffByToken("t1"); ok {
		t.Error("the rotated token still finds Anna")
	}
	if v, ok := b.StaffByToken("t9"); !ok || v.Name != "Ann" {
		t.Errorf("the new token: %+v %v", v, ok)
	}
	if _, ok := b.StaffSession("h1", t0); ok {
		t.Error("a rotated token's sessions go on")
	}
	if v, _ := b.StaffMember("m2"); v.Enabled {
		t.Error("Ben is still enabled")
	}
	if got := len(b.Staff()); got != 2 {
		t.Errorf("members: got %d, want 2", got)
	}
	rows := b.Audit(t0, t0.Add(24*time.Hour), "", 0)
	if len(rows) != 6 || rows[0].Type != domain.TypeStaffDisabled || rows[5].Type != domain.TypeStaffAdded {
		t.Fatalf("audit rows %+v", rows)
	}
	for _, r := range rows {
		if strings.Contains(r.Summary, "t1") || strings.Contains(r.Summary, "$2a") || strings.Contains(r.Summary, "h1") || strings.Contains(r.Summary, "t9") {
			t.Errorf("audit summary shows a hash: %q", r.Summary)
		}
	}
	if got := b.Audit(t0, t0.Add(24*time.Hour), "m1", 0); len(got) != 2 {
		t.Errorf("Anna's rows: %d, want 2", len(got))
	}
	if got := b.Audit(t0, t0.Add(24*time.Hour), "", 2); len(got) != 2 {
		t.Errorf("limit 2: %d rows", len(got))
	}
}
