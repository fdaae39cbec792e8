package livefeed

import (
	"encoding/json"
	"strings"
	"sync"

	"github.com/chargebooth/chargebooth/domain"
)

// Message kinds: the coarse family of an event, for edges that name what
// they push (Socket.IO event names). The WebSocket feed sends the event's
// own type instead.
const (
	// KindReading is a charger reading (charger.soc_reported); its data
	// carries soc and the LED status.
	KindReading = "reading"
	// KindPresence is a charger or widget socket opening or closing
	// (charger.connected, charger.disconnected, widget.connected,
	// widget.disconnected).
	KindPresence = "presence"
	// KindConnector is an OCPP connector status (charger.connector_status).
	KindConnector = "connector"
	// KindCharger is what a charger says of itself or its end
	// (charger.booted, charger.retired).
	KindCharger = "charger"
	// KindSession is a session's life: opened, charged, payments,
	// hand-back, OCPP transactions and meter values, overdue (session.*).
	KindSession = "session"
	// KindPairing is a change of the charger ↔ widget table (pairing.*).
	KindPairing = "pairing"
	// KindNotice is a staff notice scheduled or due (notice.*).
	KindNotice = "notice"
	// KindDevice is a device enrolled or unenrolled (device.*).
	KindDevice = "device"
	// KindOCPP is a call the server sent an OCPP charger and its outcome,
	// or a transaction id handed out (ocpp.*, txid.*).
	KindOCPP = "ocpp"
	// KindIDTag is a change of the OCPP id-tag list (idtag.*).
	KindIDTag = "idtag"
	// KindShift is a till shift opened or closed (shift.*).
	KindShift = "shift"
	// KindStaff is a staff member's change or sign-in (staff.*): never
	// delivered (see hidden).
	KindStaff = "staff"
	// KindEvent is any other event (of a type this build does not know).
	KindEvent = "event"
	// KindRecovery is the marker that ends a Sub's backlog (see Recovery).
	KindRecovery = "recovery"
)

// KindOf returns the kind of an event type.
func KindOf(typ string) string {
	switch typ {
	case domain.TypeSoCReported:
		return KindReading
	case domain.TypeChargerConnected, domain.TypeChargerDisconnected, domain.TypeWidgetConnected, domain.TypeWidgetDisconnected:
		return KindPresence
	case domain.TypeConnectorStatus:
		return KindConnector
	case domain.TypeChargerBooted, domain.TypeChargerRetired, domain.TypeFirmwareStatus, domain.TypeDiagnosticsStatus,
		domain.TypeSecurityEventNoted, domain.TypeSampleRefused:
		return KindCharger
	}
	family, _, _ := strings.Cut(typ, ".")
	switch family {
	case "session":
		return KindSession
	case "pairing":
		return KindPairing
	case "notice":
		return KindNotice
	case "device":
		return KindDevice
	case "ocpp", "txid":
		return KindOCPP
	case "idtag":
		return KindIDTag
	case "shift":
		return KindShift
	case "staff":
		return KindStaff
	}
	return KindEvent
}

// hidden reports an event no subscriber gets: one quarantined (its payload
// breaks the domain's rules: a client would fold it as genuine) and the
// staff events (credentials' hashes are no one's business).
func hidden(e *domain.Event) bool {
	if o, ok := e.Data.(domain.Opaque); ok && o.Quarantined() {
		return true
	}
	return strings.HasPrefix(e.Type, "staff.")
}

// broadcast reports whether events of type typ go to every subscriber,
// whatever chargers it filters: notices and pairings concern the whole
// booth.
func broadcast(typ string) bool {
	return strings.HasPrefix(typ, "notice.") || strings.HasPrefix(typ, "pairing.")
}

// Message is one thing a Sub delivers: an event (live or recovered), or
// the marker ending the backlog (Kind KindRecovery). Its fields and what
// they point to are shared by every subscriber: read them, never change
// them.
type Message struct {
	// Seq is the stream sequence of the event, its position: a subscriber
	// resumes with Filter.Since set to the last Seq it handled. It is 0 in
	// the recovery marker.
	Seq uint64
	// Kind is the event's family (KindReading, …), or KindRecovery.
	Kind string
	// Type is the event's type ("charger.soc_reported"), or "recovery".
	Type string
	// ChargerID is the event's charger ("" when it has none).
	ChargerID string
	// Event is the event; nil in the recovery marker.
	Event *domain.Event
	// Recovery is set in the recovery marker only.
	Recovery *Recovery

	enc *encoded
}

// JSON returns the message as the WebSocket feed sends it: the event's
// envelope (domain.Event's JSON: id, type, chargerId, …, seq, data), or
// for the marker {"type":"recovery", …} (see Recovery). It is encoded once
// per event, by the first subscriber that asks, and shared. It returns nil
// for an event that cannot be encoded; skip it.
func (m Message) JSON() []byte {
	if m.enc == nil {
		return nil
	}
	return m.enc.bytes()
}

// encoded is a message's JSON, encoded lazily, once.
type encoded struct {
	once sync.Once
	v    any
	b    []byte
}

func (e *encoded) bytes() []byte {
	e.once.Do(func() {
		b, err := json.Marshal(e.v)
		if err == nil {
			e.b = b
		}
		e.v = nil
	})
	return e.b
}

// eventMessage builds the message of an event; e must not change after.
func eventMessage(e *domain.Event) Message {
	return Message{Seq: e.Seq, Kind: KindOf(e.Type), Type: e.Type, ChargerID: e.ChargerID, Event: e, enc: &encoded{v: e}}
}

// Recovery tells what a Sub with Filter.Since (or SinceTime) recovered.
// Sub.Recovery returns it as known at Subscribe (Since, Recovered,
// Oldest); the marker Message ending the backlog carries it complete.
//
// As JSON (the marker's wire form):
//
//	{"type":"recovery","since":120,"recovered":true,"from":121,"to":340,"count":57}
//	{"type":"recovery","since":3,"recovered":false,"oldest":90,"from":90,"to":340,"count":200}
type Recovery struct {
	// Type is "recovery".
	Type string `json:"type"`
	// Since is the position asked for: Filter.Since, or the position just
	// before the first event stored at or after Filter.SinceTime.
	Since uint64 `json:"since"`
	// Recovered reports that every event after Since was still in the
	// stream: the backlog holds every matching one. False when retention
	// had dropped some (Oldest tells where the stream starts now), or when
	// Since is beyond the stream's end (the stream is not the one the
	// position came from: re-read the state).
	Recovered bool `json:"recovered"`
	// Oldest is the oldest position the stream still holds; set when
	// Recovered is false.
	Oldest uint64 `json:"oldest,omitempty"`
	// From is the first position the backlog covered (Since+1, or Oldest);
	// set in the marker.
	From uint64 `json:"from,omitempty"`
	// To is the last position the backlog covered, matching or not (the
	// stream's last sequence when it was read; Since when there was
	// nothing after it): every message after the marker is after To. Set
	// in the marker.
	To uint64 `json:"to"`
	// Count is how many backlog messages came before the marker.
	Count int `json:"count"`
}

// recoveryMessage builds the marker of r.
func recoveryMessage(r Recovery) Message {
	r.Type = KindRecovery
	return Message{Kind: KindRecovery, Type: KindRecovery, Recovery: &r, enc: &encoded{v: r}}
}
