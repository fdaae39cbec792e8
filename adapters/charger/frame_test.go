package charger_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/chargebooth/chargebooth/adapters/charger"
	"github.com/chargebooth/chargebooth/domain"
)

// realFrames are frames as chargers send them: the seeds of the fuzzer.
var realFrames = []string{
	`{"event":"StateOfCharge","data":{"soc":70}}`,
	`{"event":"StateOfCharge","id":"r-17","data":{"soc":79.9}}`,
	`{"event": "StateOfCharge", "data": {"soc": 100}}`,
	`{"event":"StateOfCharge","data":{"soc":0},"firmware":"1.2"}`,
	`{"event":"StateOfCharge","data":{"soc":101}}`,
	`{"event":"StateOfCharge","data":{"soc":"70"}}`,
	`{"event":"StateOfCharge","data":{"soc":1e999}}`,
	`{"event":"StateOfCharge","data":{"soc":7`,
	`[1,2,3]`,
	`{"event":"Boot","data":{}}`,
}

func TestParseFrame(t *testing.T) {
	valid := []struct {
		frame string
		soc   float64
		id    string
	}{
		{`{"event":"StateOfCharge","data":{"soc":0}}`, 0, ""},
		{`{"event":"StateOfCharge","data":{"soc":5}}`, 5, ""},
		{`{"event":"StateOfCharge","data":{"soc":79.9}}`, 79.9, ""},
		{`{"event":"StateOfCharge","data":{"soc":80}}`, 80, ""},
		{`{"event":"StateOfCharge","data":{"soc":100}}`, 100, ""},
		{`{"event":"StateOfCharge","data":{"soc":1e2}}`, 100, ""},
		{`{"event":"StateOfCharge","id":"r-17","data":{"soc":70}}`, 70, "r-17"},
		{`{"event":"StateOfCharge","id":null,"data":{"soc":70}}`, 70, ""},
		{"  {\"event\":\"StateOfCharge\",\"data\":{\"soc\":70}}\n", 70, ""},
		{`{"event":"StateOfCharge","data":{"soc":70,"extra":1},"other":true}`, 70, ""},
	}
	for _, tt := range valid {
		t.Run(tt.frame, func(t *testing.T) {
			f, err := charger.ParseFrame([]byte(tt.frame))
			if err != nil {
				t.Fatalf("got error %v", err)
			}
			if f.SoC != tt.soc || f.ReadingID != tt.id || f.Event != charger.EventStateOfCharge {
				t.Errorf("got %+v, want soc %g id %q", f, tt.soc, tt.id)
			}
		})
	}
	bad := []struct {
		name, frame, code string
	}{
		{"soc 101", `{"event":"StateOfCharge","data":{"soc":101}}`, domain.CodeInvalidSoC},
		{"soc -1", `{"event":"StateOfCharge","data":{"soc":-1}}`, domain.CodeInvalidSoC},
		{"soc abc", `{"event":"StateOfCharge","data":{"soc":abc}}`, domain.CodeMalformedJSON},
		{"soc string", `{"event":"StateOfCharge","data":{"soc":"70"}}`, domain.CodeInvalidSoC},
		{"soc null", `{"event":"StateOfCharge","data":{"soc":null}}`, domain.CodeInvalidSoC},
		{"soc true", `{"event":"StateOfCharge","data":{"soc":true}}`, domain.CodeInvalidSoC},
		{"soc object", `{"event":"StateOfCharge","data":{"soc":{}}}`, domain.CodeInvalidSoC},
		{"no data", `{"event":"StateOfCharge"}`, domain.CodeInvalidSoC},
		{"data not an object", `{"event":"StateOfCharge","data":70}`, domain.CodeInvalidSoC},
		{"no soc", `{"event":"StateOfCharge","data":{}}`, domain.CodeInvalidSoC},
		{"not json", `hello`, domain.CodeMalformedJSON},
		{"array", `[1,2,3]`, domain.CodeMalformedJSON},
		{"string", `"StateOfCharge"`, domain.CodeMalformedJSON},
		{"empty", ``, domain.CodeMalformedJSON},
		{"unknown event", `{"event":"Boot","data":{"soc":5}}`, domain.CodeUnknownEvent},
		{"no event", `{"data":{"soc":5}}`, domain.CodeUnknownEvent},
		{"event not a string", `{"event":5,"data":{"soc":5}}`, domain.CodeMalformedJSON},
		{"1e999", `{"event":"StateOfCharge","data":{"soc":1e999}}`, domain.CodeInvalidSoC},
		{"truncated", `{"event":"StateOfCharge","data":{"soc":7`, domain.CodeMalformedJSON},
		{"id a number", `{"event":"StateOfCharge","id":17,"data":{"soc":7}}`, domain.CodeInvalidID},
		{"id empty", `{"event":"StateOfCharge","id":"","data":{"soc":7}}`, domain.CodeInvalidID},
		{"id too long", `{"event":"StateOfCharge","id":"` + strings.Repeat("x", charger.MaxReadingIDLen+1) + `","data":{"soc":7}}`, domain.CodeInvalidID},
		{"NaN", `{"event":"StateOfCharge","data":{"soc":NaN}}`, domain.CodeMalformedJSON},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := charger.ParseFrame([]byte(tt.frame))
			var de *domain.Error
			if !errors.As(err, &de) {
				t.Fatalf("got %v, want a domain error %s", err, tt.code)
			}
			if de.Code != tt.code || de.Message == "" {
				t.Errorf("got %s %q, want %s with a message", de.Code, de.Message, tt.code)
			}
		})
	}
}

