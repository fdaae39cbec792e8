package ocpp

// ActionTriggerMessage asks a charger to send one of its messages now.
const ActionTriggerMessage = "TriggerMessage"

// TriggerMessageReq names the message and, for the connector-specific
// ones (StatusNotification, MeterValues), optionally the connector (1 or
// more; none means every connector).
type TriggerMessageReq struct {
	RequestedMessage string `json:"requestedMessage" validate:"required,oneof=BootNotification DiagnosticsStatusNotification FirmwareStatusNotification Heartbeat MeterValues StatusNotification"`
	ConnectorID      *int   `json:"connectorId,omitempty" validate:"omitempty,min=1"`
}

// TriggerMessageConf is the charger's answer; the message itself follows
// as a CALL of its own.
type TriggerMessageConf struct {
	Status string `json:"status" validate:"required,oneof=Accepted Rejected NotImplemented"`
}
