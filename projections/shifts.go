package projections

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// ShiftView is one till shift.
type ShiftView struct {
	ID         string     `json:"id"`
	Till       string     `json:"till"`
	FloatCents int64      `json:"floatCents"`
	Currency   string     `json:"currency,omitempty"`
	Open       bool       `json:"open"`
	OpenedAt   time.Time  `json:"openedAt"`
	OpenedBy   string     `json:"openedBy,omitempty"`
	ClosedAt   *time.Time `json:"closedAt,omitempty"`
	ClosedBy   string     `json:"closedBy,omitempty"`
	// What the close recorded: counted by method, expected then, and the
	// difference (counted − expected). Nil while open.
	CountedCents    map[string]int64 `json:"countedCents,omitempty"`
	ExpectedAtClose map[string]int64 `json:"expectedAtCloseCents,omitempty"`
	Note            string           `json:"note,omitempty"`
	Seq             uint64           `json:"seq"`
}

// shiftModel is every till shift.
type shiftModel struct {
	byID map[string]*ShiftView
}

func newShiftModel() *shiftModel { return &shiftModel{byID: map[string]*ShiftView{}} }

// Name implements ReadModel.
func (m *shiftModel) Name() string { return "shift" }

// Apply implements ReadModel.
func (m *shiftModel) Apply(e domain.Event, _ *Update) {
	by, _ := actorOf(e)
	switch d := e.Data.(type) {
	case domain.ShiftOpened:
		m.byID[d.ShiftID] = &ShiftView{ID: d.ShiftID, Till: d.Till, FloatCents: d.FloatCents, Currency: d.Currency,
			Open: true, OpenedAt: e.Time, OpenedBy: by, Seq: e.Seq}
	case domain.ShiftClosed:
		if s := m.byID[d.ShiftID]; s != nil && s.Open {
			t := e.Time
			s.Open, s.ClosedAt, s.ClosedBy = false, &t, by
			s.CountedCents, s.ExpectedAtClose, s.Note = d.CountedCents, d.ExpectedCents, d.Note
		}
	}
}

// Snapshot implements ReadModel: Apply replaces the close's maps, never
// changes them, so a shallow copy shares nothing it changes.
func (m *shiftModel) Snapshot() any { return copyEntries(m.byID, shallow[ShiftView]) }

// Restore implements ReadModel.
func (m *shiftModel) Restore(data json.RawMessage) error {
	byID, err := decodeEntries[ShiftView](data)
	if err != nil {
		return err
	}
	m.byID = byID
	return nil
}

// Reset implements ReadModel.
func (m *shiftModel) Reset() { m.byID = map[string]*ShiftView{} }

// Entries implements ReadModel: one entry per shift.
func (m *shiftModel) Entries(put func(string, any)) { putEntries(m.byID, put) }

// Shifts lists the till shifts, newest first.
func (b *Board) Shifts() []ShiftView {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]ShiftView, 0, len(b.shifts.byID))
	for _, s := range b.shifts.byID {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].OpenedAt.Equal(out[j].OpenedAt) {
			return out[i].OpenedAt.After(out[j].OpenedAt)
		}
		return out[i].ID > out[j].ID
	})
	return out
}

// OpenShifts returns the open shifts, sorted by till.
func (b *Board) OpenShifts() []ShiftView {
	var out []ShiftView
	for _, s := range b.Shifts() {
		if s.Open {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Till < out[j].Till })
	return out
}

// ShiftMethod is one payment method's line of a shift report.
// ExpectedCents is what the till should hold of it: the float (cash only)
// plus payments and tips, less voided payments and tips and refunds.
// CountedCents and DifferenceCents (counted − expected) are set once the
// method was counted at the close.
type ShiftMethod struct {
	Method      string `json:"method"`
	Payments    int    `json:"payments"`
	AmountCents int64  `json:"amountCents"`
	Corrections
	FloatCents      int64  `json:"floatCents"`
	ExpectedCents   int64  `json:"expectedCents"`
	CountedCents    *int64 `json:"countedCents"`
	DifferenceCents *int64 `json:"differenceCents"`
}

// ShiftStaff is what one staff member took in a shift.
type ShiftStaff struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Payments    int    `json:"payments"`
	AmountCents int64  `json:"amountCents"`
	TipCents    int64  `json:"tipCents"`
}

// ShiftReport is a shift's cash-up: its money by method and by staff
// member, expected against counted.
type ShiftReport struct {
	Shift    ShiftView     `json:"shift"`
	Currency string        `json:"currency"`
	ByMethod []ShiftMethod `json:"byMethod"`
	ByStaff  []ShiftStaff  `json:"byStaff"`
	// The cash line's figures, for the cash-up at a glance.
	ExpectedCashCents   int64  `json:"expectedCashCents"`
	CountedCashCents    *int64 `json:"countedCashCents"`
	DifferenceCashCents *int64 `json:"differenceCashCents"`
	// Ledger is every payment, void and refund of the shift, in order.
	Ledger []PaymentView `json:"ledger"`
}

