package httpapi

import (
	"context"
	"net/http"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

// maxSessionIDLen bounds a session id in a path (they are 26-character
// ULIDs).
const maxSessionIDLen = 64

// sessionDetail is one session with its whole event timeline.
type sessionDetail struct {
	projections.SessionView
	Timeline []domain.Event `json:"timeline"`
}

type checkInRequest struct {
	ChargerID string `json:"chargerId"`
	WidgetID  string `json:"widgetId"` // the widget handed out (optional)
	Label     string `json:"label"`    // the customer's label (optional)
}

func validSessionID(id string) error {
	if id == "" || len(id) > maxSessionIDLen {
		return domain.Errorf(domain.CodeInvalidID, "session id must hold 1 to %d letters and digits", maxSessionIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return domain.Errorf(domain.CodeInvalidID, "session id must hold 1 to %d letters and digits", maxSessionIDLen)
		}
	}
	return nil
}

// session finds a session on the board by its path id.
func (a *API) session(r *http.Request) (projections.SessionView, error) {
	id := r.PathValue("id")
	if err := validSessionID(id); err != nil {
		return projections.SessionView{}, err
	}
	s, ok := a.cfg.Board.Session(id, a.now())
	if !ok {
		return projections.SessionView{}, domain.Errorf(domain.CodeNotFound, "session %s is not known", id)
	}
	return s, nil
}

func (a *API) listSessions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := projections.SessionFilter{State: q.Get("state"), ChargerID: q.Get("charger"), Status: q.Get("status")}
	for k := range q {
		if k != "state" && k != "charger" && k != "status" {
			a.fail(w, r, domain.Errorf(domain.CodeInvalidInput, "unknown query parameter %q (use state, charger and status)", k))
			return
		}
	}
	if f.Status != "" && f.Status != projections.StatusUnclaimed {
		a.fail(w, r, domain.Errorf(domain.CodeInvalidInput, "status must be %q", projections.StatusUnclaimed))
		return
	}
	if f.State != "" && f.State != projections.StateOpen && f.State != projections.StateClosed {
		a.fail(w, r, domain.Errorf(domain.CodeInvalidInput, "state must be %q or %q", projections.StateOpen, projections.StateClosed))
		return
	}
	if q.Has("charger") {
		if err := domain.ValidateDeviceID("charger", f.ChargerID); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	list := a.cfg.Board.Sessions(f, a.now())
	if list == nil {
		list = []projections.SessionView{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": list})
}

func (a *API) getSession(w http.ResponseWriter, r *http.Request) {
	s, err := a.session(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	tl, err := a.timeline(r.Context(), s)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sessionDetail{SessionView: s, Timeline: tl})
}

// timeline reads the session's events from the store, oldest first: the
// charger's events from the session's opening on, kept when they carry the
// session's id.
func (a *API) timeline(ctx context.Context, s projections.SessionView) ([]domain.Event, error) {
	after := uint64(0)
	if s.Seq > 0 {
		after = s.Seq - 1
	}
	events, err := a.cfg.Store.Load(ctx, domain.ChargerKey(s.ChargerID), after)
	if err != nil {
		return nil, err
	}
	out := []domain.Event{}
	for _, e := range events {
		if e.SessionID == s.ID {
			out = append(out, e)
		}
	}
	return out, nil
}

func (a *API) checkIn(w http.ResponseWriter, r *http.Request) {
	var req checkInRequest
	if err := decodeRequest(w, r, &req, false); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := domain.ValidateDeviceID("charger", req.ChargerID); err != nil {
		a.fail(w, r, err)
		return
	}
	events, err := a.cfg.Service.CheckInWith(r.Context(), req.ChargerID, domain.CheckIn{WidgetID: req.WidgetID, Label: req.Label})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if len(events) == 0 {
		a.fail(w, r, domain.Errorf(domain.CodeInternal, "check-in stored nothing"))
		return
	}
	writeJSON(w, http.StatusCreated, a.sessionAfter(r.Context(), events, req.ChargerID, events[0].SessionID))
}

// sessionAfter waits for the board to apply events and returns the session
// as the board has it then.
func (a *API) sessionAfter(ctx context.Context, events []domain.Event, chargerID, sessionID string) projections.SessionView {
	a.waitApplied(ctx, events)
	if s, ok := a.cfg.Board.Session(sessionID, a.now()); ok {
		return s
	}
	// The board did not catch up in time: answer what is certain.
	return projections.SessionView{ID: sessionID, ChargerID: chargerID, State: projections.StateOpen}
}
