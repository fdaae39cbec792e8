package projections

import (
	"encoding/csv"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MethodTotal is what one payment method took.
type MethodTotal struct {
	Method      string `json:"method"`
	Payments    int    `json:"payments"`
	AmountCents int64  `json:"amountCents"`
}

// Reconciliation is the till report for a time range [From, To).
type Reconciliation struct {
	From     time.Time     `json:"from"`
	To       time.Time     `json:"to"`
	Currency string        `json:"currency"`
	ByMethod []MethodTotal `json:"byMethod"`
	// TotalCents is the sum of every payment event in the range.
	TotalCents int64 `json:"totalCents"`
	Payments   int   `json:"payments"`
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

// Reconcile reports payments made in [from, to) and the sessions opened in
// it; open sessions are priced at now.
func (b *Board) Reconcile(from, to, now time.Time) Reconciliation {
	b.mu.RLock()
	defer b.mu.RUnlock()
	r := Reconciliation{From: from.UTC(), To: to.UTC(), Currency: b.tariff.Currency}
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	by := map[string]*MethodTotal{"cash": {Method: "cash"}, "card": {Method: "card"}}
	for _, p := range b.st.Payments {
		if !in(p.Time) {
			continue
		}
		m := by[p.Method]
		if m == nil {
			m = &MethodTotal{Method: p.Method}
			by[p.Method] = m
		}
		m.Payments++
		m.AmountCents += p.AmountCents
		r.TotalCents += p.AmountCents
		r.Payments++
	}
	for _, m := range by {
		r.ByMethod = append(r.ByMethod, *m)
	}
	sort.Slice(r.ByMethod, func(i, j int) bool { return r.ByMethod[i].Method < r.ByMethod[j].Method })
	var charged int
	var toCharged time.Duration
	for _, s := range b.st.Sessions {
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

// CSV renders the reconciliation for a spreadsheet: one row per method,
// then the totals and session counts.
func (r Reconciliation) CSV() []byte {
	var b strings.Builder
	w := csv.NewWriter(&b)
	money := func(c int64) string { return strconv.FormatFloat(float64(c)/100, 'f', 2, 64) }
	_ = w.Write([]string{"from", "to", "currency", "row", "count", "amount_cents", "amount"})
	row := func(name string, count int, c int64) {
		_ = w.Write([]string{r.From.Format(time.RFC3339), r.To.Format(time.RFC3339), r.Currency, name,
			strconv.Itoa(count), strconv.FormatInt(c, 10), money(c)})
	}
	for _, m := range r.ByMethod {
		row("payments_"+m.Method, m.Payments, m.AmountCents)
	}
	row("payments_total", r.Payments, r.TotalCents)
	row("sessions_opened", r.SessionsOpened, 0)
	row("sessions_paid", r.SessionsPaid, 0)
	row("sessions_waived", r.SessionsWaived, r.WaivedCents)
	row("sessions_open_owed", r.SessionsOpen, r.OwedCents)
	_ = w.Write([]string{r.From.Format(time.RFC3339), r.To.Format(time.RFC3339), r.Currency, "avg_seconds_to_charged",
		"", "", strconv.FormatFloat(r.AvgSecondsToCharged, 'f', 1, 64)})
	w.Flush()
	return []byte(b.String())
}
