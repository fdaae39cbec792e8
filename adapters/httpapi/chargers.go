package httpapi

import (
	"net/http"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
)

// chargerJSON is one charger as notes/api.md shapes it.
type chargerJSON struct {
	ChargerID    string                   `json:"chargerId"`
	WidgetID     string                   `json:"widgetId"`
	Online       bool                     `json:"online"`
	WidgetOnline bool                     `json:"widgetOnline"`
	SoC          *float64                 `json:"soc"`
	Status       domain.Status            `json:"status"`
	SessionID    string                   `json:"sessionId"`
	LastSeen     *time.Time               `json:"lastSeen"`
	Protocol     string                   `json:"protocol"`
	Overdue      bool                     `json:"overdue"`
	Session      *projections.SessionView `json:"session"`
	Meta         *domain.ChargerBooted    `json:"meta"`
	Connectors   []connectorJSON          `json:"connectors"`
}

type connectorJSON struct {
	ConnectorID int    `json:"connectorId"`
	Status      string `json:"status"`
	ErrorCode   string `json:"errorCode"`
	Info        string `json:"info,omitempty"`
	// Timestamp is the charger's time of the status, when known.
	Timestamp *time.Time `json:"timestamp,omitempty"`
}

func toChargerJSON(c projections.ChargerInfo) chargerJSON {
	out := chargerJSON{ChargerID: c.ChargerID, WidgetID: c.WidgetID, Online: c.Online, WidgetOnline: c.WidgetOnline,
		SoC: c.SoC, Status: c.Status, SessionID: c.SessionID, Protocol: c.Protocol, Overdue: c.Overdue,
		Session: c.Session, Meta: c.Meta, Connectors: make([]connectorJSON, 0, len(c.ConnectorList))}
	if !c.LastSeen.IsZero() {
		t := c.LastSeen
		out.LastSeen = &t
	}
	for _, k := range c.ConnectorList {
		out.Connectors = append(out.Connectors, connectorJSON(k))
	}
	return out
}

func (a *API) listChargers(w http.ResponseWriter, r *http.Request) {
	list := a.cfg.Board.Chargers(a.now())
	out := make([]chargerJSON, 0, len(list))
	for _, c := range list {
		out = append(out, toChargerJSON(c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"chargers": out})
}

func (a *API) getCharger(w http.ResponseWriter, r *http.Request) {
	if c, ok := a.knownCharger(w, r); ok {
		writeJSON(w, http.StatusOK, toChargerJSON(c))
	}
}

// knownCharger returns the charger the path's {id} names, or answers 400
// (a bad id) or 404 (unknown) and reports false.
func (a *API) knownCharger(w http.ResponseWriter, r *http.Request) (projections.ChargerInfo, bool) {
	id := r.PathValue("id")
	if err := domain.ValidateDeviceID("charger", id); err != nil {
		a.fail(w, r, err)
		return projections.ChargerInfo{}, false
	}
	c, ok := a.cfg.Board.Charger(id, a.now())
	if !ok {
		a.fail(w, r, domain.Errorf(domain.CodeNotFound, "charger %s is not known", id))
	}
	return c, ok
}
