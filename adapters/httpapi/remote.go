package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// defaultRemoteTimeout bounds a remote call when Config.RemoteTimeout is 0.
const defaultRemoteTimeout = 30 * time.Second

func (a *API) remoteTimeout() time.Duration {
	if a.cfg.RemoteTimeout > 0 {
		return a.cfg.RemoteTimeout
	}
	return defaultRemoteTimeout
}

// maxIDTag is OCPP 1.6's IdToken length.
const maxIDTag = 20

type remoteStartRequest struct {
	IDTag       string   `json:"idTag"`
	ConnectorID intField `json:"connectorId"`
}

type remoteStopRequest struct {
	TransactionID intField `json:"transactionId"`
}

// remoteAnswer is what the remote routes return: the charger's answer.
type remoteAnswer struct {
	ChargerID string          `json:"chargerId"`
	Response  json.RawMessage `json:"response"`
}

func (a *API) remoteStart(w http.ResponseWriter, r *http.Request) {
	id, ok := a.remoteCharger(w, r)
	if !ok {
		return
	}
	var req remoteStartRequest
	if err := decodeRequest(w, r, &req, false); err != nil {
		a.fail(w, r, err)
		return
	}
	req.IDTag = strings.TrimSpace(req.IDTag)
	if req.IDTag == "" || len(req.IDTag) > maxIDTag {
		a.fail(w, r, domain.Errorf(domain.CodeInvalidInput, "idTag must hold 1 to %d characters", maxIDTag))
		return
	}
	if err := domain.CheckText("idTag", req.IDTag, false); err != nil {
		a.fail(w, r, err)
		return
	}
	conn := 0
	if req.ConnectorID.set {
		if req.ConnectorID.n < 1 {
			a.fail(w, r, domain.Errorf(domain.CodeInvalidInput, "connectorId must be 1 or more"))
			return
		}
		conn = req.ConnectorID.n
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.remoteTimeout())
	defer cancel()
	resp, err := a.cfg.Remote.RemoteStart(ctx, id, req.IDTag, conn)
	a.remoteDone(w, r, id, resp, err)
}

func (a *API) remoteStop(w http.ResponseWriter, r *http.Request) {
	id, ok := a.remoteCharger(w, r)
	if !ok {
		return
	}
	var req remoteStopRequest
	if err := decodeRequest(w, r, &req, true); err != nil {
		a.fail(w, r, err)
		return
	}
	tx := req.TransactionID.n
	if !req.TransactionID.set {
		// Without an id, stop the transaction of the charger's open session.
		c, ok := a.cfg.Board.Charger(id, a.now())
		if !ok || c.Session == nil || c.Session.TransactionID == 0 {
			a.fail(w, r, domain.Errorf(domain.CodeNoSession, "charger %s has no running transaction; give a transactionId", id))
			return
		}
		tx = c.Session.TransactionID
	}
	if tx < 1 {
		a.fail(w, r, domain.Errorf(domain.CodeInvalidInput, "transactionId must be 1 or more"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.remoteTimeout())
	defer cancel()
	resp, err := a.cfg.Remote.RemoteStop(ctx, id, tx)
	a.remoteDone(w, r, id, resp, err)
}

// remoteCharger validates the path's charger id and that remote calls are
// wired at all.
func (a *API) remoteCharger(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if err := domain.ValidateDeviceID("charger", id); err != nil {
		a.fail(w, r, err)
		return "", false
	}
	if a.cfg.Remote == nil {
		writeError(w, http.StatusNotImplemented, codeNotImplemented, "remote start and stop are not available on this server")
		return "", false
	}
	return id, true
}

func (a *API) remoteDone(w http.ResponseWriter, r *http.Request, id string, resp json.RawMessage, err error) {
	switch {
	case err == nil:
		if len(resp) == 0 {
			resp = json.RawMessage("{}")
		}
		writeJSON(w, http.StatusOK, remoteAnswer{ChargerID: id, Response: resp})
	case errors.Is(err, context.DeadlineExceeded):
		writeError(w, http.StatusGatewayTimeout, codeTimeout, "the charger did not answer in time")
	case domain.ErrorCode(err) != domain.CodeInternal:
		a.fail(w, r, err)
	default:
		a.log.Warn("remote call", "charger", id, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusBadGateway, codeRemoteFailed, "the call to the charger failed")
	}
}
