package domain

import "time"

// Event types of what OCPP chargers report beyond readings and
// transactions. They live on the charger's subject.
const (
	TypeSampleRefused      = "charger.sample_refused"
	TypeFirmwareStatus     = "charger.firmware_status"
	TypeDiagnosticsStatus  = "charger.diagnostics_status"
	TypeSecurityEventNoted = "charger.security_event"
)

func init() {
	Register[SampleRefused](TypeSampleRefused, 1)
	Register[FirmwareStatus](TypeFirmwareStatus, 1)
	Register[DiagnosticsStatus](TypeDiagnosticsStatus, 1)
	Register[SecurityEventNoted](TypeSecurityEventNoted, 1)
}

// SampleRefused keeps a MeterValues sample that was not taken (a SoC value
// out of range) while the message's other samples were.
type SampleRefused struct {
	ConnectorID int       `json:"connectorId"`
	Measurand   string    `json:"measurand"`
	Value       string    `json:"value"`
	Reason      string    `json:"reason"`
	Timestamp   time.Time `json:"timestamp"`
}

// FirmwareStatus is an OCPP FirmwareStatusNotification.
type FirmwareStatus struct {
	Status string `json:"status"`
}

// DiagnosticsStatus is an OCPP DiagnosticsStatusNotification.
type DiagnosticsStatus struct {
	Status string `json:"status"`
}

// SecurityEventNoted is an OCPP SecurityEventNotification (the 1.6
// security extension): the charger's event type, its time and tech info.
type SecurityEventNoted struct {
	Kind      string    `json:"kind"`
	Timestamp time.Time `json:"timestamp"`
	TechInfo  string    `json:"techInfo,omitempty"`
}

// EventType implements Payload.
func (SampleRefused) EventType() string { return TypeSampleRefused }

// EventType implements Payload.
func (FirmwareStatus) EventType() string { return TypeFirmwareStatus }

// EventType implements Payload.
func (DiagnosticsStatus) EventType() string { return TypeDiagnosticsStatus }

// EventType implements Payload.
func (SecurityEventNoted) EventType() string { return TypeSecurityEventNoted }

// Validate implements Validator: a connector, a measurand, the value and
// why it was refused.
func (p SampleRefused) Validate() error {
	if p.ConnectorID < 0 {
		return Errorf(CodeInvalidInput, "connectorId %d is negative", p.ConnectorID)
	}
	return firstErr(checkName("measurand", p.Measurand, true), checkName("value", p.Value, false),
		checkName("reason", p.Reason, true))
}

// Validate implements Validator: a status.
func (p FirmwareStatus) Validate() error { return checkName("status", p.Status, true) }

// Validate implements Validator: a status.
func (p DiagnosticsStatus) Validate() error { return checkName("status", p.Status, true) }

// Validate implements Validator: the event's kind and short tech info.
func (p SecurityEventNoted) Validate() error {
	return firstErr(checkName("kind", p.Kind, true), checkName("techInfo", p.TechInfo, false))
}
