package domain

import "time"

// Event types of the enrolment list and of retirement.
const (
	TypeDeviceEnrolled   = "device.enrolled"
	TypeDeviceUnenrolled = "device.unenrolled"
	TypeChargerRetired   = "charger.retired"
)

// DeviceEnrolled records that a charger or widget may connect (and, with
// a secret hash, must present that secret in the authenticated mode). A
// later one for the same device replaces it.
type DeviceEnrolled struct {
	Kind     string `json:"kind"`
	DeviceID string `json:"deviceId"`
	// SecretHash is a bcrypt hash; "" when the device has no secret.
	SecretHash string `json:"secretHash,omitempty"`
}

// DeviceUnenrolled records that a device was taken off the list.
type DeviceUnenrolled struct {
	Kind     string `json:"kind"`
	DeviceID string `json:"deviceId"`
}

// ChargerRetired records that a charger was forgotten: idle, with no open
// session, no pairing and no enrolment. The read models drop it; a later
// connection brings it back.
type ChargerRetired struct {
	Reason string `json:"reason"`
	// IdleSince is when the charger was last seen (zero when never).
	IdleSince time.Time `json:"idleSince,omitzero"`
}

// EventType implements Payload.
func (DeviceEnrolled) EventType() string { return TypeDeviceEnrolled }

// EventType implements Payload.
func (DeviceUnenrolled) EventType() string { return TypeDeviceUnenrolled }

// EventType implements Payload.
func (ChargerRetired) EventType() string { return TypeChargerRetired }

// Error codes of device admission and retirement.
const (
	CodeChargerOnline   = "charger_online"
	CodeChargerPaired   = "charger_paired"
	CodeChargerEnrolled = "charger_enrolled"
)
