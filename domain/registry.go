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

// registry maps each fixed type string to a constructor of its payload.
var registry = map[string]func() Payload{
	TypeSoCReported:         func() Payload { return &SoCReported{} },
	TypeChargerConnected:    func() Payload { return &ChargerConnected{} },
	TypeChargerDisconnected: func() Payload { return &ChargerDisconnected{} },
	TypeChargerBooted:       func() Payload { return &ChargerBooted{} },
	TypeConnectorStatus:     func() Payload { return &ConnectorStatus{} },
	TypeWidgetConnected:     func() Payload { return &WidgetConnected{} },
	TypeWidgetDisconnected:  func() Payload { return &WidgetDisconnected{} },
	TypePairingSet:          func() Payload { return &PairingSet{} },
	TypePairingRemoved:      func() Payload { return &PairingRemoved{} },
	TypeSessionOpened:       func() Payload { return &SessionOpened{} },
	TypeSessionCharged:      func() Payload { return &SessionCharged{} },
	TypePaymentRecorded:     func() Payload { return &PaymentRecorded{} },
	TypeHandedBack:          func() Payload { return &HandedBack{} },
	TypeTransactionStarted:  func() Payload { return &TransactionStarted{} },
	TypeTransactionStopped:  func() Payload { return &TransactionStopped{} },
	TypeMeterSampled:        func() Payload { return &MeterSampled{} },
	TypeSessionOverdue:      func() Payload { return &SessionOverdue{} },
	TypeNoticeScheduled:     func() Payload { return &NoticeScheduled{} },
	TypeNoticeFired:         func() Payload { return &NoticeFired{} },
}

// EventTypes lists every registered type, sorted.
func EventTypes() []string {
	out := make([]string, 0, len(registry))
	for t := range registry {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// DecodePayload decodes raw JSON data of the given type through the registry.
// Payloads are returned as values (SoCReported, not *SoCReported).
func DecodePayload(typ string, raw []byte) (Payload, error) {
	return decodePayload(typ, raw, json.Unmarshal)
}

// decodePayload is DecodePayload with the JSON decoder to use.
func decodePayload(typ string, raw []byte, unmarshal func([]byte, any) error) (Payload, error) {
	mk, ok := registry[typ]
	if !ok {
		return nil, fmt.Errorf("decode event: unknown type %q", typ)
	}
	p := mk()
	if len(raw) > 0 && string(raw) != "null" {
		if err := unmarshal(raw, p); err != nil {
			return nil, fmt.Errorf("decode %s: %w", typ, err)
		}
	}
	return deref(p), nil
}

// aggregateOf names the aggregate kind an event type belongs to.
func aggregateOf(typ string) string {
	switch {
	case strings.HasPrefix(typ, "widget."):
		return KindWidget
	case strings.HasPrefix(typ, "pairing."):
		return KindPairings
	case strings.HasPrefix(typ, "notice."):
		return KindNotices
	default:
		return KindCharger
	}
}

func deref(p Payload) Payload {
	switch v := p.(type) {
	case *SoCReported:
		return *v
	case *ChargerConnected:
		return *v
	case *ChargerDisconnected:
		return *v
	case *ChargerBooted:
		return *v
	case *ConnectorStatus:
		return *v
	case *WidgetConnected:
		return *v
	case *WidgetDisconnected:
		return *v
	case *PairingSet:
		return *v
	case *PairingRemoved:
		return *v
	case *SessionOpened:
		return *v
	case *SessionCharged:
		return *v
	case *PaymentRecorded:
		return *v
	case *HandedBack:
		return *v
	case *TransactionStarted:
		return *v
	case *TransactionStopped:
		return *v
	case *MeterSampled:
		return *v
	case *SessionOverdue:
		return *v
	case *NoticeScheduled:
		return *v
	case *NoticeFired:
		return *v
	}
	return p
}
