package ocpp

import (
	"context"
	"encoding/json"
	"math"
)

// BootNotificationReq is the BootNotification.req a charger sends when it
// starts.
type BootNotificationReq struct {
	ChargePointVendor       *string `json:"chargePointVendor" validate:"required,max=20"`
	ChargePointModel        *string `json:"chargePointModel" validate:"required,max=20"`
	ChargePointSerialNumber string  `json:"chargePointSerialNumber,omitempty" validate:"omitempty,max=25"`
	ChargeBoxSerialNumber   string  `json:"chargeBoxSerialNumber,omitempty" validate:"omitempty,max=25"`
	FirmwareVersion         string  `json:"firmwareVersion,omitempty" validate:"omitempty,max=50"`
	Iccid                   string  `json:"iccid,omitempty" validate:"omitempty,max=20"`
	Imsi                    string  `json:"imsi,omitempty" validate:"omitempty,max=20"`
	MeterType               string  `json:"meterType,omitempty" validate:"omitempty,max=25"`
	MeterSerialNumber       string  `json:"meterSerialNumber,omitempty" validate:"omitempty,max=25"`
}

// BootNotificationConf answers a BootNotification.
type BootNotificationConf struct {
	CurrentTime string       `json:"currentTime" validate:"required,ocppdatetime"`
	Interval    int          `json:"interval" validate:"min=0"`
	Status      BootDecision `json:"status" validate:"required,oneof=Accepted Pending Rejected"`
}

func handleBoot(ctx context.Context, r *Router, chargerID string, payload json.RawMessage) (any, error) {
	var req BootNotificationReq
	if err := DecodePayload(payload, &req); err != nil {
		return nil, err
	}
	decision, err := r.backend.Boot(ctx, chargerID, BootInfo{
		Vendor:                  *req.ChargePointVendor,
		Model:                   *req.ChargePointModel,
		ChargePointSerialNumber: req.ChargePointSerialNumber,
		ChargeBoxSerialNumber:   req.ChargeBoxSerialNumber,
		FirmwareVersion:         req.FirmwareVersion,
		ICCID:                   req.Iccid,
		IMSI:                    req.Imsi,
		MeterType:               req.MeterType,
		MeterSerialNumber:       req.MeterSerialNumber,
	})
	if err != nil {
		return nil, err
	}
	switch decision {
	case BootAccepted, BootPending, BootRejected:
	default:
		decision = BootRejected
	}
	return BootNotificationConf{
		CurrentTime: formatDateTime(r.now()),
		Interval:    int(math.Round(r.interval.Seconds())),
		Status:      decision,
	}, nil
}
