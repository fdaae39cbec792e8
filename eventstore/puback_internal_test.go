package eventstore

import (
	"encoding/json"
	"testing"
)

// The answers JetStream gives a publish, and how plainPubAck reads them:
// the plain acknowledgement itself, everything else left to encoding/json.
var pubAckCases = []struct {
	name   string
	in     string
	stream string
	seq    uint64
	ok     bool
}{
	{"new message", `{"stream":"CHARGEBOOTH","seq":1}`, "CHARGEBOOTH", 1, true},
	{"large sequence", `{"stream":"S","seq":18446744073709551615}`, "S", 18446744073709551615, true},
	{"sequence overflows", `{"stream":"S","seq":18446744073709551616}`, "", 0, false},
	{"duplicate", `{"stream":"S","seq":7,"duplicate":true}`, "", 0, false},
	{"domain", `{"stream":"S","domain":"hub","seq":7}`, "", 0, false},
	{"error", `{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 3"},"stream":"S","seq":0}`, "", 0, false},
	{"leading zero", `{"stream":"S","seq":07}`, "", 0, false},
	{"zero", `{"stream":"S","seq":0}`, "", 0, false},
	{"negative", `{"stream":"S","seq":-1}`, "", 0, false},
	{"fraction", `{"stream":"S","seq":1.5}`, "", 0, false},
	{"spaces", `{"stream": "S", "seq": 1}`, "", 0, false},
	{"escaped name", `{"stream":"S\"x","seq":1}`, "", 0, false},
	{"empty name", `{"stream":"","seq":1}`, "", 0, false},
	{"trailing bytes", `{"stream":"S","seq":1}x`, "", 0, false},
	{"no sequence", `{"stream":"S","seq":}`, "", 0, false},
	{"empty", ``, "", 0, false},
}

func TestPlainPubAck(t *testing.T) {
	for _, tc := range pubAckCases {
		t.Run(tc.name, func(t *testing.T) {
			ack, ok := plainPubAck([]byte(tc.in))
			if ok != tc.ok {
				t.Fatalf("plainPubAck(%s): ok = %v, want %v", tc.in, ok, tc.ok)
			}
			if ok && (ack.Stream != tc.stream || ack.Sequence != tc.seq || ack.Duplicate) {
				t.Errorf("plainPubAck(%s) = %+v, want stream %q seq %d", tc.in, ack, tc.stream, tc.seq)
			}
		})
	}
}

// FuzzPlainPubAck: whatever plainPubAck accepts, encoding/json reads the
// same way (a new message's acknowledgement, no error).
func FuzzPlainPubAck(f *testing.F) {
	for _, tc := range pubAckCases {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ack, ok := plainPubAck(b)
		if !ok {
			return
		}
		var a pubAnswer
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatalf("plainPubAck accepted %q, encoding/json refuses it: %v", b, err)
		}
		if a.Error != nil || a.PubAck == nil || a.Stream != ack.Stream || a.Sequence != ack.Sequence || a.Duplicate {
			t.Fatalf("plainPubAck(%q) = %+v, encoding/json reads %+v (error %v)", b, ack, a.PubAck, a.Error)
		}
	})
}
