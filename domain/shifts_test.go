package domain_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

func TestShifts(t *testing.T) {
	const s1 = "01J1Z5Q8W3M4N5P6Q7R8S9SHF1"
	openMain := domain.NewEvent(s1, t0, "", "", domain.ShiftOpened{ShiftID: s1, Till: "main", FloatCents: 10000})
	closed := domain.NewEvent("", t0.Add(time.Hour), "", "", domain.ShiftClosed{ShiftID: s1, Till: "main"})
	tests := []struct {
		name     string
		given    []domain.Event
		when     func(*domain.Shifts, domain.Ctx) ([]domain.Event, error)
		then     []domain.Payload
		wantCode string
	}{
		{name: "open on the default till", when: openShiftCmd("", 10000), then: nil},
		{name: "open a second till", given: []domain.Event{openMain}, when: openShiftCmd("bar", 0)},
		{name: "open twice on one till", given: []domain.Event{openMain}, when: openShiftCmd("main", 0), wantCode: domain.CodeShiftOpen},
		{name: "open again after a close", given: []domain.Event{openMain, closed}, when: openShiftCmd("main", 0)},
		{name: "negative float", when: openShiftCmd("main", -1), wantCode: domain.CodeInvalidAmount},
		{name: "float at the limit", when: openShiftCmd("main", domain.MaxFloatCents)},
		{name: "float over the limit", when: openShiftCmd("main", domain.MaxFloatCents+1), wantCode: domain.CodeInvalidAmount},
		{name: "till with a space", when: openShiftCmd("bar 2", 0), wantCode: domain.CodeInvalidInput},
		{name: "till at the length limit", when: openShiftCmd(strings.Repeat("t", domain.MaxTillLen), 0)},
		{name: "till too long", when: openShiftCmd(strings.Repeat("t", domain.MaxTillLen+1), 0), wantCode: domain.CodeInvalidInput},
		{name: "close counted", given: []domain.Event{openMain}, when: closeShiftCmd(s1, map[string]int64{"cash": 12450}, map[string]int64{"cash": 12500, "card": 900}, " short "),
			then: []domain.Payload{domain.ShiftClosed{ShiftID: s1, Till: "main", CountedCents: map[string]int64{"cash": 12450},
				ExpectedCents: map[string]int64{"cash": 12500}, DifferenceCents: map[string]int64{"cash": -50}, Note: "short"}}},
		{name: "close twice", given: []domain.Event{openMain, closed}, when: closeShiftCmd(s1, map[string]int64{"cash": 1}, nil, ""), wantCode: domain.CodeShiftClosed},
		{name: "close unknown", when: closeShiftCmd(s1, map[string]int64{"cash": 1}, nil, ""), wantCode: domain.CodeNotFound},
		{name: "close with nothing counted", given: []domain.Event{openMain}, when: closeShiftCmd(s1, nil, nil, ""), wantCode: domain.CodeInvalidInput},
		{name: "close counting bitcoin", given: []domain.Event{openMain}, when: closeShiftCmd(s1, map[string]int64{"btc": 1}, nil, ""), wantCode: domain.CodeInvalidMethod},
		{name: "close counting a negative", given: []domain.Event{openMain}, when: closeShiftCmd(s1, map[string]int64{"cash": -1}, nil, ""), wantCode: domain.CodeInvalidAmount},
		{name: "close with a long note", given: []domain.Event{openMain}, when: closeShiftCmd(s1, map[string]int64{"cash": 1}, nil, strings.Repeat("n", domain.MaxShiftNote+1)), wantCode: domain.CodeInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := domain.NewShifts()
			for i, e := range tt.given {
				e.Seq = uint64(i + 1)
				s.Apply(e)
			}
			got, err := tt.when(s, ctxAt(0))
			checkCode(t, err, tt.wantCode)
			if err != nil {
				return
			}
			if len(got) != 1 {
				t.Fatalf("events: got %d, want 1", len(got))
			}
			if got[0].Key() != domain.ShiftsKey {
				t.Errorf("key: got %v, want %v", got[0].Key(), domain.ShiftsKey)
			}
			if tt.then != nil {
				checkPayloads(t, got, tt.then)
			}
			s.Apply(got[0])
		})
	}
}

func openShiftCmd(till string, float int64) func(*domain.Shifts, domain.Ctx) ([]domain.Event, error) {
	return func(s *domain.Shifts, x domain.Ctx) ([]domain.Event, error) {
		return s.Open(x, domain.DefaultTariff, till, float)
	}
}

func closeShiftCmd(id string, counted, expected map[string]int64, note string) func(*domain.Shifts, domain.Ctx) ([]domain.Event, error) {
	return func(s *domain.Shifts, x domain.Ctx) ([]domain.Event, error) {
		return s.Close(x, id, counted, expected, note)
	}
}

func TestShiftsOpenList(t *testing.T) {
	s := domain.NewShifts()
	x := ctxAt(0)
	for _, till := range []string{"main", "bar"} {
		evs, err := s.Open(x, domain.DefaultTariff, till, 0)
		if err != nil {
			t.Fatal(err)
		}
		s.Apply(evs[0])
	}
	var tills []string
	for _, sh := range s.OpenShifts() {
		tills = append(tills, sh.Till)
	}
	if want := []string{"bar", "main"}; !reflect.DeepEqual(tills, want) {
		t.Fatalf("open tills: got %v, want %v", tills, want)
	}
}
