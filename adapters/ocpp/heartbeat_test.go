package ocpp_test

import (
	"testing"
)

func TestHeartbeat(t *testing.T) {
	b := newFakeBackend()
	got := mustHandle(t, newRouter(b), "c1234", "Heartbeat", `{}`)
	if got["currentTime"] != "2026-07-04T18:30:00.000Z" {
		t.Errorf("got currentTime %v, want 2026-07-04T18:30:00.000Z", got["currentTime"])
	}
	if calls := b.Calls(); len(calls) != 1 || calls[0].Method != "Heartbeat" || calls[0].ChargerID != "c1234" {
		t.Errorf("got calls %+v, want one Heartbeat for c1234", calls)
	}
}
