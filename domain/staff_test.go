package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// foldStaff applies payloads to a fresh staff list, numbering them from 1.
func foldStaff(ps ...domain.Payload) *domain.Staff {
	s := domain.NewStaff()
	for i, p := range ps {
		e := domain.NewEvent("e", t0, "", "", p)
		e.Seq = uint64(i + 1)
		s.Apply(e)
	}
	return s
}

var anna = domain.StaffAdded{StaffID: "m1", Name: "Anna", Role: "staff", TokenHash: "t1", PINHash: "p1"}

func TestStaffAdd(t *testing.T) {
	tests := []struct {
		name                    string
		given                   *domain.Staff
		id, who, role, tok, pin string
		want                    []domain.Payload
		wantCode                string
	}{
		{name: "a new member", given: foldStaff(), id: "m2", who: "Ben", role: "lead", tok: "t2",
			want: []domain.Payload{domain.StaffAdded{StaffID: "m2", Name: "Ben", Role: "lead", TokenHash: "t2"}}},
		{name: "with a pin", given: foldStaff(), id: "m2", who: "Ben", role: "ops", tok: "t2", pin: "p2",
			want: []domain.Payload{domain.StaffAdded{StaffID: "m2", Name: "Ben", Role: "ops", TokenHash: "t2", PINHash: "p2"}}},
		{name: "name taken ignoring case", given: foldStaff(anna), id: "m2", who: "ANNA", role: "staff", tok: "t2", wantCode: domain.CodeStaffNameTaken},
		{name: "a disabled member keeps the name", given: foldStaff(anna, domain.StaffDisabled{StaffID: "m1"}), id: "m2", who: "anna", role: "staff", tok: "t2", wantCode: domain.CodeStaffNameTaken},
		{name: "unknown role", given: foldStaff(), id: "m2", who: "Ben", role: "boss", tok: "t2", wantCode: domain.CodeInvalidInput},
		{name: "empty name", given: foldStaff(), id: "m2", who: " ", role: "staff", tok: "t2", wantCode: domain.CodeInvalidInput},
		{name: "padded name", given: foldStaff(), id: "m2", who: " Ben", role: "staff", tok: "t2", wantCode: domain.CodeInvalidInput},
		{name: "newline in name", given: foldStaff(), id: "m2", who: "Be\nn", role: "staff", tok: "t2", wantCode: domain.CodeInvalidInput},
		{name: "64 characters", given: foldStaff(), id: "m2", who: strings.Repeat("é", 64), role: "staff", tok: "t2",
			want: []domain.Payload{domain.StaffAdded{StaffID: "m2", Name: strings.Repeat("é", 64), Role: "staff", TokenHash: "t2"}}},
		{name: "65 characters", given: foldStaff(), id: "m2", who: strings.Repeat("é", 65), role: "staff", tok: "t2", wantCode: domain.CodeInvalidInput},
		{name: "no token", given: foldStaff(), id: "m2", who: "Ben", role: "staff", wantCode: domain.CodeInvalidInput},
		{name: "the bootstrap id", given: foldStaff(), id: "admin", who: "Ben", role: "staff", tok: "t2", wantCode: domain.CodeInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := tt.given.Add(ctxAt(0), tt.id, tt.who, tt.role, tt.tok, tt.pin)
			checkCode(t, err, tt.wantCode)
			checkPayloads(t, evs, tt.want)
			for _, e := range evs {
				if got := e.Key(); got != domain.StaffKey {
					t.Errorf("key: got %v, want %v", got, domain.StaffKey)
				}
			}
		})
	}
}

