package charger

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/chargebooth/chargebooth/domain"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// MaxReadingIDLen bounds the optional reading id a charger may send.
const MaxReadingIDLen = 128

// EventStateOfCharge is the only event a simple-protocol charger sends.
const EventStateOfCharge = "StateOfCharge"

// Frame is one parsed charger frame.
type Frame struct {
	Event     string
	ReadingID string // optional; asks for an Ack
	SoC       float64
}

type rawFrame struct {
	Event *string         `json:"event"`
	ID    json.RawMessage `json:"id"`
	Data  json.RawMessage `json:"data"`
}

type rawData struct {
	SoC json.RawMessage `json:"soc"`
}

// exactData is rawData for the one-pass decoder.
type exactData struct {
	SoC jsontext.Value `json:"soc"`
}

// typedFrame is a well-formed frame in one decoding pass.
type typedFrame struct {
	Event *string    `json:"event"`
	ID    *string    `json:"id"`
	Data  *exactData `json:"data"`
}

// ParseFrame parses a text frame of the simple protocol. A bad frame gives
// a domain error whose code goes back to the charger in an Error frame.
func ParseFrame(b []byte) (Frame, error) {
	b = bytes.TrimSpace(b)
	// A good frame spelled exactly (known names only, each once, valid
	// UTF-8) is decoded once, by go-json-experiment/json; anything else
	// takes the step-by-step path below, which names what is wrong.
	var t typedFrame
	if len(b) > 0 && b[0] == '{' && jsonv2.Unmarshal(b, &t, jsonv2.RejectUnknownMembers(true)) == nil &&
		t.Event != nil && *t.Event == EventStateOfCharge &&
		t.Data != nil && (t.ID == nil || *t.ID != "" && len(*t.ID) <= MaxReadingIDLen) {
		if soc, err := socNumber(t.Data.SoC); err == nil {
			f := Frame{Event: EventStateOfCharge, SoC: soc}
			if t.ID != nil {
				f.ReadingID = *t.ID
			}
			return f, nil
		}
	}
	return parseSteps(b)
}

// parseSteps parses a frame one part after the other and reports the first
// part that is wrong.
func parseSteps(b []byte) (Frame, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		if json.Valid(b) {
			return Frame{}, domain.Errorf(domain.CodeMalformedJSON, "a frame must be one JSON object")
		}
		return Frame{}, domain.Errorf(domain.CodeMalformedJSON, "the frame is not valid JSON")
	}
	var raw rawFrame
	if err := json.Unmarshal(b, &raw); err != nil {
		if !json.Valid(b) {
			return Frame{}, domain.Errorf(domain.CodeMalformedJSON, "the frame is not valid JSON")
		}
		return Frame{}, domain.Errorf(domain.CodeMalformedJSON, "the frame does not have the shape {\"event\":…,\"data\":{…}}")
	}
	if raw.Event == nil {
		return Frame{}, domain.Errorf(domain.CodeUnknownEvent, "the frame has no \"event\"")
	}
	if *raw.Event != EventStateOfCharge {
		return Frame{}, domain.Errorf(domain.CodeUnknownEvent, "unknown event %q; a charger sends %q", *raw.Event, EventStateOfCharge)
	}
	f := Frame{Event: *raw.Event}
	if len(raw.ID) > 0 && string(raw.ID) != "null" {
		var id string
		if err := json.Unmarshal(raw.ID, &id); err != nil || id == "" || len(id) > MaxReadingIDLen {
			return Frame{}, domain.Errorf(domain.CodeInvalidID, "\"id\" must be a string of 1 to %d characters", MaxReadingIDLen)
		}
		f.ReadingID = id
	}
	if len(raw.Data) == 0 || raw.Data[0] != '{' {
		return Frame{}, domain.Errorf(domain.CodeInvalidSoC, "\"data\" must be an object holding \"soc\"")
	}
	var d rawData
	if err := json.Unmarshal(raw.Data, &d); err != nil {
		return Frame{}, domain.Errorf(domain.CodeMalformedJSON, "\"data\" must be an object holding \"soc\"")
	}
	soc, err := socNumber(d.SoC)
	if err != nil {
		return Frame{}, err
	}
	f.SoC = soc
	return f, nil
}

// parseSoC checks the raw "data.soc" of a frame.
func socNumber(raw []byte) (float64, error) {
	if len(raw) == 0 {
		return 0, domain.Errorf(domain.CodeInvalidSoC, "\"data.soc\" is missing")
	}
	c := raw[0]
	if c != '-' && (c < '0' || c > '9') {
		return 0, domain.Errorf(domain.CodeInvalidSoC, "\"data.soc\" must be a JSON number from 0 to 100, got %s", clip(raw))
	}
	soc, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return 0, domain.Errorf(domain.CodeInvalidSoC, "\"data.soc\" must be a number from 0 to 100, got %s", clip(raw))
	}
	if err := domain.ValidateSoC(soc); err != nil {
		return 0, err
	}
	return soc, nil
}

func clip(b []byte) string {
	if len(b) > 32 {
		return string(b[:32]) + "…"
	}
	return string(b)
}

// ErrorFrame encodes {"event":"Error","data":{"code","message"}}.
func ErrorFrame(code, message string) []byte {
	b, _ := json.Marshal(struct {
		Event string `json:"event"`
		Data  struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"data"`
	}{Event: "Error", Data: struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}{code, message}})
	return b
}

// AckFrame encodes {"event":"Ack","data":{"id":…}}.
func AckFrame(id string) []byte { return AppendAckFrame(nil, id) }

// AppendAckFrame appends AckFrame(id) to b: the bytes encoding/json
// writes, without its allocations for the usual plain ASCII ids.
func AppendAckFrame(b []byte, id string) []byte {
	b = append(b, `{"event":"Ack","data":{"id":`...)
	if plainJSON(id) {
		b = append(b, '"')
		b = append(b, id...)
		b = append(b, '"')
	} else {
		q, _ := json.Marshal(id)
		b = append(b, q...)
	}
	return append(b, "}}"...)
}

// plainJSON reports whether s is printable ASCII that encoding/json writes
// as it is between quotes (it escapes '"', '\\', '<', '>' and '&').
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