func TestReplyFrames(t *testing.T) {
	var e struct {
		Event string `json:"event"`
		Data  struct {
			Code, Message string
		} `json:"data"`
	}
	if err := json.Unmarshal(charger.ErrorFrame("invalid_soc", `soc "x" <is> wrong`), &e); err != nil {
		t.Fatal(err)
	}
	if e.Event != "Error" || e.Data.Code != "invalid_soc" || e.Data.Message != `soc "x" <is> wrong` {
		t.Errorf("error frame: got %+v", e)
	}
	for _, id := range []string{"r-17", `q"uote`, "ünï", `back\slash`} {
		var a struct {
			Event string `json:"event"`
			Data  struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		if err := json.Unmarshal(charger.AckFrame(id), &a); err != nil {
			t.Fatalf("ack %q: %v", id, err)
		}
		if a.Event != "Ack" || a.Data.ID != id {
			t.Errorf("ack: got %+v, want id %q", a, id)
		}
	}
}

var documentedCodes = map[string]bool{
	domain.CodeMalformedJSON: true, domain.CodeUnknownEvent: true, domain.CodeInvalidSoC: true, domain.CodeInvalidID: true,
}

func FuzzParseFrame(f *testing.F) {
	for _, s := range realFrames {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := charger.ParseFrame(b)
		if err != nil {
			var de *domain.Error
			if !errors.As(err, &de) || !documentedCodes[de.Code] || de.Message == "" {
				t.Fatalf("frame %q: error %v is not a documented domain error", b, err)
			}
			return
		}
		if math.IsNaN(fr.SoC) || math.IsInf(fr.SoC, 0) || fr.SoC < 0 || fr.SoC > 100 {
			t.Fatalf("frame %q: accepted soc %g", b, fr.SoC)
		}
		if fr.Event != charger.EventStateOfCharge || len(fr.ReadingID) > charger.MaxReadingIDLen {
			t.Fatalf("frame %q: accepted %+v", b, fr)
		}
	})
}

// TestAppendAckFrame: the Ack frame is the bytes encoding/json writes for
// it, plain ids (copied as they are) and ids it escapes alike, whatever
// the buffer it is appended to held before.
func TestAppendAckFrame(t *testing.T) {
	for _, id := range []string{"r-17", "0", "lgc0001-mx4zpf40-123", `q"uote`, "ünï", `back\slash`, "<tag>&", "tab\there", "\x7f", "\u2028"} {
		q, _ := json.Marshal(id)
		want := `{"event":"Ack","data":{"id":` + string(q) + `}}`
		if got := string(charger.AckFrame(id)); got != want {
			t.Errorf("AckFrame(%q) = %s, want %s", id, got, want)
		}
		if got := string(charger.AppendAckFrame([]byte("stale bytes"), id)); got != "stale bytes"+want {
			t.Errorf("AppendAckFrame(…, %q) = %s, want the buffer followed by %s", id, got, want)
		}
	}
}
