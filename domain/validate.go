package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// OpaqueInvalid is the reason of an event whose payload decodes but breaks
// the domain's own invariants (a negative payment, a pairing of an invalid
// id): it is quarantined, kept and shown like an unreadable event, never
// folded. Its Opaque carries the broken rule's error code in Code.
const OpaqueInvalid = "invalid"

// Validator is implemented by payloads that can check their own
// invariants. Every registered payload implements it (a test keeps it so);
// ValidateEvent calls it.
type Validator interface {
	Validate() error
}

// Bounds of stored text that no edge accepts longer.
const (
	// maxStoredName bounds instance names, connection ids, OCPP vendor
	// strings and other short labels.
	maxStoredName = 255
	// maxStoredReadingID bounds a reading id: the charger's own (at most
	// 128 characters) or an OCPP derived one with its prefix.
	maxStoredReadingID = 200
	// maxStoredCurrency bounds the currency code a tariff writes.
	maxStoredCurrency = 16
)

// sessionTypes are the event types that only exist within a session.
var sessionTypes = map[string]bool{
	TypeSessionOpened: true, TypeSessionCharged: true, TypePaymentRecorded: true,
	TypeHandedBack: true, TypeSessionOverdue: true, TypeTransactionStarted: true,
}

// sessionless reports a session type's event that is kept on no session:
// a transaction started with an id tag that was not accepted.
func sessionless(e Event) bool {
	d, ok := e.Data.(TransactionStarted)
	return ok && d.IDTagStatus != ""
}

// ValidateEvent checks a decoded event against the domain's invariants:
// its envelope names a valid charger (charger events) or widget (widget
// events) and, for events that only exist in a session, a session; its
// payload passes its own Validate. The Service refuses to store an event
// that fails it, and DecodeStored quarantines one read back (Opaque with
// Reason OpaqueInvalid), so a forged or corrupted event is never folded.
// The error is a *Error whose code names the broken rule.
func ValidateEvent(e Event) error {
	if _, ok := e.Data.(Opaque); ok {
		return nil
	}
	if e.Data == nil {
		return Errorf(CodeInvalidInput, "%s has no payload", e.Type)
	}
	if e.Data.EventType() != e.Type {
		return Errorf(CodeInvalidInput, "payload of %s is a %s", e.Type, e.Data.EventType())
	}
	switch aggregateOf(e.Type) {
	case KindCharger:
		if err := ValidateDeviceID("charger", e.ChargerID); err != nil {
			return err
		}
	case KindWidget:
		if err := ValidateDeviceID("widget", e.WidgetID); err != nil {
			return err
		}
	}
	if sessionTypes[e.Type] && e.SessionID == "" && !sessionless(e) {
		return Errorf(CodeInvalidInput, "%s has no session id", e.Type)
	}
	if e.Time.IsZero() {
		return Errorf(CodeInvalidInput, "%s has no time", e.Type)
	}
	if v, ok := e.Data.(Validator); ok {
		return v.Validate()
	}
	return nil
}

// validateEvents checks every event a command decided before it is stored.
func validateEvents(events []Event) error {
	for _, e := range events {
		if err := ValidateEvent(e); err != nil {
			return fmt.Errorf("refuse to store %s: %w", e.Type, err)
		}
	}
	return nil
}

// checkName checks a short stored label: at most maxStoredName bytes of
// valid UTF-8, and present when required.
func checkName(field, s string, required bool) error {
	if required && s == "" {
		return Errorf(CodeInvalidInput, "%s is empty", field)
	}
	if len(s) > maxStoredName || !utf8.ValidString(s) {
		return Errorf(CodeInvalidInput, "%s is not a label of at most %d bytes of UTF-8", field, maxStoredName)
	}
	return nil
}

// checkStoredText checks free text as the edges accept it: CheckText and
// at most limit characters.
func checkStoredText(field, s string, limit int, multiline bool) error {
	if utf8.RuneCountInString(s) > limit {
		return Errorf(CodeInvalidInput, "%s is longer than %d characters", field, limit)
	}
	return CheckText(field, s, multiline)
}

// checkCents refuses a negative amount.
func checkCents(field string, c int64) error {
	if c < 0 {
		return Errorf(CodeInvalidAmount, "%s is negative (%d)", field, c)
	}
	return nil
}

