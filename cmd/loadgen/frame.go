package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// eventKind is the kind of a frame the server sends.
type eventKind uint8

// The frames loadgen tells apart.
const (
	eventOther eventKind = iota
	eventStateOfCharge
	eventAck
	eventError
)

// frame is a decoded server frame: the event and the one field of its data
// that loadgen uses.
type frame struct {
	kind   eventKind
	status status // eventStateOfCharge
	code   string // eventError
}

// appendReading appends the charger frame of reading seq with the given
// soc. Its id is tag-seq, unique across runs since the server stores a
// re-sent id once; seq 0 makes a reading without id, which the server does
// not acknowledge.
func appendReading(dst []byte, tag string, seq uint64, soc int) []byte {
	if seq == 0 {
		dst = append(dst, `{"event":"StateOfCharge","data":{"soc":`...)
	} else {
		dst = append(dst, `{"event":"StateOfCharge","id":"`...)
		dst = append(dst, tag...)
		dst = append(dst, '-')
		dst = strconv.AppendUint(dst, seq, 10)
		dst = append(dst, `","data":{"soc":`...)
	}
	dst = strconv.AppendInt(dst, int64(soc), 10)
	return append(dst, `}}`...)
}

// The exact shapes a Go server writes; anything else goes through
// encoding/json.
var (
	prefixStatus = []byte(`{"event":"StateOfCharge","data":{"status":"`)
	prefixAck    = []byte(`{"event":"Ack","data":{"id":"`)
	suffixString = []byte(`"}}`)
)

// decodeFrame decodes a server frame. Compact frames of the two frequent
// shapes (status and Ack) are read without allocating; everything else is
// decoded with encoding/json.
func decodeFrame(b []byte) (frame, error) {
	if f, ok := decodeFast(b); ok {
		return f, nil
	}
	return decodeJSON(b)
}

// decodeFast reads the compact status and Ack frames. It reports false for
// any frame it cannot read exactly as encoding/json would.
func decodeFast(b []byte) (frame, bool) {
	var kind eventKind
	var rest []byte
	switch {
	case bytes.HasPrefix(b, prefixStatus):
		kind, rest = eventStateOfCharge, b[len(prefixStatus):]
	case bytes.HasPrefix(b, prefixAck):
		kind, rest = eventAck, b[len(prefixAck):]
	default:
		return frame{}, false
	}
	if !bytes.HasSuffix(rest, suffixString) {
		return frame{}, false
	}
	value := rest[:len(rest)-len(suffixString)]
	for _, c := range value {
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			return frame{}, false
		}
	}
	f := frame{kind: kind}
	if kind == eventStateOfCharge {
		f.status = parseStatus(value)
	}
	return f, true
}

// wireFrame is the JSON shape of every server frame.
type wireFrame struct {
	Event string `json:"event"`
	Data  struct {
		Status string `json:"status"`
		ID     string `json:"id"`
		Code   string `json:"code"`
	} `json:"data"`
}

// decodeJSON decodes any server frame with encoding/json.
func decodeJSON(b []byte) (frame, error) {
	var w wireFrame
	if err := json.Unmarshal(b, &w); err != nil {
		return frame{}, fmt.Errorf("decode frame: %w", err)
	}
	switch w.Event {
	case "StateOfCharge":
		return frame{kind: eventStateOfCharge, status: parseStatus([]byte(w.Data.Status))}, nil
	case "Ack":
		return frame{kind: eventAck}, nil
	case "Error":
		return frame{kind: eventError, code: w.Data.Code}, nil
	}
	return frame{kind: eventOther}, nil
}
