package httpapi

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"time"

	"github.com/chargebooth/chargebooth/projections"
)

// csvHeader is the reconciliation CSV's header row. Every row repeats the
// range and currency so that rows pasted from several reports stay
// meaningful; amount is amount_cents in the major unit (two decimals).
var csvHeader = []string{"from", "to", "currency", "section", "item", "count", "amount_cents", "amount", "seconds"}

// reconciliationCSV renders the report for a spreadsheet: one row per
// payment method, a total row, then one row per session outcome and the
// average time to charged.
//
//	section   item                     count        amount_cents
//	payments  card, cash, …            payments     taken
//	payments  total                    payments     sum of all payments
//	sessions  opened                   sessions
//	sessions  paid                     sessions
//	sessions  waived                   sessions     waived balance
//	sessions  open                     sessions     still owed now
//	sessions  avg_time_to_charged                               (seconds column)
func reconciliationCSV(rep projections.Reconciliation) ([]byte, error) {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	from, to := rep.From.Format(time.RFC3339), rep.To.Format(time.RFC3339)
	row := func(section, item string, count int, amount *int64, seconds string) []string {
		c, ac, am := strconv.Itoa(count), "", ""
		if amount != nil {
			ac, am = strconv.FormatInt(*amount, 10), major(*amount)
		}
		if section == "sessions" && item == "avg_time_to_charged" {
			c = ""
		}
		return []string{from, to, rep.Currency, section, item, c, ac, am, seconds}
	}
	p := func(v int64) *int64 { return &v }
	rows := [][]string{csvHeader}
	for _, m := range rep.ByMethod {
		rows = append(rows, row("payments", m.Method, m.Payments, p(m.AmountCents), ""))
	}
	rows = append(rows,
		row("payments", "total", rep.Payments, p(rep.TotalCents), ""),
		row("sessions", "opened", rep.SessionsOpened, nil, ""),
		row("sessions", "paid", rep.SessionsPaid, nil, ""),
		row("sessions", "waived", rep.SessionsWaived, p(rep.WaivedCents), ""),
		row("sessions", "open", rep.SessionsOpen, p(rep.OwedCents), ""),
		row("sessions", "avg_time_to_charged", 0, nil, strconv.FormatFloat(rep.AvgSecondsToCharged, 'f', 0, 64)),
	)
	if err := cw.WriteAll(rows); err != nil {
		return nil, fmt.Errorf("write reconciliation csv: %w", err)
	}
	return buf.Bytes(), nil
}

// major formats cents as a decimal amount with two digits: -1234 → -12.34.
func major(c int64) string {
	sign := ""
	u := uint64(c)
	if c < 0 {
		sign, u = "-", uint64(-c)
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}
