package ocpp

import (
	"context"
	"encoding/json"
)

// ActionDataTransfer carries vendor-specific data, in either direction.
const ActionDataTransfer = "DataTransfer"

// DataTransferReq carries vendor-specific data.
type DataTransferReq struct {
	VendorID  *string `json:"vendorId" validate:"required,max=255"`
	MessageID string  `json:"messageId,omitempty" validate:"omitempty,max=50"`
	Data      string  `json:"data,omitempty"`
}

// DataTransferConf answers a DataTransfer.
type DataTransferConf struct {
	Status string `json:"status" validate:"required,oneof=Accepted Rejected UnknownMessageId UnknownVendorId"`
	Data   string `json:"data,omitempty"`
}

// handleDataTransfer answers UnknownVendorId: chargebooth knows no vendor
// extensions. The Backend is not called.
func handleDataTransfer(_ context.Context, _ *Router, _ string, payload json.RawMessage) (any, error) {
	var req DataTransferReq
	if err := DecodePayload(payload, &req); err != nil {
		return nil, err
	}
	return DataTransferConf{Status: "UnknownVendorId"}, nil
}
