package ocpp

import (
	"context"
	"encoding/json"
	"strconv"
)

// StartTransactionReq reports that a charger started a transaction.
type StartTransactionReq struct {
	ConnectorID   *int    `json:"connectorId" validate:"required,min=1"`
	IDTag         *string `json:"idTag" validate:"required,max=20"`
	MeterStart    *int    `json:"meterStart" validate:"required"`
	ReservationID *int    `json:"reservationId,omitempty"`
	Timestamp     *string `json:"timestamp" validate:"required,ocppdatetime"`
}

// StartTransactionConf answers a StartTransaction with the transaction id.
type StartTransactionConf struct {
	IDTagInfo     IDTagInfo `json:"idTagInfo" validate:"required"`
	TransactionID int       `json:"transactionId"`
}

func handleStart(ctx context.Context, r *Router, chargerID string, payload json.RawMessage) (any, error) {
	var req StartTransactionReq
	if err := DecodePayload(payload, &req); err != nil {
		return nil, err
	}
	ts := parseDateTime(*req.Timestamp)
	tx := StartTx{
		ConnectorID:   *req.ConnectorID,
		IDTag:         *req.IDTag,
		MeterStart:    *req.MeterStart,
		ReservationID: req.ReservationID,
		Timestamp:     ts,
		EventID: eventID(chargerID, "StartTransaction",
			strconv.Itoa(*req.ConnectorID), *req.IDTag, strconv.Itoa(*req.MeterStart),
			canonInt(req.ReservationID), canonTime(ts)),
	}
	id, auth, err := r.backend.StartTransaction(ctx, chargerID, tx)
	if err != nil {
		return nil, err
	}
	return StartTransactionConf{IDTagInfo: authInfo(auth), TransactionID: id}, nil
}