// ShiftReport returns the cash-up of one shift.
func (b *Board) ShiftReport(id string) (ShiftReport, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	s := b.shifts.byID[id]
	if s == nil {
		return ShiftReport{}, false
	}
	r := ShiftReport{Shift: *s, Currency: b.tariff.Currency, Ledger: []PaymentView{}, ByStaff: []ShiftStaff{}}
	by := map[string]*ShiftMethod{domain.MethodCash: {Method: domain.MethodCash, FloatCents: s.FloatCents}, domain.MethodCard: {Method: domain.MethodCard}}
	staff := map[string]*ShiftStaff{}
	for _, p := range b.payments.rows {
		if p.ShiftID != id {
			continue
		}
		r.Ledger = append(r.Ledger, p)
		m := by[p.Method]
		if m == nil {
			m = &ShiftMethod{Method: p.Method}
			by[p.Method] = m
		}
		m.add(p, &m.AmountCents, &m.Payments)
		if p.kindOf() == KindPayment {
			st := staff[p.By]
			if st == nil {
				st = &ShiftStaff{ID: p.By, Name: p.ByName}
				staff[p.By] = st
			}
			st.Payments++
			st.AmountCents += p.AmountCents
			st.TipCents += p.TipCents
		}
	}
	for _, m := range by {
		m.ExpectedCents = m.FloatCents + m.NetCents + m.TipCents
		if c, ok := s.CountedCents[m.Method]; ok {
			d := c - m.ExpectedCents
			m.CountedCents, m.DifferenceCents = &c, &d
		}
		if m.Method == domain.MethodCash {
			r.ExpectedCashCents, r.CountedCashCents, r.DifferenceCashCents = m.ExpectedCents, m.CountedCents, m.DifferenceCents
		}
		r.ByMethod = append(r.ByMethod, *m)
	}
	sort.Slice(r.ByMethod, func(i, j int) bool { return r.ByMethod[i].Method < r.ByMethod[j].Method })
	for _, st := range staff {
		r.ByStaff = append(r.ByStaff, *st)
	}
	sort.Slice(r.ByStaff, func(i, j int) bool { return r.ByStaff[i].ID < r.ByStaff[j].ID })
	return r, true
}

// Expected returns the expected amount by method (see ShiftMethod).
func (r ShiftReport) Expected() map[string]int64 {
	out := map[string]int64{}
	for _, m := range r.ByMethod {
		out[m.Method] = m.ExpectedCents
	}
	return out
}

// shiftCSVHeader is the shift report CSV's header row; every row repeats
// the shift, till and currency.
var shiftCSVHeader = []string{"shift", "till", "currency", "section", "item", "count", "amount_cents", "amount"}

// CSV renders the cash-up for a spreadsheet, the same figures as the JSON:
//
//	section   item        count      amount_cents
//	shift     opened|closed           (amount: the time, RFC 3339)
//	float     cash                   the float
//	<method>  payments    payments   taken toward sessions
//	<method>  tips                   tips less voided tips
//	<method>  voids       voids      voided amount
//	<method>  refunds     refunds    refunded
//	<method>  expected               float + payments + tips − voids − refunds
//	<method>  counted                counted at the close (once counted)
//	<method>  difference             counted − expected (once counted)
//	staff     <id> <name> payments   taken by that member
func (r ShiftReport) CSV() []byte {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	row := func(section, item, count string, amount *int64) []string {
		ac, am := "", ""
		if amount != nil {
			ac, am = strconv.FormatInt(*amount, 10), FormatCents(*amount)
		}
		return []string{r.Shift.ID, r.Shift.Till, r.Currency, section, item, count, ac, am}
	}
	p := func(v int64) *int64 { return &v }
	n := strconv.Itoa
	rows := [][]string{shiftCSVHeader}
	opened := row("shift", "opened", "", nil)
	opened[7] = r.Shift.OpenedAt.UTC().Format(time.RFC3339)
	rows = append(rows, opened)
	if r.Shift.ClosedAt != nil {
		closed := row("shift", "closed", "", nil)
		closed[7] = r.Shift.ClosedAt.UTC().Format(time.RFC3339)
		rows = append(rows, closed)
	}
	rows = append(rows, row("float", domain.MethodCash, "", p(r.Shift.FloatCents)))
	for _, m := range r.ByMethod {
		rows = append(rows,
			row(m.Method, "payments", n(m.Payments), p(m.AmountCents)),
			row(m.Method, "tips", "", p(m.TipCents)),
			row(m.Method, "voids", n(m.Voids), p(m.VoidedCents)),
			row(m.Method, "refunds", n(m.Refunds), p(m.RefundedCents)),
			row(m.Method, "expected", "", p(m.ExpectedCents)))
		if m.CountedCents != nil {
			rows = append(rows, row(m.Method, "counted", "", m.CountedCents), row(m.Method, "difference", "", m.DifferenceCents))
		}
	}
	for _, st := range r.ByStaff {
		rows = append(rows, row("staff", inert(st.ID+" "+st.Name), n(st.Payments), p(st.AmountCents)))
	}
	_ = cw.WriteAll(rows) // writes to memory: cannot fail
	return buf.Bytes()
}

// inert keeps a spreadsheet from running a cell as a formula: one that
// begins with = + - @ (or a tab or carriage return) gets a leading '.
func inert(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
