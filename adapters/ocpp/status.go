package ocpp

import (
	"context"
	"encoding/json"
)

// StatusNotificationReq reports a connector's status (connector 0 is the
// charger as a whole).
type StatusNotificationReq struct {
	ConnectorID     *int   `json:"connectorId" validate:"required,min=0"`
	ErrorCode       string `json:"errorCode" validate:"required,oneof=ConnectorLockFailure EVCommunicationError GroundFailure HighTemperature InternalError LocalListConflict NoError OtherError OverCurrentFailure PowerMeterFailure PowerSwitchFailure ReaderFailure ResetFailure UnderVoltage OverVoltage WeakSignal"`
	Info            string `json:"info,omitempty" validate:"omitempty,max=50"`
	Status          string `json:"status" validate:"required,oneof=Available Preparing Charging SuspendedEVSE SuspendedEV Finishing Reserved Unavailable Faulted"`
	Timestamp       string `json:"timestamp,omitempty" validate:"omitempty,ocppdatetime"`
	VendorID        string `json:"vendorId,omitempty" validate:"omitempty,max=255"`
	VendorErrorCode string `json:"vendorErrorCode,omitempty" validate:"omitempty,max=50"`
}

// StatusNotificationConf is the empty StatusNotification.conf.
type StatusNotificationConf struct{}

func handleStatus(ctx context.Context, r *Router, chargerID string, payload json.RawMessage) (any, error) {
	var req StatusNotificationReq
	if err := DecodePayload(payload, &req); err != nil {
		return nil, err
	}
	ts := r.now()
	if req.Timestamp != "" {
		ts = parseDateTime(req.Timestamp)
	}
	if err := r.backend.ConnectorStatus(ctx, chargerID, *req.ConnectorID, req.Status, req.ErrorCode, req.Info, ts); err != nil {
		return nil, err
	}
	return StatusNotificationConf{}, nil
}
