package domain

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Event type names. They are stored forever: never rename one, only add.
const (
	TypeSoCReported         = "charger.soc_reported"
	TypeChargerConnected    = "charger.connected"
	TypeChargerDisconnected = "charger.disconnected"
	TypeChargerBooted       = "charger.booted"
	TypeConnectorStatus     = "charger.connector_status"
	TypeWidgetConnected     = "widget.connected"
	TypeWidgetDisconnected  = "widget.disconnected"
	TypePairingSet          = "pairing.set"
	TypePairingRemoved      = "pairing.removed"
	TypeSessionOpened       = "session.opened"
	TypeSessionCharged      = "session.charged"
	TypePaymentRecorded     = "session.payment_recorded"
	TypeHandedBack          = "session.handed_back"
	TypeTransactionStarted  = "session.transaction_started"
	TypeTransactionStopped  = "session.transaction_stopped"
	TypeMeterSampled        = "session.meter_sampled"
	TypeSessionOverdue      = "session.overdue"
	TypeNoticeScheduled     = "notice.scheduled"
	TypeNoticeFired         = "notice.fired"
)

// entry is one registered event type: the payload schema version this
// build writes and a decoder of its data.
type entry struct {
	schema int
	decode func(raw []byte, unmarshal func([]byte, any) error) (Payload, error)
}

// registry maps each fixed type string to its entry. It is filled by
// Register from init functions and only read afterwards.
var registry = map[string]entry{}

func init() {
	Register[SoCReported](TypeSoCReported, 1)
	Register[ChargerConnected](TypeChargerConnected, 1)
	Register[ChargerDisconnected](TypeChargerDisconnected, 1)
	Register[ChargerBooted](TypeChargerBooted, 1)
	Register[ConnectorStatus](TypeConnectorStatus, 1)
	Register[WidgetConnected](TypeWidgetConnected, 1)
	Register[WidgetDisconnected](TypeWidgetDisconnected, 1)
	Register[PairingSet](TypePairingSet, 1)
	Register[PairingRemoved](TypePairingRemoved, 1)
	Register[SessionOpened](TypeSessionOpened, 1)
	Register[SessionCharged](TypeSessionCharged, 1)
	Register[PaymentRecorded](TypePaymentRecorded, 1)
	Register[HandedBack](TypeHandedBack, 1)
	Register[TransactionStarted](TypeTransactionStarted, 1)
	Register[TransactionStopped](TypeTransactionStopped, 1)
	Register[MeterSampled](TypeMeterSampled, 1)
	Register[SessionOverdue](TypeSessionOverdue, 1)
	Register[NoticeScheduled](TypeNoticeScheduled, 1)
	Register[NoticeFired](TypeNoticeFired, 1)
	Register[DeviceEnrolled](TypeDeviceEnrolled, 1)
	Register[DeviceUnenrolled](TypeDeviceUnenrolled, 1)
	Register[ChargerRetired](TypeChargerRetired, 1)
}

// Register adds an event type whose data decodes into T, written at the
// given payload schema version (1 for a new type; raise it when the
// payload's shape changes in a way a reader must tell apart). Call it from
// an init function only: the registry is read without a lock. It panics on
// a type registered twice or a version below 1.
func Register[T Payload](typ string, schema int) {
	if _, dup := registry[typ]; dup {
		panic(fmt.Sprintf("domain: event type %q registered twice", typ))
	}
	if schema < 1 {
		panic(fmt.Sprintf("domain: event type %q: schema version %d, want 1 or more", typ, schema))
	}
	registry[typ] = entry{schema: schema, decode: func(raw []byte, unmarshal func([]byte, any) error) (Payload, error) {
		var p T
		if len(raw) > 0 && string(raw) != "null" {
			if err := unmarshal(raw, &p); err != nil {
				return nil, err
			}
		}
		return p, nil
	}}
}

// Known reports whether this build has a decoder for typ.
func Known(typ string) bool {
	_, ok := registry[typ]
	return ok
}

// SchemaOf returns the payload schema version this build writes for typ
// (0 for a type it does not know).
func SchemaOf(typ string) int { return registry[typ].schema }

// EventTypes lists every registered type, sorted.
func EventTypes() []string {
	out := make([]string, 0, len(registry))
	for t := range registry {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// DecodePayload decodes raw JSON data of the given type through the
// registry. Payloads are returned as values (SoCReported, not
// *SoCReported). A type this build does not know is an error here;
// decoding a whole envelope (Event.UnmarshalJSON, DecodeStored) keeps
// such an event as Opaque instead.
func DecodePayload(typ string, raw []byte) (Payload, error) {
	return decodePayload(typ, raw, json.Unmarshal)
}

// decodePayload is DecodePayload with the JSON decoder to use.
func decodePayload(typ string, raw []byte, unmarshal func([]byte, any) error) (Payload, error) {
	en, ok := registry[typ]
	if !ok {
		return nil, fmt.Errorf("decode event: unknown type %q", typ)
	}
	p, err := en.decode(raw, unmarshal)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", typ, err)
	}
	return p, nil
}

// boothWide maps the family of an event type (what comes before its first
// dot) to the one aggregate of the whole booth that holds it: adding such an
// aggregate is one line here. Widget events are per widget; every other
// family is per charger.
var boothWide = map[string]StreamKey{
	"pairing": PairingsKey,
	"notice":  NoticesKey,
	"device":  DevicesKey,
	"txid":    TxIDsKey,
	"idtag":   IDTagsKey,
	"staff":   StaffKey,
	"shift":   ShiftsKey,
}

// aggregateOf names the aggregate kind an event type belongs to.
func aggregateOf(typ string) string { return keyOf(typ, "", "").Kind }

// keyOf is the aggregate an event of type typ belongs to, given the
// charger and widget the event names: its family's booth-wide aggregate,
// the widget for widget.*, else the charger.
func keyOf(typ, chargerID, widgetID string) StreamKey {
	family, _, _ := strings.Cut(typ, ".")
	if family == KindWidget {
		return StreamKey{Kind: KindWidget, ID: widgetID}
	}
	if k, ok := boothWide[family]; ok {
		return k
	}
	return StreamKey{Kind: KindCharger, ID: chargerID}
}
