package httpapi

import (
	"net/http"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

// sessionDecision is a decision on a session's charger, given the booth's
// tariff.
type sessionDecision func(c *domain.Charger, x domain.Ctx, t domain.Tariff) ([]domain.Event, error)

// readDecoded reads the request's body (bounded, see readBody) and decodes
// it with decode.
func readDecoded[T any](w http.ResponseWriter, r *http.Request, decode func([]byte) (T, error)) (T, error) {
	body, err := readBody(w, r)
	if err != nil {
		var zero T
		return zero, err
	}
	return decode(body)
}

// sessionAndShift finds the path's session and then the till shift money
// into it goes to (see shiftFor), in that order.
func (a *API) sessionAndShift(r *http.Request, till string) (s projections.SessionView, shiftID, shiftTill string, err error) {
	if s, err = a.session(r); err != nil {
		return s, "", "", err
	}
	shiftID, shiftTill, err = a.shiftFor(till)
	return s, shiftID, shiftTill, err
}

// decideOnSession runs decide on session s's charger with the booth's
// tariff and answers the session as it stands after: with status, or with
// replayed when decide appended nothing (a replay of a command already
// done). A refusal is answered as such.
func (a *API) decideOnSession(w http.ResponseWriter, r *http.Request, s projections.SessionView, status, replayed int, decide sessionDecision) {
	t := a.cfg.Service.Tariff()
	events, err := a.cfg.Service.OnCharger(r.Context(), s.ChargerID, func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return decide(c, x, t)
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if len(events) == 0 {
		status = replayed
	}
	writeJSON(w, status, a.sessionAfter(r.Context(), events, s.ChargerID, s.ID))
}
