package projections

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MethodTotal is what one payment method took: payments (AmountCents,
// toward sessions), tips on top, voids and refunds, and the net.
type MethodTotal struct {
	Method      string `json:"method"`
	Payments    int    `json:"payments"`
	AmountCents int64  `json:"amountCents"`
	Corrections
}

// Corrections are the tip, void and refund columns of a report line.
// NetCents is AmountCents − VoidedCents − RefundedCents: to the cent the
// sum of the payment, void and refund events (tips apart).
type Corrections struct {
	TipCents      int64 `json:"tipCents"`
	Voids         int   `json:"voids"`
	VoidedCents   int64 `json:"voidedCents"`
	VoidedTips    int64 `json:"voidedTipCents"`
	Refunds       int   `json:"refunds"`
	RefundedCents int64 `json:"refundedCents"`
	NetCents      int64 `json:"netCents"`
}

// add counts one ledger row.
func (c *Corrections) add(p PaymentView, amount *int64, count *int) {
	switch p.kindOf() {
	case KindPayment:
		*count++
		*amount += p.AmountCents
		c.TipCents += p.TipCents
		c.NetCents += p.AmountCents
	case KindVoid:
		c.Voids++
		c.VoidedCents += p.AmountCents
		c.VoidedTips += p.TipCents
		c.TipCents -= p.TipCents
		c.NetCents -= p.AmountCents
	case KindRefund:
		c.Refunds++
		c.RefundedCents += p.AmountCents
		c.NetCents -= p.AmountCents
	}
}

// ShiftTotal is what one till shift took in a report's range ("" is money
// taken while no shift was open).
type ShiftTotal struct {
	ShiftID     string `json:"shiftId"`
	Till        string `json:"till"`
	Payments    int    `json:"payments"`
	AmountCents int64  `json:"amountCents"`
	Corrections
}

// Reconciliation is the till report for a time range [From, To).
type Reconciliation struct {
	From     time.Time     `json:"from"`
	To       time.Time     `json:"to"`
	Currency string        `json:"currency"`
	ByMethod []MethodTotal `json:"byMethod"`
	// ByStaff totals the payments by the staff member who recorded them,
	// sorted by name; payments with no actor are under id "".
	ByStaff []StaffTotal `json:"byStaff"`
	// TotalCents is the sum of every payment event in the range (what
	// went toward sessions; tips, voids and refunds are in Corrections).
	TotalCents int64 `json:"totalCents"`
	Payments   int   `json:"payments"`
	Corrections
	// ByShift splits the money by till shift.
	ByShift []ShiftTotal `json:"byShift"`
	// Sessions opened in the range, by outcome.
	SessionsOpened int   `json:"sessionsOpened"`
	SessionsPaid   int   `json:"sessionsPaid"`   // closed, paid in full
	SessionsWaived int   `json:"sessionsWaived"` // closed with money waived
	WaivedCents    int64 `json:"waivedCents"`
	SessionsOpen   int   `json:"sessionsOpen"` // still open
	OwedCents      int64 `json:"owedCents"`    // balance of the open ones, now
	// AvgSecondsToCharged is the mean time from opening to charged over the
	// sessions that reached charged.
	AvgSecondsToCharged float64 `json:"avgSecondsToCharged"`
}

// StaffTotal is what one staff member took.
type StaffTotal struct {
	ID         string        `json:"id"`
	Name       string        `json:"name"`
	Count      int           `json:"count"`
	TotalCents int64         `json:"totalCents"`
	ByMethod   []MethodTotal `json:"byMethod"`
}

// Reconcile reports payments made in [from, to) and the sessions opened in
// it; open sessions are priced at now.
func (b *Board) Reconcile(from, to, now time.Time) Reconciliation {
	b.mu.RLock()
	defer b.mu.RUnlock()
	r := Reconciliation{From: from.UTC(), To: to.UTC(), Currency: b.tariff.Currency}
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	by := map[string]*MethodTotal{"cash": {Method: "cash"}, "card": {Method: "card"}}
	staff := map[string]*staffTotal{}
	shifts := map[string]*ShiftTotal{}
	for _, p := range b.payments.rows {
		if !in(p.Time) {
			continue
		}
		m := by[p.Method]
		if m == nil {
			m = &MethodTotal{Method: p.Method}
			by[p.Method] = m
		}
		m.add(p, &m.AmountCents, &m.Payments)
		r.add(p, &r.TotalCents, &r.Payments)
		st := shifts[p.ShiftID]
		if st == nil {
			st = &ShiftTotal{ShiftID: p.ShiftID}
			if sh := b.shifts.byID[p.ShiftID]; sh != nil {
				st.Till = sh.Till
			}
			shifts[p.ShiftID] = st
		}
		st.add(p, &st.AmountCents, &st.Payments)
		if p.kindOf() == KindPayment {
			addStaffTotal(staff, p)
		}
	}
	r.ByStaff = staffTotals(staff)
	for _, m := range by {
		r.ByMethod = append(r.ByMethod, *m)
	}
	sort.Slice(r.ByMethod, func(i, j int) bool { return r.ByMethod[i].Method < r.ByMethod[j].Method })
	r.ByShift = []ShiftTotal{}
	for _, st := range shifts {
		r.ByShift = append(r.ByShift, *st)
	}
	sort.Slice(r.ByShift, func(i, j int) bool { return r.ByShift[i].ShiftID < r.ByShift[j].ShiftID })
	var charged int
	var toCharged time.Duration
	for _, s := range b.sessions.byID {
		if !in(s.OpenedAt) {
			continue
		}
		r.SessionsOpened++
		v := b.priced(*s, now)
		switch {
		case v.State == StateOpen:
			r.SessionsOpen++
			r.OwedCents += max(v.BalanceCents, 0)
		case v.Waived:
			r.SessionsWaived++
			r.WaivedCents += v.BalanceCents
		default:
			r.SessionsPaid++
		}
		if s.ChargedAt != nil {
			charged++
			toCharged += s.ChargedAt.Sub(s.OpenedAt)
		}
	}
	if charged > 0 {
		r.AvgSecondsToCharged = toCharged.Seconds() / float64(charged)
	}
	return r
}

// staffTotal is a StaffTotal being summed.
type staffTotal struct {
	StaffTotal
	by map[string]*MethodTotal
}

func addStaffTotal(staff map[string]*staffTotal, p PaymentView) {
	id, name := "", "(no actor)"
	if p.Actor != nil {
		id, name = p.Actor.ID, p.Actor.Name
	}
	t := staff[id]
	if t == nil {
		t = &staffTotal{StaffTotal: StaffTotal{ID: id}, by: map[string]*MethodTotal{}}
		staff[id] = t
	}
	t.Name = name // the latest name it recorded under
	t.Count++
	t.TotalCents += p.AmountCents
	m := t.by[p.Method]
	if m == nil {
		m = &MethodTotal{Method: p.Method}
		t.by[p.Method] = m
	}
	m.Payments++
	m.AmountCents += p.AmountCents
}

func staffTotals(staff map[string]*staffTotal) []StaffTotal {
	out := make([]StaffTotal, 0, len(staff))
	for _, t := range staff {
		for _, m := range t.by {
			t.ByMethod = append(t.ByMethod, *m)
		}
		sort.Slice(t.ByMethod, func(i, j int) bool { return t.ByMethod[i].Method < t.ByMethod[j].Method })
		out = append(out, t.StaffTotal)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// csvHeader is the reconciliation CSV's header row. Every row repeats the
// range and currency so that rows pasted from several reports stay
// meaningful; amount is amount_cents in the major unit (two decimals).
var csvHeader = []string{"from", "to", "currency", "section", "item", "count", "amount_cents", "amount", "seconds"}

// CSV renders the report for a spreadsheet: one row per payment method, a
// total row, then one row per session outcome and the average time to
// charged. The staff API and `chargebooth report` both print this.
//
//	section   item                     count        amount_cents
//	payments  card, cash, …            payments     taken
//	payments  total                    payments     sum of all payments
//	tips      card, cash, total                     tips less voided tips
//	voids     card, cash, total        voids        voided amount
//	refunds   card, cash, total        refunds      refunded amount
//	net       card, cash, total                     payments − voids − refunds
//	shift     "<id> <till> payments|tips|voids|refunds|net" (or "none …")
//	staff     <member's name>          payments     what they took
//	sessions  opened                   sessions
//	sessions  paid                     sessions
//	sessions  waived                   sessions     waived balance
//	sessions  open                     sessions     still owed now
//	sessions  avg_time_to_charged                               (seconds column)
func (r Reconciliation) CSV() []byte {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	from, to := r.From.Format(time.RFC3339), r.To.Format(time.RFC3339)
	row := func(section, item string, count int, amount *int64, seconds string) []string {
		c, ac, am := strconv.Itoa(count), "", ""
		if amount != nil {
			ac, am = strconv.FormatInt(*amount, 10), FormatCents(*amount)
		}
		if section == "sessions" && item == "avg_time_to_charged" || section == "tips" || section == "net" || strings.HasSuffix(item, " tips") || strings.HasSuffix(item, " net") {
			c = ""
		}
		return []string{from, to, r.Currency, section, item, c, ac, am, seconds}
	}
	p := func(v int64) *int64 { return &v }
	rows := [][]string{csvHeader}
	for _, m := range r.ByMethod {
		rows = append(rows, row("payments", m.Method, m.Payments, p(m.AmountCents), ""))
	}
	rows = append(rows, row("payments", "total", r.Payments, p(r.TotalCents), ""))
	for _, m := range r.ByMethod {
		rows = append(rows, row("tips", m.Method, 0, p(m.TipCents), ""),
			row("voids", m.Method, m.Voids, p(m.VoidedCents), ""),
			row("refunds", m.Method, m.Refunds, p(m.RefundedCents), ""),
			row("net", m.Method, 0, p(m.NetCents), ""))
	}
	rows = append(rows,
		row("tips", "total", 0, p(r.TipCents), ""),
		row("voids", "total", r.Voids, p(r.VoidedCents), ""),
		row("refunds", "total", r.Refunds, p(r.RefundedCents), ""),
		row("net", "total", 0, p(r.NetCents), ""))
	for _, st := range r.ByShift {
		id := st.ShiftID
		if id == "" {
			id = "none"
		} else if st.Till != "" {
			id += " " + st.Till
		}
		rows = append(rows, row("shift", id+" payments", st.Payments, p(st.AmountCents), ""),
			row("shift", id+" tips", 0, p(st.TipCents), ""),
			row("shift", id+" voids", st.Voids, p(st.VoidedCents), ""),
			row("shift", id+" refunds", st.Refunds, p(st.RefundedCents), ""),
			row("shift", id+" net", 0, p(st.NetCents), ""))
	}
	for _, t := range r.ByStaff {
		rows = append(rows, row("staff", t.Name, t.Count, p(t.TotalCents), ""))
	}
	rows = append(rows,
		row("sessions", "opened", r.SessionsOpened, nil, ""),
		row("sessions", "paid", r.SessionsPaid, nil, ""),
		row("sessions", "waived", r.SessionsWaived, p(r.WaivedCents), ""),
		row("sessions", "open", r.SessionsOpen, p(r.OwedCents), ""),
		row("sessions", "avg_time_to_charged", 0, nil, strconv.FormatFloat(r.AvgSecondsToCharged, 'f', 0, 64)),
	)
	_ = cw.WriteAll(rows) // writes to memory: cannot fail
	return buf.Bytes()
}

// FormatCents formats cents as a decimal amount in the major unit, with
// two digits: -1234 → -12.34. Reports, the printable cash-up and the ops
// commands write money with it.
func FormatCents(c int64) string {
	sign := ""
	u := uint64(c)
	if c < 0 {
		sign, u = "-", uint64(-c)
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}
