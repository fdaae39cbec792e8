package main

import (
	"encoding/json"
	"testing"
)

func TestDecodeFrame(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    frame
		wantErr bool
	}{
		{name: "status charging", in: `{"event":"StateOfCharge","data":{"status":"charging"}}`, want: frame{kind: eventStateOfCharge, status: statusCharging}},
		{name: "status charging80", in: `{"event":"StateOfCharge","data":{"status":"charging80"}}`, want: frame{kind: eventStateOfCharge, status: statusCharging80}},
		{name: "status charged", in: `{"event":"StateOfCharge","data":{"status":"charged"}}`, want: frame{kind: eventStateOfCharge, status: statusCharged}},
		{name: "unknown status", in: `{"event":"StateOfCharge","data":{"status":"blue"}}`, want: frame{kind: eventStateOfCharge, status: statusUnknown}},
		{name: "spaced status", in: `{ "event": "StateOfCharge", "data": { "status": "charged" } }`, want: frame{kind: eventStateOfCharge, status: statusCharged}},
		{name: "keys reversed", in: `{"data":{"status":"charging80"},"event":"StateOfCharge"}`, want: frame{kind: eventStateOfCharge, status: statusCharging80}},
		{name: "escaped status", in: `{"event":"StateOfCharge","data":{"status":"charg\u0065d"}}`, want: frame{kind: eventStateOfCharge, status: statusCharged}},
		{name: "extra field", in: `{"event":"StateOfCharge","data":{"status":"charged","soc":100}}`, want: frame{kind: eventStateOfCharge, status: statusCharged}},
		{name: "ack", in: `{"event":"Ack","data":{"id":"r17"}}`, want: frame{kind: eventAck}},
		{name: "error", in: `{"event":"Error","data":{"code":"invalid_soc","message":"soc must be 0 to 100"}}`, want: frame{kind: eventError, code: "invalid_soc"}},
		{name: "other event", in: `{"event":"Hello","data":{}}`, want: frame{kind: eventOther}},
		{name: "not json", in: `charging`, wantErr: true},
		{name: "status not a string", in: `{"event":"StateOfCharge","data":{"status":3}}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeFrame([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("decodeFrame(%s) error = %v, want error: %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("decodeFrame(%s) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestAppendReading(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tag  string
		seq  uint64
		soc  int
		want string
	}{
		{tag: "x", seq: 0, soc: 85, want: `{"event":"StateOfCharge","data":{"soc":85}}`},
		{tag: "lk3j9x2a", seq: 1, soc: 20, want: `{"event":"StateOfCharge","id":"lk3j9x2a-1","data":{"soc":20}}`},
		{tag: "q", seq: 123456, soc: 100, want: `{"event":"StateOfCharge","id":"q-123456","data":{"soc":100}}`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			got := appendReading(nil, tt.tag, tt.seq, tt.soc)
			if string(got) != tt.want {
				t.Errorf("appendReading(%d, %d) = %s, want %s", tt.seq, tt.soc, got, tt.want)
			}
			if !json.Valid(got) {
				t.Errorf("appendReading(%d, %d) is not JSON", tt.seq, tt.soc)
			}
		})
	}
}

// FuzzDecodeFrame checks that the allocation-free path reads every frame
// it accepts exactly as encoding/json does.
func FuzzDecodeFrame(f *testing.F) {
	for _, seed := range []string{
		`{"event":"StateOfCharge","data":{"status":"charging"}}`,
		`{"event":"StateOfCharge","data":{"status":"charging80"}}`,
		`{"event":"StateOfCharge","data":{"status":"charged"}}`,
		`{"event":"Ack","data":{"id":"r17"}}`,
		`{"event":"Error","data":{"code":"rate_limited","message":"slow down"}}`,
		`{"event":"StateOfCharge","data":{"status":"a","x":"b"}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := decodeFast(b)
		slow, err := decodeJSON(b)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("fast path accepted %q, encoding/json: %v", b, err)
		}
		if fast != slow {
			t.Fatalf("decode %q: fast %+v, encoding/json %+v", b, fast, slow)
		}
	})
}

func TestHotPathAllocatesNothing(t *testing.T) {
	status := []byte(`{"event":"StateOfCharge","data":{"status":"charging80"}}`)
	ack := []byte(`{"event":"Ack","data":{"id":"lk3j9x2a-17"}}`)
	buf := make([]byte, 0, 128)
	tests := []struct {
		name string
		f    func()
	}{
		{name: "decode status", f: func() { _, _ = decodeFrame(status) }},
		{name: "decode ack", f: func() { _, _ = decodeFrame(ack) }},
		{name: "append reading", f: func() { buf = appendReading(buf[:0], "lk3j9x2a", 17, 85) }},
		{name: "record latency", f: func() { sharedHistogram.record(1234567) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(100, tt.f); got != 0 {
				t.Errorf("%s allocates %v times, want 0", tt.name, got)
			}
		})
	}
}

// sharedHistogram is recorded into by the allocation test.
var sharedHistogram histogram
