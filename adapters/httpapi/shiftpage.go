package httpapi

import (
	"html/template"
	"time"

	"github.com/chargebooth/chargebooth/projections"
)

// shiftPageData is what the printable cash-up page shows.
type shiftPageData struct {
	R      projections.ShiftReport
	Opened string
	Closed string
}

func pageOf(r projections.ShiftReport) shiftPageData {
	d := shiftPageData{R: r, Opened: r.Shift.OpenedAt.UTC().Format(time.RFC3339)}
	if r.Shift.ClosedAt != nil {
		d.Closed = r.Shift.ClosedAt.UTC().Format(time.RFC3339)
	}
	return d
}

// moneyPtr formats an optional amount ("—" when unset).
func moneyPtr(c *int64) string {
	if c == nil {
		return "—"
	}
	return projections.FormatCents(*c)
}

// shiftPage is the printable cash-up: A4 or a receipt printer, no script.
// Its style is inline, and also the dashboard's /static/print.css for when
// the dashboard writes it into a window under its own policy (no inline
// style there).
var shiftPage = template.Must(template.New("shift").Funcs(template.FuncMap{"money": projections.FormatCents, "moneyPtr": moneyPtr}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Cash-up {{.R.Shift.Till}} {{.R.Shift.ID}}</title>
<link rel="stylesheet" href="/static/print.css">
<style>
body{font:14px/1.4 system-ui,sans-serif;color:#000;background:#fff;max-width:40em;margin:1em auto;padding:0 1em}
table{border-collapse:collapse;width:100%;margin:.5em 0 1em}th,td{border-bottom:1px solid #999;padding:.25em .4em;text-align:right}
th:first-child,td:first-child{text-align:left}.diff{font-weight:bold}
@media print{body{margin:0;max-width:none}}
</style></head><body>
<h1>Cash-up: till {{.R.Shift.Till}}</h1>
<p>Shift <code>{{.R.Shift.ID}}</code><br>Opened {{.Opened}}{{with .R.Shift.OpenedBy}} by {{.}}{{end}}<br>
{{if .Closed}}Closed {{.Closed}}{{with .R.Shift.ClosedBy}} by {{.}}{{end}}{{else}}<strong>Still open</strong>{{end}}<br>
Float {{money .R.Shift.FloatCents}} {{.R.Currency}}</p>
<table id="by-method"><thead><tr><th>Method</th><th>Payments</th><th>Taken</th><th>Tips</th><th>Voided</th><th>Refunded</th><th>Expected</th><th>Counted</th><th>Difference</th></tr></thead><tbody>
{{range .R.ByMethod}}<tr data-method="{{.Method}}"><td>{{.Method}}</td><td>{{.Payments}}</td><td>{{money .AmountCents}}</td><td>{{money .TipCents}}</td><td>{{money .VoidedCents}} ({{.Voids}})</td><td>{{money .RefundedCents}} ({{.Refunds}})</td><td class="expected">{{money .ExpectedCents}}</td><td class="counted">{{moneyPtr .CountedCents}}</td><td class="diff">{{moneyPtr .DifferenceCents}}</td></tr>
{{end}}</tbody></table>
<p>Expected cash = float + cash payments + cash tips − voided − cash refunds.</p>
{{if .R.ByStaff}}<h2>By staff</h2><table><thead><tr><th>Staff</th><th>Payments</th><th>Taken</th><th>Tips</th></tr></thead><tbody>
{{range .R.ByStaff}}<tr><td>{{if .Name}}{{.Name}}{{else}}{{if .ID}}{{.ID}}{{else}}(unnamed){{end}}{{end}}</td><td>{{.Payments}}</td><td>{{money .AmountCents}}</td><td>{{money .TipCents}}</td></tr>
{{end}}</tbody></table>{{end}}
{{with .R.Shift.Note}}<p>Note: {{.}}</p>{{end}}
</body></html>
`))
