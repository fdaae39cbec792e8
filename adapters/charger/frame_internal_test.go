package charger

import (
	"reflect"
	"testing"
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
