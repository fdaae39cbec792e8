package projections_test

import (
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

// TestClaimCodesOfOpenSessions: a claim code is in use while its session is
// open, free once it is handed back, and the same after a checkpoint is
// restored (the open-session index is rebuilt from the sessions).
func TestClaimCodesOfOpenSessions(t *testing.T) {
	s := &stream{}
	s.add("c1", "s1", domain.SessionOpened{By: domain.OpenedByStaff, ClaimCode: "K7M4PX"})
	s.add("c2", "s2", domain.SessionOpened{By: domain.OpenedByStaff, ClaimCode: "H3N9QR"})
	s.add("c2", "s2", domain.HandedBack{AmountDueCents: 500, PaidCents: 500})
	b := fold(t, domain.DefaultTariff, s.events)
	data, _, err := b.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r := projections.NewBoard(domain.DefaultTariff)
	if _, err := r.Restore(data); err != nil {
		t.Fatal(err)
	}
	for name, board := range map[string]*projections.Board{"folded": b, "restored": r} {
		if !board.ClaimCodeInUse("K7M4PX") {
			t.Errorf("%s: the open session's code is free", name)
		}
		if board.ClaimCodeInUse("H3N9QR") {
			t.Errorf("%s: a handed-back session's code is in use", name)
		}
		if got := board.SessionsByClaimCode("K7M4PX", time.Now()); len(got) != 1 || got[0].ID != "s1" {
			t.Errorf("%s: sessions by code: %+v", name, got)
		}
		if got := board.SessionsByClaimCode("H3N9QR", time.Now()); len(got) != 0 {
			t.Errorf("%s: a closed session found by its code: %+v", name, got)
		}
	}
}
