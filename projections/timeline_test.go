package projections_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

func TestTimeline(t *testing.T) {
	b := projections.NewBoard(domain.DefaultTariff)
	seq := uint64(0)
	apply := func(charger string, p domain.Payload) {
		t.Helper()
		seq++
		e := domain.NewEvent(fmt.Sprintf("e%d", seq), t0, charger, "", p)
		e.Seq = seq
		if err := b.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	apply("c1", domain.OCPPCallSent{UniqueID: "u1", Action: "Reset", Payload: json.RawMessage(`{"type":"Soft"}`)})
	apply("c1", domain.SoCReported{SoC: 50}) // not on the timeline
	apply("c1", domain.OCPPCallAnswered{UniqueID: "u1", Action: "Reset", Result: json.RawMessage(`{"status":"Accepted"}`)})
	apply("c2", domain.OCPPConfigurationApplied{Results: []domain.OCPPSettingResult{{Key: "K", Want: "1", Status: "Accepted"}}})

	got := b.Timeline("c1")
	if len(got) != 2 || got[0].Type != domain.TypeOCPPCallSent || got[1].Type != domain.TypeOCPPCallAnswered {
		t.Fatalf("c1 timeline: got %+v, want the call and its answer", got)
	}
	if got := b.Timeline("c2"); len(got) != 1 || got[0].Type != domain.TypeOCPPConfigurationDone {
		t.Fatalf("c2 timeline: got %+v, want the configuration result", got)
	}
	if got := b.Timeline("c9"); got == nil || len(got) != 0 {
		t.Fatalf("unknown charger: got %#v, want an empty list", got)
	}

	t.Run("bounded", func(t *testing.T) {
		for i := range projections.TimelineLength + 10 {
			apply("c3", domain.OCPPCallTimedOut{UniqueID: fmt.Sprint(i), Action: "Reset"})
		}
		got := b.Timeline("c3")
		if len(got) != projections.TimelineLength {
			t.Fatalf("got %d events, want %d", len(got), projections.TimelineLength)
		}
		if d := got[0].Data.(domain.OCPPCallTimedOut); d.UniqueID != "10" {
			t.Errorf("oldest kept: got %s, want 10", d.UniqueID)
		}
	})

	t.Run("survives a checkpoint", func(t *testing.T) {
		r := restored(t, b)
		if diff := projections.Diff(b, r); len(diff) != 0 {
			t.Fatalf("restored board differs: %v", diff)
		}
		if got := r.Timeline("c1"); len(got) != 2 {
			t.Fatalf("restored c1 timeline: got %d events, want 2", len(got))
		}
	})

	t.Run("retired charger forgotten", func(t *testing.T) {
		apply("c1", domain.ChargerRetired{Reason: "idle"})
		if got := b.Timeline("c1"); len(got) != 0 {
			t.Fatalf("got %d events, want none", len(got))
		}
	})
}
