package httpapi

import (
	"net/http"
	"time"
	_ "time/tzdata" // notices resolve IANA zones even on a box without zoneinfo

	"github.com/chargebooth/chargebooth/domain"
)

type noticeRequest struct {
	At       string `json:"at"`
	TimeZone string `json:"timeZone"`
	Text     string `json:"text"`
}

func (a *API) listNotices(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"notices": a.cfg.Board.Notices()})
}

func (a *API) scheduleNotice(w http.ResponseWriter, r *http.Request) {
	var req noticeRequest
	if err := decodeRequest(w, r, &req, false); err != nil {
		a.fail(w, r, err)
		return
	}
	events, err := a.cfg.Service.OnNotices(r.Context(), func(n *domain.Notices, x domain.Ctx) ([]domain.Event, error) {
		return n.Schedule(x, req.At, req.TimeZone, req.Text, loadLocation)
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var out domain.Notice
	for _, e := range events {
		if d, ok := e.Data.(domain.NoticeScheduled); ok {
			out = domain.Notice{NoticeScheduled: d}
		}
	}
	a.waitApplied(r.Context(), events)
	writeJSON(w, http.StatusCreated, out)
}

// loadLocation resolves an IANA zone name; "Local" and "" are refused so
// that a notice never depends on the server's own zone setting.
func loadLocation(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, domain.Errorf(domain.CodeInvalidInput, "unknown timeZone %q", name)
	}
	return time.LoadLocation(name)
}