// Validate implements Validator: the state of charge is from 0 to 100 and
// the status is an LED status (the read models derive the status shown
// from the soc, with StatusFor).
func (p SoCReported) Validate() error {
	if err := ValidateSoC(p.SoC); err != nil {
		return err
	}
	switch p.Status {
	case StatusCharging, StatusCharging80, StatusCharged:
	default:
		return Errorf(CodeInvalidSoC, "status %.20q is not an LED status", p.Status)
	}
	if len(p.ReadingID) > maxStoredReadingID {
		return Errorf(CodeInvalidID, "readingId is longer than %d characters", maxStoredReadingID)
	}
	return nil
}

// Validate implements Validator: instance and connection are named.
func (p ChargerConnected) Validate() error {
	return firstErr(checkName("instance", p.Instance, true), checkName("conn", p.Conn, true),
		checkName("protocol", p.Protocol, false), checkName("remote", p.Remote, false))
}

// Validate implements Validator: instance and connection are named.
func (p ChargerDisconnected) Validate() error {
	return firstErr(checkName("instance", p.Instance, true), checkName("conn", p.Conn, true),
		checkName("reason", p.Reason, false))
}

// Validate implements Validator: the metadata are short labels.
func (p ChargerBooted) Validate() error {
	return firstErr(checkName("vendor", p.Vendor, false), checkName("model", p.Model, false),
		checkName("serial", p.Serial, false), checkName("firmware", p.Firmware, false), checkName("status", p.Status, false))
}

// Validate implements Validator: a connector number (0 is the charger
// itself) and a status.
func (p ConnectorStatus) Validate() error {
	if p.ConnectorID < 0 {
		return Errorf(CodeInvalidInput, "connectorId %d is negative", p.ConnectorID)
	}
	return firstErr(checkName("status", p.Status, true), checkName("errorCode", p.ErrorCode, false),
		checkName("info", p.Info, false))
}

// Validate implements Validator: instance and connection are named.
func (p WidgetConnected) Validate() error {
	return firstErr(checkName("instance", p.Instance, true), checkName("conn", p.Conn, true))
}

// Validate implements Validator: instance and connection are named.
func (p WidgetDisconnected) Validate() error {
	return firstErr(checkName("instance", p.Instance, true), checkName("conn", p.Conn, true),
		checkName("reason", p.Reason, false))
}

// Validate implements Validator: both ids are valid device ids.
func (p PairingSet) Validate() error {
	return firstErr(ValidateDeviceID("charger", p.ChargerID), ValidateDeviceID("widget", p.WidgetID))
}

// Validate implements Validator: both ids are valid device ids.
func (p PairingRemoved) Validate() error {
	return firstErr(ValidateDeviceID("charger", p.ChargerID), ValidateDeviceID("widget", p.WidgetID))
}

// Validate implements Validator: a known opener and a valid widget id, if
// any.
func (p SessionOpened) Validate() error {
	switch p.By {
	case OpenedByReading, OpenedByStaff, OpenedByOCPP:
	default:
		return Errorf(CodeInvalidInput, "session opened by %.20q, want %q, %q or %q", p.By, OpenedByReading, OpenedByStaff, OpenedByOCPP)
	}
	if p.WidgetID != "" {
		return ValidateDeviceID("widget", p.WidgetID)
	}
	return nil
}

// Validate implements Validator: a positive whole amount, a known method,
// a reference as the API accepts it.
func (p PaymentRecorded) Validate() error {
	if p.AmountCents <= 0 {
		return Errorf(CodeInvalidAmount, "amountCents %d is not a positive whole number of cents", p.AmountCents)
	}
	if p.Method != MethodCash && p.Method != MethodCard {
		return Errorf(CodeInvalidMethod, "method %.20q is neither %q nor %q", p.Method, MethodCash, MethodCard)
	}
	if len(p.Currency) > maxStoredCurrency {
		return Errorf(CodeInvalidInput, "currency is longer than %d characters", maxStoredCurrency)
	}
	return firstErr(checkStoredText("reference", p.Reference, MaxReferenceLen, false),
		checkName("idempotencyKey", p.IdempotencyKey, false), checkCents("tipCents", p.TipCents),
		checkName("shiftId", p.ShiftID, false), checkName("till", p.Till, false))
}

