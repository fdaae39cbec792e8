package domain

import "time"

// SoCReported is one accepted charger reading.
type SoCReported struct {
	SoC       float64 `json:"soc"`
	Status    Status  `json:"status"`
	ReadingID string  `json:"readingId,omitempty"`
	// ReceivedAt is when the reading arrived, set when the event's time is
	// the charger's sample time instead (a reading replayed after an
	// offline period).
	ReceivedAt *time.Time `json:"receivedAt,omitempty"`
	// SampledAt and TimeNote are set when the charger's sample time was
	// not believed (TimeNoteFuture, …): the event's time is the arrival.
	SampledAt *time.Time `json:"sampledAt,omitempty"`
	TimeNote  string     `json:"timeNote,omitempty"`
}

// ChargerConnected records a charger socket opening on an instance.
type ChargerConnected struct {
	Instance string `json:"instance"`
	Conn     string `json:"conn"`
	Protocol string `json:"protocol"`
	Remote   string `json:"remote,omitempty"`
}

// ChargerDisconnected records a charger socket closing.
type ChargerDisconnected struct {
	Instance string `json:"instance"`
	Conn     string `json:"conn"`
	Reason   string `json:"reason"`
}

// ChargerBooted keeps an OCPP charger's BootNotification metadata.
type ChargerBooted struct {
	Vendor   string `json:"vendor"`
	Model    string `json:"model"`
	Serial   string `json:"serial,omitempty"`
	Firmware string `json:"firmware,omitempty"`
	Status   string `json:"status,omitempty"`
}

// ConnectorStatus is an OCPP StatusNotification.
type ConnectorStatus struct {
	ConnectorID int    `json:"connectorId"`
	Status      string `json:"status"`
	ErrorCode   string `json:"errorCode"`
	Info        string `json:"info,omitempty"`
	// Timestamp is the charger's time of the status (absent in events
	// stored before it was kept).
	Timestamp *time.Time `json:"timestamp,omitempty"`
}

// WidgetConnected records a widget socket opening.
type WidgetConnected struct {
	Instance string `json:"instance"`
	Conn     string `json:"conn"`
}

// WidgetDisconnected records a widget socket closing.
type WidgetDisconnected struct {
	Instance string `json:"instance"`
	Conn     string `json:"conn"`
	Reason   string `json:"reason"`
}

// PairingSet pairs a widget with a charger (replacing the charger's
// previous widget, if any).
type PairingSet struct {
	ChargerID string `json:"chargerId"`
	WidgetID  string `json:"widgetId"`
}

// PairingRemoved unpairs a charger from its widget.
type PairingRemoved struct {
	ChargerID string `json:"chargerId"`
	WidgetID  string `json:"widgetId"`
}

// How a session was opened.
const (
	OpenedByReading = "reading"
	OpenedByStaff   = "staff"
	OpenedByOCPP    = "ocpp"
)

// SessionOpened opens a session on a charger.
type SessionOpened struct {
	By       string `json:"by"`
	WidgetID string `json:"widgetId,omitempty"`
	// ClaimCode and Token are the session's ticket (see claim.go); Label
	// is the customer's label given at check-in. All three are empty on
	// sessions opened before tickets existed.
	ClaimCode string `json:"claimCode,omitempty"`
	Token     string `json:"token,omitempty"`
	Label     string `json:"label,omitempty"`
}

// SessionCharged marks the first reading of 100 in a session.
type SessionCharged struct{}

// Payment methods.
const (
	MethodCash = "cash"
	MethodCard = "card"
)

// PaymentRecorded is money taken for a session.
type PaymentRecorded struct {
	AmountCents    int64  `json:"amountCents"`
	Method         string `json:"method"`
	Reference      string `json:"reference,omitempty"`
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	Currency       string `json:"currency,omitempty"`
	// TipCents is paid on top of the balance, marked as a tip: not part
	// of AmountCents nor of the session's balance.
	TipCents int64 `json:"tipCents,omitempty"`
	// ShiftID is the till shift the payment was taken in ("" when none
	// was open); Till names its till.
	ShiftID string `json:"shiftId,omitempty"`
	Till    string `json:"till,omitempty"`
}

// HandedBack closes a session: the phone went back to its owner.
type HandedBack struct {
	AmountDueCents int64  `json:"amountDueCents"`
	PaidCents      int64  `json:"paidCents"`
	Waived         bool   `json:"waived"`
	WaiveReason    string `json:"waiveReason,omitempty"`
	// VerifiedBy tells how the claim was checked (VerifiedByWidget,
	// VerifiedByClaimCode, VerifiedByOverride with OverrideReason,
	// VerifiedByNone); empty on hand-backs before claim checks.
	VerifiedBy     string `json:"verifiedBy,omitempty"`
	OverrideReason string `json:"overrideReason,omitempty"`
}