func TestStaffChange(t *testing.T) {
	ben := domain.StaffAdded{StaffID: "m2", Name: "Ben", Role: "lead", TokenHash: "t2"}
	tests := []struct {
		name     string
		change   domain.StaffChanged
		want     []domain.Payload
		wantCode string
	}{
		{name: "role", change: domain.StaffChanged{StaffID: "m1", Role: "lead"}, want: []domain.Payload{domain.StaffChanged{StaffID: "m1", Role: "lead"}}},
		{name: "same role is nothing", change: domain.StaffChanged{StaffID: "m1", Role: "staff"}},
		{name: "same name is nothing", change: domain.StaffChanged{StaffID: "m1", Name: "Anna"}},
		{name: "another's name", change: domain.StaffChanged{StaffID: "m1", Name: "ben"}, wantCode: domain.CodeStaffNameTaken},
		{name: "own name in other case", change: domain.StaffChanged{StaffID: "m1", Name: "ANNA"}, want: []domain.Payload{domain.StaffChanged{StaffID: "m1", Name: "ANNA"}}},
		{name: "clear pin", change: domain.StaffChanged{StaffID: "m1", PINCleared: true}, want: []domain.Payload{domain.StaffChanged{StaffID: "m1", PINCleared: true}}},
		{name: "clear no pin is nothing", change: domain.StaffChanged{StaffID: "m2", PINCleared: true}},
		{name: "rotate token", change: domain.StaffChanged{StaffID: "m1", TokenHash: "t9"}, want: []domain.Payload{domain.StaffChanged{StaffID: "m1", TokenHash: "t9"}}},
		{name: "bad role", change: domain.StaffChanged{StaffID: "m1", Role: "root"}, wantCode: domain.CodeInvalidInput},
		{name: "unknown member", change: domain.StaffChanged{StaffID: "m9", Role: "lead"}, wantCode: domain.CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := foldStaff(anna, ben).Change(ctxAt(0), tt.change)
			checkCode(t, err, tt.wantCode)
			checkPayloads(t, evs, tt.want)
		})
	}
}

func TestStaffDisableAndSignIn(t *testing.T) {
	x := ctxAt(0)
	s := foldStaff(anna)
	evs, err := s.SignIn(x, "m1", "h1", "pin", "", t0.Add(time.Hour))
	checkCode(t, err, "")
	checkPayloads(t, evs, []domain.Payload{domain.StaffSignedIn{SessionHash: "h1", StaffID: "m1", Expires: t0.Add(time.Hour), Method: "pin"}})
	_, err = s.SignIn(x, "m1", "h1", "pin", "", t0)
	checkCode(t, err, domain.CodeInvalidInput)
	_, err = s.SignIn(x, "m9", "h1", "pin", "", t0.Add(time.Hour))
	checkCode(t, err, domain.CodeNotFound)
	_, err = s.SignIn(x, domain.BootstrapAdminID, "h1", "token", "c1", t0.Add(time.Hour))
	checkCode(t, err, "")

	evs, err = s.Disable(x, "m1")
	checkCode(t, err, "")
	checkPayloads(t, evs, []domain.Payload{domain.StaffDisabled{StaffID: "m1"}})
	s = foldStaff(anna, domain.StaffDisabled{StaffID: "m1"})
	evs, err = s.Disable(x, "m1")
	checkCode(t, err, "")
	checkPayloads(t, evs, nil)
	_, err = s.SignIn(x, "m1", "h2", "pin", "", t0.Add(time.Hour))
	checkCode(t, err, domain.CodeStaffDisabled)
	evs, err = s.Enable(x, "m1")
	checkCode(t, err, "")
	checkPayloads(t, evs, []domain.Payload{domain.StaffEnabled{StaffID: "m1"}})
	_, err = s.Disable(x, "m9")
	checkCode(t, err, domain.CodeNotFound)

	m, _ := foldStaff(anna, domain.StaffChanged{StaffID: "m1", Name: "Ann", PINCleared: true, TokenHash: "t3"}).Get("m1")
	if m.Name != "Ann" || m.PINHash != "" || m.TokenHash != "t3" || m.Role != "staff" || !m.Enabled {
		t.Errorf("after the change: %+v", m)
	}
}
