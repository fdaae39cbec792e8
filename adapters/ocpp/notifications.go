package ocpp

import (
	"context"
	"encoding/json"
	"time"
)

// FirmwareStatusNotificationReq reports the progress of a firmware update.
type FirmwareStatusNotificationReq struct {
	Status string `json:"status" validate:"required,oneof=Downloaded DownloadFailed Downloading Idle InstallationFailed Installing Installed"`
}

// DiagnosticsStatusNotificationReq reports the progress of a diagnostics
// upload.
type DiagnosticsStatusNotificationReq struct {
	Status string `json:"status" validate:"required,oneof=Idle Uploaded UploadFailed Uploading"`
}

// SecurityEventNotificationReq reports a security event (the OCPP 1.6
// security extension, "Improved security for OCPP 1.6-J").
type SecurityEventNotificationReq struct {
	Type      string  `json:"type" validate:"required,max=50"`
	Timestamp *string `json:"timestamp" validate:"required,ocppdatetime"`
	TechInfo  string  `json:"techInfo,omitempty" validate:"omitempty,max=255"`
}

// EmptyConf is the empty confirmation of the notifications.
type EmptyConf struct{}

// Notification is a charger's report that needs no answer but must be
// kept: Action is the OCPP action, Status its status (firmware and
// diagnostics), Kind, Time and TechInfo a security event's.
type Notification struct {
	Action   string
	Status   string
	Kind     string
	Time     time.Time
	TechInfo string
}

func handleFirmwareStatus(ctx context.Context, r *Router, chargerID string, payload json.RawMessage) (any, error) {
	var req FirmwareStatusNotificationReq
	if err := DecodePayload(payload, &req); err != nil {
		return nil, err
	}
	return EmptyConf{}, r.backend.Notify(ctx, chargerID, Notification{Action: "FirmwareStatusNotification", Status: req.Status, Time: r.now()})
}

func handleDiagnosticsStatus(ctx context.Context, r *Router, chargerID string, payload json.RawMessage) (any, error) {
	var req DiagnosticsStatusNotificationReq
	if err := DecodePayload(payload, &req); err != nil {
		return nil, err
	}
	return EmptyConf{}, r.backend.Notify(ctx, chargerID, Notification{Action: "DiagnosticsStatusNotification", Status: req.Status, Time: r.now()})
}

func handleSecurityEvent(ctx context.Context, r *Router, chargerID string, payload json.RawMessage) (any, error) {
	var req SecurityEventNotificationReq
	if err := DecodePayload(payload, &req); err != nil {
		return nil, err
	}
	return EmptyConf{}, r.backend.Notify(ctx, chargerID, Notification{Action: "SecurityEventNotification",
		Kind: req.Type, Time: parseDateTime(*req.Timestamp), TechInfo: req.TechInfo})
}
