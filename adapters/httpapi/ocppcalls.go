package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
	"github.com/chargebooth/chargebooth/domain"
)

// OCPPCaller sends any server-initiated OCPP call to a charger, wherever
// its socket is held, and returns the charger's CALLRESULT payload
// (relay.Relay.Call). Errors: "not_connected" and "not_ocpp" domain
// errors (409), context.DeadlineExceeded (504), a *ocpp.CallError for the
// charger's CALLERROR (502), ocpp.ErrInvalidConfirmation (502),
// ocpp.ErrInvalidRequest (400), ocpp.ErrUnknownAction (404), and domain
// store errors when the call could not be recorded (it was not sent).
type OCPPCaller interface {
	Call(ctx context.Context, chargerID, action string, payload json.RawMessage) (json.RawMessage, error)
}

// Codes of the OCPP call route.
const (
	codeOCPPCallError      = "ocpp_call_error"
	codeInvalidOCPPPayload = "invalid_ocpp_payload"
	codeInvalidOCPPAnswer  = "invalid_ocpp_answer"
)

// ocppErrorBody is the error of the OCPP call route: the usual code and
// message, and the OCPP error code and description when there is one.
type ocppErrorBody struct {
	Error ocppErrorDetail `json:"error"`
}

type ocppErrorDetail struct {
	Code                 string `json:"code"`
	Message              string `json:"message"`
	OCPPErrorCode        string `json:"ocppErrorCode,omitempty"`
	OCPPErrorDescription string `json:"ocppErrorDescription,omitempty"`
}

// ocppCallAnswer is the 200 answer: the action and the charger's
// CALLRESULT payload.
type ocppCallAnswer struct {
	ChargerID string          `json:"chargerId"`
	Action    string          `json:"action"`
	Result    json.RawMessage `json:"result"`
}

// ocppCaller is Config.OCPP, or Config.Remote when that can send any call.
func (a *API) ocppCaller() OCPPCaller {
	if a.cfg.OCPP != nil {
		return a.cfg.OCPP
	}
	if c, ok := a.cfg.Remote.(OCPPCaller); ok {
		return c
	}
	return nil
}

// ocppCall serves POST /api/chargers/{id}/ocpp/{action}: the body is the
// OCPP 1.6 request, validated against the action's schema before anything
// is sent.
func (a *API) ocppCall(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := domain.ValidateDeviceID("charger", id); err != nil {
		a.fail(w, r, err)
		return
	}
	caller := a.ocppCaller()
	if caller == nil {
		writeError(w, http.StatusNotImplemented, codeNotImplemented, "OCPP calls are not available on this server")
		return
	}
	actions := ocpp.Actions16
	if c, ok := a.cfg.Board.Charger(id, a.now()); ok {
		if set := ocpp.ActionsFor(c.Protocol); set != nil {
			actions = set
		}
	}
	name := r.PathValue("action")
	act, ok := actions.Lookup(name)
	if !ok {
		writeError(w, http.StatusNotFound, codeUnknownAction, fmt.Sprintf("%.60q is not an OCPP action the server sends; it sends %s",
			name, strings.Join(actions.Names(), ", ")))
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if err := act.CheckRequest(body); err != nil {
		writeOCPPError(w, http.StatusBadRequest, codeInvalidOCPPPayload, name+": ", err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.remoteTimeout())
	defer cancel()
	res, err := caller.Call(ctx, id, name, body)
	var ce *ocpp.CallError
	switch {
	case err == nil:
		if len(res) == 0 {
			res = json.RawMessage("{}")
		}
		writeJSON(w, http.StatusOK, ocppCallAnswer{ChargerID: id, Action: name, Result: res})
	case errors.Is(err, ocpp.ErrUnknownAction):
		writeError(w, http.StatusNotFound, codeUnknownAction, fmt.Sprintf("%s is not an OCPP action the charger's server sends", name))
	case errors.Is(err, ocpp.ErrInvalidRequest):
		writeOCPPError(w, http.StatusBadRequest, codeInvalidOCPPPayload, name+": ", err)
	case errors.Is(err, ocpp.ErrInvalidConfirmation):
		writeOCPPError(w, http.StatusBadGateway, codeInvalidOCPPAnswer, "the charger's answer breaks the "+name+" schema: ", err)
	case errors.As(err, &ce):
		writeJSON(w, http.StatusBadGateway, ocppErrorBody{Error: ocppErrorDetail{Code: codeOCPPCallError,
			Message:       fmt.Sprintf("the charger answered %s with CALLERROR %s", name, ce.Code),
			OCPPErrorCode: string(ce.Code), OCPPErrorDescription: ce.Description}})
	case errors.Is(err, context.DeadlineExceeded):
		writeError(w, http.StatusGatewayTimeout, codeTimeout, fmt.Sprintf("the charger did not answer %s in time", name))
	case domain.ErrorCode(err) != domain.CodeInternal:
		a.fail(w, r, err)
	default:
		a.log.Warn("ocpp call", "charger", id, "action", name, "err", err)
		writeError(w, http.StatusBadGateway, codeRemoteFailed, "the call to the charger failed")
	}
}

// writeOCPPError answers a schema violation: err carries the *CallError
// naming it.
func writeOCPPError(w http.ResponseWriter, status int, code, prefix string, err error) {
	d := ocppErrorDetail{Code: code, Message: prefix + "invalid"}
	var ce *ocpp.CallError
	if errors.As(err, &ce) {
		d.Message = prefix + ce.Description
		d.OCPPErrorCode, d.OCPPErrorDescription = string(ce.Code), ce.Description
	}
	writeJSON(w, status, ocppErrorBody{Error: d})
}

// timelineJSON is a charger's OCPP timeline.
type timelineJSON struct {
	ChargerID string         `json:"chargerId"`
	Timeline  []domain.Event `json:"timeline"`
}

// chargerTimeline serves GET /api/chargers/{id}/timeline: the charger's
// latest OCPP events (the calls the server sent and what the charger
// answered, the boot configuration's results), oldest first.
func (a *API) chargerTimeline(w http.ResponseWriter, r *http.Request) {
	c, ok := a.knownCharger(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, timelineJSON{ChargerID: c.ChargerID, Timeline: a.cfg.Board.Timeline(c.ChargerID)})
}
