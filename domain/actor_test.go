package domain_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/chargebooth/chargebooth/domain"
)

func TestCommandsCarryTheActorOfTheirContext(t *testing.T) {
	store := newFakeStore()
	svc := newServices(store, 1, false)[0]
	who := domain.Actor{ID: "s1", Name: "Ada", Role: "staff"}
	ctx := domain.WithActor(context.Background(), who)
	if _, err := svc.CheckIn(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ReportSoC(context.Background(), "c1", domain.Reading{SoC: 40}); err != nil {
		t.Fatal(err)
	}
	opened := store.stored(domain.TypeSessionOpened)
	if len(opened) != 1 || opened[0].Actor == nil || *opened[0].Actor != who {
		t.Fatalf("session.opened actor: %+v, want %+v", opened, who)
	}
	if r := store.stored(domain.TypeSoCReported); len(r) != 1 || r[0].Actor != nil {
		t.Fatalf("a device reading has an actor: %+v", r)
	}

	b, err := json.Marshal(opened[0])
	if err != nil {
		t.Fatal(err)
	}
	var back domain.Event
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Actor == nil || *back.Actor != who {
		t.Fatalf("actor after a JSON round trip: %+v in %s", back.Actor, b)
	}
}
