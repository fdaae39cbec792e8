package ocpp

import (
	"context"
	"encoding/json"
	"strconv"
)

// StopTransactionReq reports that a charger stopped a transaction.
// TransactionData is validated but not forwarded.
type StopTransactionReq struct {
	IDTag           string            `json:"idTag,omitempty" validate:"omitempty,max=20"`
	MeterStop       *int              `json:"meterStop" validate:"required"`
	Timestamp       *string           `json:"timestamp" validate:"required,ocppdatetime"`
	TransactionID   *int              `json:"transactionId" validate:"required"`
	Reason          string            `json:"reason,omitempty" validate:"omitempty,oneof=EmergencyStop EVDisconnected HardReset Local Other PowerLoss Reboot Remote SoftReset UnlockCommand DeAuthorized"`
	TransactionData []TransactionData `json:"transactionData,omitempty" validate:"omitempty,dive"`
}

// TransactionData is one meter value in StopTransaction.req; unlike
// MeterValue its sampledValue may be empty.
type TransactionData struct {
	Timestamp    *string        `json:"timestamp" validate:"required,ocppdatetime"`
	SampledValue []SampledValue `json:"sampledValue" validate:"required,dive"`
}

// StopTransactionConf answers a StopTransaction; IDTagInfo is optional.
type StopTransactionConf struct {
	IDTagInfo *IDTagInfo `json:"idTagInfo,omitempty"`
}

func handleStop(ctx context.Context, r *Router, chargerID string, payload json.RawMessage) (any, error) {
	var req StopTransactionReq
	if err := DecodePayload(payload, &req); err != nil {
		return nil, err
	}
	ts := parseDateTime(*req.Timestamp)
	tx := StopTx{
		TransactionID: *req.TransactionID,
		IDTag:         req.IDTag,
		MeterStop:     *req.MeterStop,
		Timestamp:     ts,
		Reason:        req.Reason,
		EventID: eventID(chargerID, "StopTransaction",
			strconv.Itoa(*req.TransactionID), strconv.Itoa(*req.MeterStop), canonTime(ts),
			req.IDTag, req.Reason),
	}
	status, err := r.backend.StopTransaction(ctx, chargerID, tx)
	if err != nil {
		return nil, err
	}
	if status == "" {
		return StopTransactionConf{}, nil
	}
	info := idTagInfo(knownStatus(status))
	return StopTransactionConf{IDTagInfo: &info}, nil
}
