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
	{"another stream", `{"stream":"OTHER","seq":1}`, "", 0, false},
	{"a longer name", `{"stream":"SS","seq":1}`, "", 0, false},
	{"trailing bytes", `{"stream":"S","seq":1}x`, "", 0, false},
	{"no sequence", `{"stream":"S","seq":}`, "", 0, false},
	{"empty", ``, "", 0, false},
}

func TestPlainPubAck(t *testing.T) {
	for _, tc := range pubAckCases {
		t.Run(tc.name, func(t *testing.T) {
			stream := tc.stream
			if stream == "" {
				stream = "S"
			}
			seq, ok := plainPubAck([]byte(tc.in), stream)
			if ok != tc.ok {
				t.Fatalf("plainPubAck(%s, %q): ok = %v, want %v", tc.in, stream, ok, tc.ok)
			}
			if ok && seq != tc.seq {
				t.Errorf("plainPubAck(%s, %q) = %d, want %d", tc.in, stream, seq, tc.seq)
			}
		})
	}
}

// FuzzPlainPubAck: whatever plainPubAck accepts for a stream, encoding/json
// reads the same way (a new message's acknowledgement in that stream, no
// error).
func FuzzPlainPubAck(f *testing.F) {
	for _, tc := range pubAckCases {
		f.Add([]byte(tc.in), "S")
	}
	f.Add([]byte(`{"stream":"CHARGEBOOTH","seq":1}`), "CHARGEBOOTH")
	f.Fuzz(func(t *testing.T, b []byte, stream string) {
		if stream == "" || !printableName([]byte(stream)) {
			return // not a stream name
		}
		seq, ok := plainPubAck(b, stream)
		if !ok {
			return
		}
		var a pubAnswer
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatalf("plainPubAck accepted %q, encoding/json refuses it: %v", b, err)
		}
		if a.Error != nil || a.PubAck == nil || a.Stream != stream || a.Sequence != seq || a.Duplicate {
			t.Fatalf("plainPubAck(%q, %q) = %d, encoding/json reads %+v (error %v)", b, stream, seq, a.PubAck, a.Error)
		}
	})
}

// printableName reports whether b is printable ASCII without '"' or '\'
// (a stream name is: JSON writes it as it is).
func printableName(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
