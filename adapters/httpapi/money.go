package httpapi

import (
	"bytes"
	"net/http"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

// maxShiftIDLen bounds a shift or payment id in a path (they are
// 26-character ULIDs).
const maxShiftIDLen = maxSessionIDLen

type voidRequest struct {
	Reason string `json:"reason"`
}

type refundRequest struct {
	AmountCents *cents `json:"amountCents"`
	Method      string `json:"method"`
	Reason      string `json:"reason"`
	Till        string `json:"till"`
}

type openShiftRequest struct {
	Till       string       `json:"till"`
	FloatCents *amountField `json:"floatCents"`
}

type closeShiftRequest struct {
	CountedCents counted `json:"countedCents"`
	Note         string  `json:"note"`
}

// amountField is an amount in cents of a shift (a float, a counted sum):
// a JSON integer, refused with invalid_amount otherwise.
type amountField int64

// UnmarshalJSON implements json.Unmarshaler.
func (c *amountField) UnmarshalJSON(b []byte) error {
	n, err := parseCents(b, "an amount")
	if err != nil {
		return err
	}
	*c = amountField(n)
	return nil
}

// counted is what was counted at a shift's close: a number (the cash) or
// an object of amounts by method ({"cash":12450,"card":3000}).
type counted map[string]int64

// UnmarshalJSON implements json.Unmarshaler.
func (c *counted) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, "{") {
		var m map[string]amountField
		if err := jsonv2.Unmarshal(b, &m, jsonv2.RejectUnknownMembers(true)); err != nil {
			if de := domainErr(err); de != nil {
				return de
			}
			return domain.Errorf(domain.CodeInvalidInput, "countedCents must be the counted cash in cents or an object of cents by method")
		}
		*c = counted{}
		for k, v := range m {
			(*c)[k] = int64(v)
		}
		return nil
	}
	var v amountField
	if err := v.UnmarshalJSON(b); err != nil {
		return err
	}
	*c = counted{domain.MethodCash: int64(v)}
	return nil
}

// domainErr returns the domain error in err's chain, or nil.
func domainErr(err error) error {
	if domain.ErrorCode(err) == domain.CodeInternal {
		return nil
	}
	return err
}

// decodeVoid decodes a void body strictly.
func decodeVoid(body []byte) (domain.Void, error) {
	var req voidRequest
	if err := decodeJSON(body, &req); err != nil {
		return domain.Void{}, err
	}
	return domain.Void{Reason: req.Reason}, nil
}

// decodeRefund decodes a refund body strictly.
func decodeRefund(body []byte) (domain.Refund, error) {
	var req refundRequest
	if err := decodeJSON(body, &req); err != nil {
		return domain.Refund{}, err
	}
	if req.AmountCents == nil {
		return domain.Refund{}, domain.Errorf(domain.CodeInvalidAmount, "amountCents is required (a whole number of cents)")
	}
	return domain.Refund{AmountCents: int64(*req.AmountCents), Method: req.Method, Reason: req.Reason, Till: req.Till}, nil
}

// decodeOpenShift decodes a shift's opening body strictly: the till
// (default "main") and the float (default 0). An empty body takes both
// defaults.
func decodeOpenShift(body []byte) (till string, float int64, err error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return "", 0, nil
	}
	var req openShiftRequest
	if err := decodeJSON(body, &req); err != nil {
		return "", 0, err
	}
	if req.FloatCents != nil {
		float = int64(*req.FloatCents)
	}
	return req.Till, float, nil
}

// decodeCloseShift decodes a shift's close body strictly.
func decodeCloseShift(body []byte) (map[string]int64, string, error) {
	var req closeShiftRequest
	if err := decodeJSON(body, &req); err != nil {
		return nil, "", err
	}
	if len(req.CountedCents) == 0 {
		return nil, "", domain.Errorf(domain.CodeInvalidInput, "countedCents is required: the counted cash in cents, or an object of cents by method")
	}
	return req.CountedCents, req.Note, nil
}

