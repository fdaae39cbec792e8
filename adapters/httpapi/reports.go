package httpapi

import (
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// dateLayout is the day form a report bound may take.
const dateLayout = "2006-01-02"

// maxReportRange bounds a report's range.
const maxReportRange = 366 * 24 * time.Hour

// reportRange reads from and to: RFC 3339 times, or dates (UTC days; a to
// date includes its whole day). Without from and to the range is the last
// 24 hours (up to the next whole second, so that what happened just now
// counts); with only one, the other is 24 hours away.
func reportRange(from, to string, now time.Time) (time.Time, time.Time, error) {
	var f, t time.Time
	var err error
	if to != "" {
		if t, err = parseBound("to", to, true); err != nil {
			return f, t, err
		}
	}
	if from != "" {
		if f, err = parseBound("from", from, false); err != nil {
			return f, t, err
		}
	}
	switch {
	case from == "" && to == "":
		// Up to and including now, on a whole second.
		t = now.Add(time.Second).Truncate(time.Second)
		f = t.Add(-24 * time.Hour)
	case from == "":
		f = t.Add(-24 * time.Hour)
	case to == "":
		t = f.Add(24 * time.Hour)
	}
	if !f.Before(t) {
		return f, t, domain.Errorf(domain.CodeInvalidInput, "from must be before to")
	}
	if t.Sub(f) > maxReportRange {
		return f, t, domain.Errorf(domain.CodeInvalidInput, "the range may span at most 366 days")
	}
	return f, t, nil
}

func parseBound(name, v string, end bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if d, err := time.Parse(dateLayout, v); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	return time.Time{}, domain.Errorf(domain.CodeInvalidInput,
		"%s must be an RFC 3339 time (2026-07-04T21:00:00Z) or a date (2026-07-04), got %.60q", name, v)
}

// wantsCSV reports whether the client asked for CSV, by Accept or
// ?format=csv.
func wantsCSV(r *http.Request) bool {
	if f := r.URL.Query().Get("format"); f != "" {
		return f == "csv"
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "text/csv" {
			return true
		}
	}
	return false
}

func (a *API) reconciliation(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		if k != "from" && k != "to" && k != "format" {
			a.fail(w, r, domain.Errorf(domain.CodeInvalidInput, "unknown query parameter %q (use from, to and format)", k))
			return
		}
	}
	if f := q.Get("format"); f != "" && f != "csv" && f != "json" {
		a.fail(w, r, domain.Errorf(domain.CodeInvalidInput, "format must be csv or json"))
		return
	}
	now := a.now()
	from, to, err := reportRange(q.Get("from"), q.Get("to"), now)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rep := a.cfg.Board.Reconcile(from, to, now)
	if !wantsCSV(r) {
		writeJSON(w, http.StatusOK, rep)
		return
	}
	body := rep.CSV()
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", `attachment; filename="reconciliation-`+rep.From.Format("20060102T150405Z")+
		"-"+rep.To.Format("20060102T150405Z")+`.csv"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}
