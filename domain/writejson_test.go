package domain_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// WriteJSON writes what encoding/json's Marshal returns, byte for byte:
// a checkpoint streamed with it is read back by encoding/json.
func TestWriteJSONIsMarshal(t *testing.T) {
	type inner struct {
		N    int       `json:"n,omitempty"`
		S    string    `json:"s"`
		T    time.Time `json:"t"`
		P    *int      `json:"p"`
		Skip string    `json:"-"`
	}
	t0 := time.Date(2026, 7, 4, 18, 0, 0, 123456789, time.FixedZone("x", 3600))
	n := 7
	e := domain.NewEvent("01J1Z5Q8W3M4N5P6Q7R8S9T0VW", t0, "c1234", "s1", domain.SoCReported{SoC: 81.5, Status: domain.StatusCharging80, ReadingID: "r<&>"})
	for _, v := range []any{
		map[string]any{"b": 1, "a": []int{1, 2}, "c": nil, "d": map[string]uint64{"z": 1, "y": 2}},
		inner{S: "é\u2028<tag>", T: t0, P: &n},
		[]inner{{}, {N: 3}},
		struct {
			M  map[string]int `json:"m"`
			L  []string       `json:"l"`
			B  []byte         `json:"b"`
			F  float64        `json:"f"`
			E  domain.Event   `json:"e"`
			EP *domain.Event  `json:"ep,omitempty"`
		}{B: []byte("raw\x00"), F: 1e21, E: e},
	} {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := domain.WriteJSON(&buf, v); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("WriteJSON wrote\n %s\nencoding/json\n %s", buf.Bytes(), want)
		}
	}
}