// shiftFor resolves the till shift money goes into: the open shift of the
// named till (409 when it has none); with no till, the one open shift, or
// none when no shift is open (409 when several are: say which till).
func (a *API) shiftFor(till string) (id, name string, err error) {
	open := a.cfg.Board.OpenShifts()
	if till != "" {
		if err := domain.ValidateTill(till); err != nil {
			return "", "", err
		}
		for _, s := range open {
			if s.Till == till {
				return s.ID, s.Till, nil
			}
		}
		return "", "", domain.Errorf(domain.CodeNoOpenShift, "till %s has no open shift; open one (POST /api/shifts) or name another till", till)
	}
	switch len(open) {
	case 0:
		return "", "", nil
	case 1:
		return open[0].ID, open[0].Till, nil
	}
	names := make([]string, len(open))
	for i, s := range open {
		names[i] = s.Till
	}
	return "", "", domain.Errorf(domain.CodeTillRequired, "%d shifts are open (%s): say which till", len(open), strings.Join(names, ", "))
}

func (a *API) voidPayment(w http.ResponseWriter, r *http.Request) {
	v, err := readDecoded(w, r, decodeVoid)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v.PaymentID = r.PathValue("paymentId")
	if err := validSessionID(v.PaymentID); err != nil {
		a.fail(w, r, domain.Errorf(domain.CodeInvalidID, "payment id must hold 1 to %d letters and digits", maxShiftIDLen))
		return
	}
	s, err := a.session(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.decideOnSession(w, r, s, http.StatusCreated, http.StatusCreated, func(c *domain.Charger, x domain.Ctx, t domain.Tariff) ([]domain.Event, error) {
		return c.VoidPayment(x, t, s.ID, v)
	})
}

func (a *API) refundSession(w http.ResponseWriter, r *http.Request) {
	rf, err := readDecoded(w, r, decodeRefund)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	s, shiftID, till, err := a.sessionAndShift(r, rf.Till)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rf.ShiftID, rf.Till = shiftID, till
	a.decideOnSession(w, r, s, http.StatusCreated, http.StatusCreated, func(c *domain.Charger, x domain.Ctx, t domain.Tariff) ([]domain.Event, error) {
		return c.RefundSession(x, t, s.ID, rf)
	})
}

// shiftInfo is a shift as the API lists it.
type shiftInfo struct {
	projections.ShiftView
	// OpenAtClosing is set on a shift still open that was opened before
	// the booth's last closing time (--closes-at).
	OpenAtClosing bool `json:"openAtClosing"`
}

func (a *API) shiftInfoOf(s projections.ShiftView) shiftInfo {
	out := shiftInfo{ShiftView: s}
	if c := a.cfg.Closing; c != nil && s.Open {
		out.OpenAtClosing = s.OpenedAt.Before(c.Last(a.now()))
	}
	return out
}

func (a *API) listShifts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		if k != "state" {
			a.fail(w, r, domain.Errorf(domain.CodeInvalidInput, "unknown query parameter %q (use state)", k))
			return
		}
	}
	state := q.Get("state")
	if state != "" && state != projections.StateOpen && state != projections.StateClosed {
		a.fail(w, r, domain.Errorf(domain.CodeInvalidInput, "state must be %q or %q", projections.StateOpen, projections.StateClosed))
		return
	}
	out := []shiftInfo{}
	for _, s := range a.cfg.Board.Shifts() {
		if state == projections.StateOpen && !s.Open || state == projections.StateClosed && s.Open {
			continue
		}
		out = append(out, a.shiftInfoOf(s))
	}
	res := map[string]any{"shifts": out}
	if c := a.cfg.Closing; c != nil {
		res["closesAt"] = c.String()
		res["lastClosing"] = c.Last(a.now()).UTC()
	}
	writeJSON(w, http.StatusOK, res)
}

