package ocpp

import (
	"context"
	"time"
)

// Backend is what the OCPP router needs from the rest of the program, in
// plain Go types. Every method gets the charger id the socket was opened
// for. An error is answered to the charger as a CALLERROR InternalError
// (saying that the store is full or unavailable and what was not stored
// when it wraps ErrStoreFull or ErrStoreUnavailable, "internal error"
// otherwise); a *CallError returned as is chooses its own code and
// description.
//
// Methods that record facts carry an EventID, stable over offline replay
// (domain.DerivedID of the charger, "ocpp.<action>" and the message's own
// content): a charger that re-sends a queued message after a
// reconnect produces the same EventID, and the Backend must store it once
// and answer as the first time (StartTransaction: the same transaction id).
type Backend interface {
	// Boot registers a charger that sent BootNotification and decides
	// whether it is accepted.
	Boot(ctx context.Context, chargerID string, info BootInfo) (BootDecision, error)
	// BootStatus is the registration status standing for a charger that
	// sends another CALL on a connection where it has not sent
	// BootNotification (many chargers do not boot again after a
	// reconnect). BootAccepted serves the connection as if it had booted;
	// anything else (or "") answers every CALL but BootNotification with
	// SecurityError until the charger boots and is Accepted. It is asked
	// once per connection.
	BootStatus(ctx context.Context, chargerID string) BootDecision
	// Heartbeat records that the charger is alive.
	Heartbeat(ctx context.Context, chargerID string) error
	// ConnectorStatus records a StatusNotification. connectorID 0 is the
	// charger as a whole; ts is the charger's timestamp, or the server's
	// time when the charger sent none.
	ConnectorStatus(ctx context.Context, chargerID string, connectorID int, status, errorCode, info string, ts time.Time) error
	// Authorize checks an id tag.
	Authorize(ctx context.Context, chargerID, idTag string) (Authorization, error)
	// StartTransaction records a started transaction and returns an
	// integer transaction id and the id tag's authorization.
	StartTransaction(ctx context.Context, chargerID string, tx StartTx) (transactionID int, auth Authorization, err error)
	// Reading records one state-of-charge sample (measurand SoC), soc in
	// 0..100, exactly like a reading of the simple protocol.
	Reading(ctx context.Context, chargerID string, soc float64, eventID string, ts time.Time) error
	// MeterSample records one sample of any other measurand, or a refused
	// one (Sample.Refused).
	MeterSample(ctx context.Context, chargerID string, s Sample) error
	// StopTransaction closes a transaction. The returned status is sent as
	// idTagInfo; an empty status sends none.
	StopTransaction(ctx context.Context, chargerID string, tx StopTx) (IDTagStatus, error)
	// Notify records a FirmwareStatusNotification,
	// DiagnosticsStatusNotification or SecurityEventNotification.
	Notify(ctx context.Context, chargerID string, n Notification) error
}

// Toucher is an optional method of a Backend: Touch hears that a charger
// sent a message (any CALL, Heartbeat included), for its lastSeen, without
// an event per message. It must be cheap.
type Toucher interface {
	Touch(chargerID string, at time.Time)
}

// BootInfo is the charger metadata a BootNotification carries. Empty
// strings are fields the charger did not send.
type BootInfo struct {
	Vendor                  string
	Model                   string
	ChargePointSerialNumber string
	ChargeBoxSerialNumber   string
	FirmwareVersion         string
	ICCID                   string
	IMSI                    string
	MeterType               string
	MeterSerialNumber       string
}

// BootDecision is the registration status answered to a BootNotification.
type BootDecision string

// The registration statuses of OCPP 1.6.
const (
	BootAccepted BootDecision = "Accepted"
	BootPending  BootDecision = "Pending"
	BootRejected BootDecision = "Rejected"
)

// IDTagStatus is the authorization status of an id tag (idTagInfo.status).
type IDTagStatus string

// The authorization statuses of OCPP 1.6.
const (
	IDTagAccepted     IDTagStatus = "Accepted"
	IDTagBlocked      IDTagStatus = "Blocked"
	IDTagExpired      IDTagStatus = "Expired"
	IDTagInvalid      IDTagStatus = "Invalid"
	IDTagConcurrentTx IDTagStatus = "ConcurrentTx"
)

// Authorization is what the Central System says of an id tag
// (idTagInfo): its status, and when set its expiry and parent tag.
type Authorization struct {
	Status IDTagStatus
	Expiry time.Time // zero: none sent
	Parent string    // "": none sent
}

// StartTx is a StartTransaction request.
type StartTx struct {
	ConnectorID   int
	IDTag         string
	MeterStart    int // Wh
	ReservationID *int
	Timestamp     time.Time
	// EventID is domain.DerivedID(chargerID, "ocpp.StartTransaction", …):
	// the same for a replayed message, different for another start.
	EventID string
}

// StopTx is a StopTransaction request.
type StopTx struct {
	TransactionID int
	IDTag         string // empty when the charger sent none
	MeterStop     int    // Wh
	Timestamp     time.Time
	Reason        string // empty when the charger sent none (1.6 then means "Local")
	EventID       string
}

// Sample is one sampledValue of a MeterValues request whose measurand is
// not SoC.
type Sample struct {
	ConnectorID   int
	TransactionID *int
	Timestamp     time.Time
	// Value is the charger's string, e.g. "1234.5"; for format SignedData
	// it is the signed blob.
	Value     string
	Measurand string // Energy.Active.Import.Register when the charger sent none
	Unit      string // Wh when the charger sent none
	Context   string
	Format    string
	Phase     string
	Location  string
	EventID   string
	// Refused, when set, says why the sample was not taken as what its
	// measurand says (a SoC value out of range): it is recorded as
	// refused, beside the message's other samples.
	Refused string
}