// TransactionStarted is an OCPP StartTransaction on the session.
type TransactionStarted struct {
	TransactionID int       `json:"transactionId"`
	ConnectorID   int       `json:"connectorId"`
	IDTag         string    `json:"idTag"`
	MeterStart    int       `json:"meterStart"`
	Timestamp     time.Time `json:"timestamp"`
	// IDTagStatus is the id tag's authorization when it was not Accepted
	// (--id-tags list): the transaction is then recorded on no session
	// and opens none; the charger is told and stops it.
	IDTagStatus string `json:"idTagStatus,omitempty"`
}

// TransactionStopped is an OCPP StopTransaction on the session.
type TransactionStopped struct {
	TransactionID int       `json:"transactionId"`
	MeterStop     int       `json:"meterStop"`
	Reason        string    `json:"reason,omitempty"`
	Timestamp     time.Time `json:"timestamp"`
	// Superseded is set when no StopTransaction came: the charger started
	// transaction Superseded on the same charger instead (MeterStop is
	// then that start's meterStart).
	Superseded int `json:"superseded,omitempty"`
	// NotOpen is set when the charger stopped a transaction that was not
	// open on it (unknown, or already closed): recorded on no session.
	NotOpen bool `json:"notOpen,omitempty"`
}

// MeterSampled keeps an OCPP sampled value other than SoC.
type MeterSampled struct {
	ConnectorID int       `json:"connectorId"`
	Measurand   string    `json:"measurand"`
	Value       string    `json:"value"`
	Unit        string    `json:"unit,omitempty"`
	Timestamp   time.Time `json:"timestamp"`
}

// SessionOverdue is the reminder raised once when a charged phone was not
// collected in time.
type SessionOverdue struct {
	ChargedAt    time.Time `json:"chargedAt"`
	CollectAfter string    `json:"collectAfter"`
}

// NoticeScheduled is a staff notice to show at a time.
type NoticeScheduled struct {
	NoticeID  string    `json:"noticeId"`
	At        time.Time `json:"at"`
	LocalTime string    `json:"localTime"`
	TimeZone  string    `json:"timeZone"`
	Text      string    `json:"text"`
}

// NoticeFired records that a notice was shown.
type NoticeFired struct {
	NoticeID string `json:"noticeId"`
	Text     string `json:"text"`
}

// EventType implements Payload.
func (SoCReported) EventType() string { return TypeSoCReported }

// EventType implements Payload.
func (ChargerConnected) EventType() string { return TypeChargerConnected }

// EventType implements Payload.
func (ChargerDisconnected) EventType() string { return TypeChargerDisconnected }

// EventType implements Payload.
func (ChargerBooted) EventType() string { return TypeChargerBooted }

// EventType implements Payload.
func (ConnectorStatus) EventType() string { return TypeConnectorStatus }

// EventType implements Payload.
func (WidgetConnected) EventType() string { return TypeWidgetConnected }

// EventType implements Payload.
func (WidgetDisconnected) EventType() string { return TypeWidgetDisconnected }

// EventType implements Payload.
func (PairingSet) EventType() string { return TypePairingSet }

// EventType implements Payload.
func (PairingRemoved) EventType() string { return TypePairingRemoved }

// EventType implements Payload.
func (SessionOpened) EventType() string { return TypeSessionOpened }

// EventType implements Payload.
func (SessionCharged) EventType() string { return TypeSessionCharged }

// Validate implements Validator: the payload is empty; ValidateEvent
// checks that the envelope names a session.
func (SessionCharged) Validate() error { return nil }

// EventType implements Payload.
func (PaymentRecorded) EventType() string { return TypePaymentRecorded }

// EventType implements Payload.
func (HandedBack) EventType() string { return TypeHandedBack }

// EventType implements Payload.
func (TransactionStarted) EventType() string { return TypeTransactionStarted }

// EventType implements Payload.
func (TransactionStopped) EventType() string { return TypeTransactionStopped }

// EventType implements Payload.
func (MeterSampled) EventType() string { return TypeMeterSampled }

// EventType implements Payload.
func (SessionOverdue) EventType() string { return TypeSessionOverdue }

// EventType implements Payload.
func (NoticeScheduled) EventType() string { return TypeNoticeScheduled }

// EventType implements Payload.
func (NoticeFired) EventType() string { return TypeNoticeFired }
