package policy_test

import (
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections/policy"
)

func TestRetirerForgetsIdleChargers(t *testing.T) {
	e := newEnv(t)
	ctx := ctxFor(t, 20*time.Second)
	on := func(id string, decide func(*domain.Charger, domain.Ctx) ([]domain.Event, error)) {
		t.Helper()
		if _, err := e.svc.OnCharger(ctx, id, decide); err != nil {
			t.Fatal(err)
		}
	}
	connect := func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return c.Connect(x, "i1", "k-"+c.ID, "json", ""), nil
	}
	disconnect := func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return c.Disconnect(x, "i1", "k-"+c.ID, "bye"), nil
	}
	for _, id := range []string{"cIdle", "cSession", "cPaired", "cEnrolled", "cOnline"} {
		on(id, connect)
		if id != "cOnline" {
			on(id, disconnect)
		}
	}
	if _, err := e.svc.ReportSoC(ctx, "cSession", domain.Reading{SoC: 10}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.OnPairings(ctx, func(p *domain.Pairings, x domain.Ctx) ([]domain.Event, error) {
		return p.Set(x, "cPaired", "w1", false)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.OnDevices(ctx, func(d *domain.Devices, x domain.Ctx) ([]domain.Event, error) {
		return d.Enrol(x, domain.DeviceCharger, "cEnrolled", "")
	}); err != nil {
		t.Fatal(err)
	}
	e.folded()
	r := &policy.Retirer{Board: e.board, Service: e.svc, Clock: e.clock.Now, ForgetAfter: 7 * 24 * time.Hour}
	if n, err := r.Tick(ctx); err != nil || n != 0 {
		t.Fatalf("before a week: retired %d (%v), want 0", n, err)
	}
	e.clock.Advance(7*24*time.Hour + time.Minute)
	n, err := r.Tick(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := n, 1; got != want {
		t.Fatalf("retired %d, want %d", got, want)
	}
	e.folded()
	if _, ok := e.board.Charger("cIdle", e.clock.Now()); ok {
		t.Error("cIdle is still on the board")
	}
	for _, id := range []string{"cSession", "cPaired", "cEnrolled", "cOnline"} {
		if _, ok := e.board.Charger(id, e.clock.Now()); !ok {
			t.Errorf("%s was retired", id)
		}
	}
	if got := count(e.events(domain.ChargerKey("cIdle")), domain.ChargerRetired{}); got != 1 {
		t.Errorf("cIdle: %d charger.retired, want 1", got)
	}
	if n, err := r.Tick(ctx); err != nil || n != 0 {
		t.Fatalf("second tick: retired %d (%v), want 0", n, err)
	}

	// A later connection brings it back.
	on("cIdle", connect)
	e.folded()
	if c, ok := e.board.Charger("cIdle", e.clock.Now()); !ok || !c.Online {
		t.Errorf("cIdle after reconnecting: %+v %v", c, ok)
	}
}

func TestRetireChargerRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := ctxFor(t, 20*time.Second)
	if _, err := e.svc.OnPairings(ctx, func(p *domain.Pairings, x domain.Ctx) ([]domain.Event, error) { return p.Set(x, "c1", "w1", false) }); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.OnDevices(ctx, func(d *domain.Devices, x domain.Ctx) ([]domain.Event, error) {
		return d.Enrol(x, domain.DeviceCharger, "c2", "")
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ReportSoC(ctx, "c3", domain.Reading{SoC: 5}); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ id, want string }{
		{"c1", domain.CodeChargerPaired},
		{"c2", domain.CodeChargerEnrolled},
		{"c3", domain.CodeSessionOpen},
		{"c4", ""},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			_, err := e.svc.RetireCharger(ctx, tt.id, "staff", time.Time{})
			if got := domain.ErrorCode(err); got != tt.want {
				t.Errorf("got %q (%v), want %q", got, err, tt.want)
			}
		})
	}
}
