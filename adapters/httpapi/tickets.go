package httpapi

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	qrcode "github.com/skip2/go-qrcode"
)

// ticketCSS is the printed ticket's style: 80 mm receipt paper, or A6
// when printed on a sheet (@page), large claim code, black on white.
const ticketCSS = `@page { size: A6; margin: 6mm; }
html { background: #fff; color: #000; }
body { font: 14px/1.35 system-ui, sans-serif; margin: 0 auto; padding: 4mm; width: 72mm; max-width: 100%; }
h1 { font-size: 18px; margin: 0 0 2mm; text-align: center; letter-spacing: .05em; }
.code { font: 700 40px/1.1 ui-monospace, "DejaVu Sans Mono", monospace; letter-spacing: .12em; text-align: center; margin: 2mm 0; border: 2px solid #000; padding: 2mm 0; }
.hint { text-align: center; font-size: 12px; margin: 0 0 2mm; }
.qr { display: block; width: 48mm; height: 48mm; margin: 2mm auto; }
.link { font: 10px/1.2 ui-monospace, monospace; word-break: break-all; text-align: center; }
dl { display: grid; grid-template-columns: auto 1fr; gap: 1mm 3mm; margin: 3mm 0 0; }
dt { font-weight: 700; } dd { margin: 0; }
@media print { body { width: auto; padding: 0; } }
`

func serveTicketCSS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write([]byte(ticketCSS))
}

// ticketTemplate is the printed ticket. It loads only its style sheet:
// no script, the QR code is inline SVG.
var ticketTemplate = template.Must(template.New("ticket").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ticket {{.Code}} – {{.Booth}}</title>
<link rel="stylesheet" href="/tickets/ticket.css">
</head><body>
<main class="ticket" data-session="{{.SessionID}}">
<h1>{{.Booth}}</h1>
<p class="hint">Show this code to collect your phone</p>
<div class="code" data-claim-code="{{.Code}}">{{.CodeSpaced}}</div>
{{if .Link}}<p class="hint">Scan to watch your phone charge</p>
<svg class="qr" data-qr xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{.QRSize}} {{.QRSize}}" shape-rendering="crispEdges" role="img" aria-label="QR code of your phone's page"><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d="{{.QRPath}}"/></svg>
<p class="link" data-customer-link>{{.Link}}</p>{{end}}
<dl>
<dt>In</dt><dd data-time-in>{{.TimeIn}}</dd>
<dt>Tariff</dt><dd data-tariff>{{.Tariff}}</dd>
{{if .Label}}<dt>Name</dt><dd data-label>{{.Label}}</dd>{{end}}
<dt>Charger</dt><dd>{{.ChargerID}}{{if .WidgetID}} · widget {{.WidgetID}}{{end}}</dd>
</dl>
</main>
</body></html>
`))

type ticketData struct {
	Booth, SessionID, Code, CodeSpaced, Link, TimeIn, Tariff, Label, ChargerID, WidgetID string
	QRSize                                                                               int
	QRPath                                                                               string
}

// ticketPage is GET /tickets/{id}: the session's printable ticket, for
// staff (it holds the claim code that collects the phone).
func (a *API) ticketPage(w http.ResponseWriter, r *http.Request) {
	s, err := a.session(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if s.ClaimCode == "" {
		a.fail(w, r, domain.Errorf(domain.CodeNotFound, "session %s was opened without a ticket", s.ID))
		return
	}
	cfg := a.cfg.Tickets
	d := ticketData{Booth: cfg.BoothName, SessionID: s.ID, Code: s.ClaimCode, CodeSpaced: s.ClaimCode[:3] + " " + s.ClaimCode[3:],
		Label: s.Label, ChargerID: s.ChargerID, WidgetID: s.WidgetID, Tariff: TariffText(a.cfg.Service.Tariff())}
	if d.Booth == "" {
		d.Booth = "chargebooth"
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	d.TimeIn = s.OpenedAt.In(loc).Format("Mon 2 Jan 15:04 MST")
	if tok := a.cfg.Board.TicketToken(s.ID); tok != "" {
		d.Link = a.customerURL(r, tok)
		q, err := qrcode.New(d.Link, qrcode.Medium)
		if err != nil {
			a.fail(w, r, fmt.Errorf("qr code: %w", err))
			return
		}
		d.QRSize, d.QRPath = qrPath(q.Bitmap())
	}
	var b strings.Builder
	if err := ticketTemplate.Execute(&b, d); err != nil {
		a.fail(w, r, fmt.Errorf("ticket: %w", err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'")
	_, _ = w.Write([]byte(b.String()))
}

// qrPath draws a QR bitmap (quiet zone included) as one SVG path of unit
// squares, a run of dark modules in a row as one rectangle.
func qrPath(bm [][]bool) (int, string) {
	var b strings.Builder
	for y, row := range bm {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start, y, x-start, x-start)
		}
	}
	return len(bm), b.String()
}

// customerURL is the absolute link of a customer page: the configured
// public URL, or the request's scheme and host.
func (a *API) customerURL(r *http.Request, token string) string {
	base := strings.TrimRight(a.cfg.Tickets.PublicURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		if a.cfg.TrustForwardedProto {
			if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
				scheme = p
			}
		}
		base = scheme + "://" + r.Host
	}
	return base + "/c/" + url.PathEscape(token)
}

// TariffText says a tariff as a ticket shows it: "EUR 5.00", "EUR 2.00 +
// EUR 1.00 per started hour, at most EUR 10.00".
func TariffText(t domain.Tariff) string {
	money := func(c int64) string { return fmt.Sprintf("%s %d.%02d", t.Currency, c/100, c%100) }
	s := money(t.FlatCents)
	if t.HourlyCents > 0 {
		s += " + " + money(t.HourlyCents) + " per started hour"
	}
	if t.CapCents > 0 {
		s += ", at most " + money(t.CapCents)
	}
	return s
}
