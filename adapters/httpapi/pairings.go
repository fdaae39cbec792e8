package httpapi

import (
	"net/http"

	"github.com/chargebooth/chargebooth/domain"
)

type pairingRequest struct {
	WidgetID string `json:"widgetId"`
}

func (a *API) listPairings(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"pairings": a.cfg.Board.Pairings()})
}

func (a *API) getPairing(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("chargerId")
	if err := domain.ValidateDeviceID("charger", id); err != nil {
		a.fail(w, r, err)
		return
	}
	wid := a.cfg.Board.WidgetOf(id)
	if wid == "" {
		a.fail(w, r, domain.Errorf(domain.CodeNotFound, "charger %s has no paired widget", id))
		return
	}
	writeJSON(w, http.StatusOK, domain.Pair{ChargerID: id, WidgetID: wid})
}

func (a *API) putPairing(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("chargerId")
	if err := domain.ValidateDeviceID("charger", id); err != nil {
		a.fail(w, r, err)
		return
	}
	var req pairingRequest
	if err := decodeRequest(w, r, &req, false); err != nil {
		a.fail(w, r, err)
		return
	}
	events, err := a.cfg.Service.OnPairings(r.Context(), func(p *domain.Pairings, x domain.Ctx) ([]domain.Event, error) {
		return p.Set(x, id, req.WidgetID, false)
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.waitApplied(r.Context(), events)
	writeJSON(w, http.StatusOK, domain.Pair{ChargerID: id, WidgetID: req.WidgetID})
}

func (a *API) deletePairing(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("chargerId")
	if err := domain.ValidateDeviceID("charger", id); err != nil {
		a.fail(w, r, err)
		return
	}
	events, err := a.cfg.Service.OnPairings(r.Context(), func(p *domain.Pairings, x domain.Ctx) ([]domain.Event, error) {
		return p.Remove(x, id)
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.waitApplied(r.Context(), events)
	w.WriteHeader(http.StatusNoContent)
}
