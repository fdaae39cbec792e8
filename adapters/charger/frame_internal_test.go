package charger

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/chargebooth/chargebooth/domain"
)

// FuzzParseFrameOnePass checks the one-pass decoding of a good frame
// against the step-by-step parser: the same frame, or the same error.
func FuzzParseFrameOnePass(f *testing.F) {
	for _, s := range []string{
		`{"event":"StateOfCharge","data":{"soc":42}}`,
		`{"event":"StateOfCharge","id":"r-1","data":{"soc":80.5}}`,
		`{"event":"StateOfCharge","id":null,"data":{"soc":100}}`,
		`{"event":"StateOfCharge","id":"","data":{"soc":1}}`,
		`{"event":"StateOfCharge","id":7,"data":{"soc":1}}`,
		`{"event":"StateOfCharge","data":null}`,
		`{"event":"StateOfCharge","data":{"soc":"50"}}`,
		`{"EVENT":"StateOfCharge","Data":{"SOC":3}}`,
		`{"event":"StateOfCharge","data":{"soc":5},"data":null}`,
		`{"event":"Other","data":{"soc":5}}`,
		` {"event":"StateOfCharge","data":{"soc":-0}} `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, gotErr := ParseFrame(b)
		want, wantErr := parseSteps(b)
		if !reflect.DeepEqual(got, want) || (gotErr == nil) != (wantErr == nil) ||
			gotErr != nil && gotErr.Error() != wantErr.Error() {
			t.Fatalf("frame %q: ParseFrame = %+v, %v; step by step = %+v, %v", b, got, gotErr, want, wantErr)
		}
	})
}

// FuzzSoCAgreesWithParseSoC checks that a frame's soc and the text parser
// of OCPP and the mock agree: a JSON number accepted here is accepted by
// domain.ParseSoC with the same value, and one refused here is refused
// there. Seeded with the soc of real frames.
func FuzzSoCAgreesWithParseSoC(f *testing.F) {
	for _, s := range []string{"70", "79.9", "100", "0", "101", "-1", "1e2", "1e999", "-0", "80.5", "0.0001", "100.0000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) || len(s) == 0 || s[0] != '-' && (s[0] < '0' || s[0] > '9') || s[len(s)-1] < '0' || s[len(s)-1] > '9' {
			return // not a JSON number token as a frame holds it (no spaces around)
		}
		got, gotErr := socNumber([]byte(s))
		want, wantErr := domain.ParseSoC(s)
		if (gotErr == nil) != (wantErr == nil) || got != want {
			t.Fatalf("soc %s: frame = %v, %v; ParseSoC = %v, %v", s, got, gotErr, want, wantErr)
		}
		if gotErr != nil && domain.ErrorCode(gotErr) != domain.CodeInvalidSoC {
			t.Fatalf("soc %s: code %s, want invalid_soc", s, domain.ErrorCode(gotErr))
		}
	})
}