// Validate implements Validator: amounts are not negative, and a waiver
// has a reason.
func (p HandedBack) Validate() error {
	if err := firstErr(checkCents("amountDueCents", p.AmountDueCents), checkCents("paidCents", p.PaidCents)); err != nil {
		return err
	}
	if p.Waived && strings.TrimSpace(p.WaiveReason) == "" {
		return Errorf(CodeInvalidInput, "a waived hand-back has no waiveReason")
	}
	return checkStoredText("waiveReason", p.WaiveReason, MaxReferenceLen, false)
}

// Validate implements Validator: a transaction id from 1 and a connector.
func (p TransactionStarted) Validate() error {
	if p.TransactionID < 1 {
		return Errorf(CodeInvalidInput, "transactionId %d is below 1", p.TransactionID)
	}
	if p.ConnectorID < 0 {
		return Errorf(CodeInvalidInput, "connectorId %d is negative", p.ConnectorID)
	}
	switch p.IDTagStatus {
	case "", TagBlocked, TagExpired, TagInvalid, "ConcurrentTx":
	default:
		return Errorf(CodeInvalidInput, "idTagStatus %.20q is not a refusal", p.IDTagStatus)
	}
	return checkName("idTag", p.IDTag, false)
}

// Validate implements Validator: the reason is a short label.
func (p TransactionStopped) Validate() error {
	return checkName("reason", p.Reason, false)
}

// Validate implements Validator: a measurand and a value.
func (p MeterSampled) Validate() error {
	if p.ConnectorID < 0 {
		return Errorf(CodeInvalidInput, "connectorId %d is negative", p.ConnectorID)
	}
	return firstErr(checkName("measurand", p.Measurand, true), checkName("value", p.Value, true),
		checkName("unit", p.Unit, false))
}

// Validate implements Validator: the session was charged at a time and
// collectAfter is a positive duration.
func (p SessionOverdue) Validate() error {
	if p.ChargedAt.IsZero() {
		return Errorf(CodeInvalidInput, "chargedAt is missing")
	}
	if d, err := time.ParseDuration(p.CollectAfter); err != nil || d <= 0 {
		return Errorf(CodeInvalidInput, "collectAfter %.20q is not a positive duration", p.CollectAfter)
	}
	return nil
}

// Validate implements Validator: an id, a time, the local time it was
// typed as, a zone and a text as Notices.Schedule accepts them.
func (p NoticeScheduled) Validate() error {
	if err := checkName("noticeId", p.NoticeID, true); err != nil {
		return err
	}
	if p.At.IsZero() {
		return Errorf(CodeInvalidInput, "notice at is missing")
	}
	if _, err := time.Parse(NoticeLayout, p.LocalTime); err != nil {
		return Errorf(CodeInvalidInput, "notice localTime %.30q is not like 2026-07-04 23:00", p.LocalTime)
	}
	if err := checkName("timeZone", p.TimeZone, true); err != nil {
		return err
	}
	if strings.TrimSpace(p.Text) == "" {
		return Errorf(CodeInvalidInput, "notice text is empty")
	}
	return checkStoredText("text", p.Text, MaxNoticeText, true)
}

// Validate implements Validator: the notice is named.
func (p NoticeFired) Validate() error {
	return firstErr(checkName("noticeId", p.NoticeID, true), checkStoredText("text", p.Text, MaxNoticeText, true))
}

// Validate implements Validator: a known kind, a valid id and, if any, a
// bcrypt hash.
func (p DeviceEnrolled) Validate() error {
	if err := firstErr(ValidateDeviceKind(p.Kind), ValidateDeviceID(p.Kind, p.DeviceID)); err != nil {
		return err
	}
	if p.SecretHash != "" && (!strings.HasPrefix(p.SecretHash, "$2") || len(p.SecretHash) > 128) {
		return Errorf(CodeInvalidInput, "secretHash is not a bcrypt hash")
	}
	return nil
}

// Validate implements Validator: a known kind and a valid id.
func (p DeviceUnenrolled) Validate() error {
	return firstErr(ValidateDeviceKind(p.Kind), ValidateDeviceID(p.Kind, p.DeviceID))
}

// Validate implements Validator: the reason is a short label.
func (p ChargerRetired) Validate() error {
	return checkName("reason", p.Reason, false)
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
