package domain

import "time"

// Event types of the staff list and of dashboard sessions.
const (
	TypeStaffAdded     = "staff.added"
	TypeStaffChanged   = "staff.changed"
	TypeStaffDisabled  = "staff.disabled"
	TypeStaffEnabled   = "staff.enabled"
	TypeStaffSignedIn  = "staff.signed_in"
	TypeStaffSignedOut = "staff.signed_out"
)

// StaffAdded records a new staff member. The token and the PIN are never
// stored, only their hashes.
type StaffAdded struct {
	StaffID string `json:"id"`
	Name    string `json:"name"`
	Role    string `json:"role"`
	// TokenHash is the SHA-256 of the member's bearer token, hex.
	TokenHash string `json:"tokenHash"`
	// PINHash is a bcrypt hash of the member's PIN; "" when they have none.
	PINHash string `json:"pinHash,omitempty"`
}

// StaffChanged records a change to a member; empty fields are unchanged.
type StaffChanged struct {
	StaffID string `json:"id"`
	Name    string `json:"name,omitempty"`
	Role    string `json:"role,omitempty"`
	// PINHash is the new PIN's bcrypt hash.
	PINHash string `json:"pinHash,omitempty"`
	// PINCleared removes the member's PIN (they sign in by token only).
	PINCleared bool `json:"pinCleared,omitempty"`
	// TokenHash is the hash of a new token: the old token stops working.
	TokenHash string `json:"tokenHash,omitempty"`
}

// StaffDisabled records that a member may no longer act: their token and
// every session of theirs stop working.
type StaffDisabled struct {
	StaffID string `json:"id"`
}

// StaffEnabled records that a disabled member may act again (with their
// token; their old sessions stay ended).
type StaffEnabled struct {
	StaffID string `json:"id"`
}

// StaffSignedIn records a dashboard session: the SHA-256 (hex) of the
// session cookie, never the cookie itself.
type StaffSignedIn struct {
	SessionHash string    `json:"sessionHash"`
	StaffID     string    `json:"staffId"`
	Expires     time.Time `json:"expires"`
	// Method is how the member proved who they are: "token" or "pin".
	Method string `json:"method,omitempty"`
	// Credential, for the bootstrap admin, is a hash of the bootstrap
	// token signed in with: a session outlives no change of that token.
	Credential string `json:"credential,omitempty"`
}

// StaffSignedOut records that a dashboard session ended before it expired.
type StaffSignedOut struct {
	SessionHash string `json:"sessionHash"`
	StaffID     string `json:"staffId"`
}

// EventType implements Payload.
func (StaffAdded) EventType() string { return TypeStaffAdded }

// EventType implements Payload.
func (StaffChanged) EventType() string { return TypeStaffChanged }

// EventType implements Payload.
func (StaffDisabled) EventType() string { return TypeStaffDisabled }

// EventType implements Payload.
func (StaffEnabled) EventType() string { return TypeStaffEnabled }

// EventType implements Payload.
func (StaffSignedIn) EventType() string { return TypeStaffSignedIn }

// EventType implements Payload.
func (StaffSignedOut) EventType() string { return TypeStaffSignedOut }

func init() {
	Register[StaffAdded](TypeStaffAdded, 1)
	Register[StaffChanged](TypeStaffChanged, 1)
	Register[StaffDisabled](TypeStaffDisabled, 1)
	Register[StaffEnabled](TypeStaffEnabled, 1)
	Register[StaffSignedIn](TypeStaffSignedIn, 1)
	Register[StaffSignedOut](TypeStaffSignedOut, 1)
}