// shiftByPath finds the shift named by the path's id.
func (a *API) shiftByPath(r *http.Request) (projections.ShiftReport, error) {
	id := r.PathValue("id")
	if err := validSessionID(id); err != nil {
		return projections.ShiftReport{}, domain.Errorf(domain.CodeInvalidID, "shift id must hold 1 to %d letters and digits", maxShiftIDLen)
	}
	rep, ok := a.cfg.Board.ShiftReport(id)
	if !ok {
		return rep, domain.Errorf(domain.CodeNotFound, "shift %s is not known", id)
	}
	return rep, nil
}

func (a *API) getShift(w http.ResponseWriter, r *http.Request) {
	rep, err := a.shiftByPath(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.shiftInfoOf(rep.Shift))
}

func (a *API) openShift(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	till, float, err := decodeOpenShift(body)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	t := a.cfg.Service.Tariff()
	events, err := a.cfg.Service.OnShifts(r.Context(), func(s *domain.Shifts, x domain.Ctx) ([]domain.Event, error) {
		return s.Open(x, t, till, float)
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.waitApplied(r.Context(), events)
	id := events[0].Data.(domain.ShiftOpened).ShiftID
	rep, _ := a.cfg.Board.ShiftReport(id)
	writeJSON(w, http.StatusCreated, a.shiftInfoOf(rep.Shift))
}

func (a *API) closeShift(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	counted, note, err := decodeCloseShift(body)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rep, err := a.shiftByPath(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	expected := rep.Expected()
	events, err := a.cfg.Service.OnShifts(r.Context(), func(s *domain.Shifts, x domain.Ctx) ([]domain.Event, error) {
		return s.Close(x, rep.Shift.ID, counted, expected, note)
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.waitApplied(r.Context(), events)
	rep, _ = a.cfg.Board.ShiftReport(rep.Shift.ID)
	writeJSON(w, http.StatusOK, rep)
}

func (a *API) shiftReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		if k != "format" {
			a.fail(w, r, domain.Errorf(domain.CodeInvalidInput, "unknown query parameter %q (use format)", k))
			return
		}
	}
	if f := q.Get("format"); f != "" && f != "csv" && f != "json" && f != "html" {
		a.fail(w, r, domain.Errorf(domain.CodeInvalidInput, "format must be json, csv or html"))
		return
	}
	rep, err := a.shiftByPath(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	h := w.Header()
	switch {
	case wantsHTML(r):
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self' 'unsafe-inline'")
		w.WriteHeader(http.StatusOK)
		_ = shiftPage.Execute(w, pageOf(rep))
	case wantsCSV(r):
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Disposition", `attachment; filename="shift-`+rep.Shift.ID+`.csv"`)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(rep.CSV())
	default:
		writeJSON(w, http.StatusOK, rep)
	}
}

// wantsHTML reports whether the client asked for the printable page, by
// ?format=html or an Accept that names text/html before any JSON or CSV.
func wantsHTML(r *http.Request) bool {
	if f := r.URL.Query().Get("format"); f != "" {
		return f == "html"
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.TrimSpace(mt) {
		case "text/html":
			return true
		case "application/json", "text/csv":
			return false
		}
	}
	return false
}

// moneyRoutes registers the corrections and till shift routes.
func (a *API) moneyRoutes() {
	a.handle("POST /api/sessions/{id}/payments/{paymentId}/void", RoleLead, a.voidPayment)
	a.handle("POST /api/sessions/{id}/refunds", RoleLead, a.refundSession)
	a.handle("GET /api/shifts", RoleStaff, a.listShifts)
	a.handle("POST /api/shifts", RoleStaff, a.openShift)
	a.handle("GET /api/shifts/{id}", RoleStaff, a.getShift)
	a.handle("POST /api/shifts/{id}/close", RoleLead, a.closeShift)
	a.handle("GET /api/shifts/{id}/report", RoleStaff, a.shiftReport)
}
