package domain

import (
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// KindShifts is the aggregate of the till shifts: one subject,
// <prefix>.shifts.all, so that one till has one open shift at most, across
// instances.
const KindShifts = "shifts"

// ShiftsKey is the one aggregate holding every till shift.
var ShiftsKey = StreamKey{Kind: KindShifts, ID: "all"}

// Event types of till shifts.
const (
	TypeShiftOpened = "shift.opened"
	TypeShiftClosed = "shift.closed"
)

// Codes of till shifts.
const (
	// CodeShiftOpen refuses a second open shift on one till.
	CodeShiftOpen = "shift_open"
	// CodeShiftClosed refuses closing a shift twice.
	CodeShiftClosed = "shift_closed"
)

// Limits of till shifts.
const (
	// DefaultTill is the till a shift opens on when none is named.
	DefaultTill = "main"
	// MaxTillLen bounds a till name.
	MaxTillLen = 32
	// MaxFloatCents bounds a float or a counted amount (1,000,000.00).
	MaxFloatCents = 100_000_000
	// MaxShiftNote bounds a shift's note.
	MaxShiftNote = MaxReferenceLen
)

// ShiftOpened opens a till shift with a cash float.
type ShiftOpened struct {
	ShiftID    string `json:"shiftId"`
	Till       string `json:"till"`
	FloatCents int64  `json:"floatCents"`
	Currency   string `json:"currency,omitempty"`
}

// ShiftClosed closes a till shift with what was counted, by method, and
// what was expected then (the payments, refunds and voids the board had
// folded) and the difference, counted − expected.
type ShiftClosed struct {
	ShiftID         string           `json:"shiftId"`
	Till            string           `json:"till"`
	CountedCents    map[string]int64 `json:"countedCents"`
	ExpectedCents   map[string]int64 `json:"expectedCents"`
	DifferenceCents map[string]int64 `json:"differenceCents"`
	Note            string           `json:"note,omitempty"`
}

// EventType implements Payload.
func (ShiftOpened) EventType() string { return TypeShiftOpened }

// EventType implements Payload.
func (ShiftClosed) EventType() string { return TypeShiftClosed }

func init() {
	Register[ShiftOpened](TypeShiftOpened, 1)
	Register[ShiftClosed](TypeShiftClosed, 1)
}

// Shift is one till shift as the aggregate keeps it.
type Shift struct {
	ID         string    `json:"id"`
	Till       string    `json:"till"`
	FloatCents int64     `json:"floatCents"`
	OpenedAt   time.Time `json:"openedAt"`
	ClosedAt   time.Time `json:"closedAt"`
	Open       bool      `json:"open"`
}

// Shifts is the till shifts aggregate: one open shift per till.
type Shifts struct {
	Version uint64
	ByID    map[string]*Shift
	OpenOn  map[string]string // till → its open shift's id
}

// NewShifts returns the empty aggregate.
func NewShifts() *Shifts { return &Shifts{ByID: map[string]*Shift{}, OpenOn: map[string]string{}} }

func (s *Shifts) version() uint64 { return s.Version }

// Apply folds a shift event.
func (s *Shifts) Apply(e Event) {
	if e.Seq > s.Version {
		s.Version = e.Seq
	}
	switch d := e.Data.(type) {
	case ShiftOpened:
		s.ByID[d.ShiftID] = &Shift{ID: d.ShiftID, Till: d.Till, FloatCents: d.FloatCents, OpenedAt: e.Time, Open: true}
		s.OpenOn[d.Till] = d.ShiftID
	case ShiftClosed:
		if sh := s.ByID[d.ShiftID]; sh != nil && sh.Open {
			sh.Open, sh.ClosedAt = false, e.Time
			if s.OpenOn[sh.Till] == sh.ID {
				delete(s.OpenOn, sh.Till)
			}
		}
	}
}

// ValidateTill checks a till name: 1 to MaxTillLen characters of
// A-Z a-z 0-9 . _ -.
func ValidateTill(till string) error {
	if till == "" || len(till) > MaxTillLen {
		return Errorf(CodeInvalidInput, "till must hold 1 to %d characters", MaxTillLen)
	}
	for i := 0; i < len(till); i++ {
		c := till[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return Errorf(CodeInvalidInput, "till may only hold A-Z a-z 0-9 . _ - (got %.40q)", till)
		}
	}
	return nil
}

// checkShiftCents checks an amount of a shift: 0 to MaxFloatCents.
func checkShiftCents(field string, v int64) error {
	if v < 0 || v > MaxFloatCents {
		return Errorf(CodeInvalidAmount, "%s must be 0 to %d cents (got %d)", field, MaxFloatCents, v)
	}
	return nil
}

// Open decides a new shift on till with a cash float.
func (s *Shifts) Open(x Ctx, t Tariff, till string, floatCents int64) ([]Event, error) {
	if till == "" {
		till = DefaultTill
	}
	if err := ValidateTill(till); err != nil {
		return nil, err
	}
	if err := checkShiftCents("floatCents", floatCents); err != nil {
		return nil, err
	}
	if id, ok := s.OpenOn[till]; ok {
		return nil, Errorf(CodeShiftOpen, "till %s already has an open shift (%s); close it first", till, id)
	}
	id := x.NewID()
	return []Event{NewEvent(id, x.Now, "", "", ShiftOpened{ShiftID: id, Till: till, FloatCents: floatCents, Currency: t.Currency})}, nil
}

// Close decides the close of a shift: counted is what was counted by
// method, expected what the payments say was taken by method.
func (s *Shifts) Close(x Ctx, id string, counted, expected map[string]int64, note string) ([]Event, error) {
	sh := s.ByID[id]
	if sh == nil {
		return nil, Errorf(CodeNotFound, "shift %.40q is not known", id)
	}
	if !sh.Open {
		return nil, Errorf(CodeShiftClosed, "shift %s was already closed at %s", id, sh.ClosedAt.Format(time.RFC3339))
	}
	if len(counted) == 0 {
		return nil, Errorf(CodeInvalidInput, "countedCents is required: the counted cash, or an object of counted amounts by method")
	}
	for m, v := range counted {
		if m != MethodCash && m != MethodCard {
			return nil, Errorf(CodeInvalidMethod, "countedCents: method must be %q or %q (got %.20q)", MethodCash, MethodCard, m)
		}
		if err := checkShiftCents("countedCents."+m, v); err != nil {
			return nil, err
		}
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxShiftNote {
		return nil, Errorf(CodeInvalidInput, "note is longer than %d characters", MaxShiftNote)
	}
	if err := CheckText("note", note, false); err != nil {
		return nil, err
	}
	diff := map[string]int64{}
	exp := map[string]int64{}
	for m, v := range counted {
		exp[m] = expected[m]
		diff[m] = v - expected[m]
	}
	return []Event{NewEvent(x.NewID(), x.Now, "", "", ShiftClosed{ShiftID: id, Till: sh.Till, CountedCents: counted,
		ExpectedCents: exp, DifferenceCents: diff, Note: note})}, nil
}

// OpenShifts returns the open shifts, sorted by till.
func (s *Shifts) OpenShifts() []Shift {
	out := []Shift{}
	for _, id := range s.OpenOn {
		out = append(out, *s.ByID[id])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Till < out[j].Till })
	return out
}
