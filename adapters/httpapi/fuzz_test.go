package httpapi_test

import (
	"errors"
	"testing"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/domain"
)

func TestDecodePayment(t *testing.T) {
	tests := []struct {
		body   string
		amount int64
		method string
		code   string
	}{
		{`{"amountCents":500,"method":"cash"}`, 500, "cash", ""},
		{` {"amountCents":1,"method":"card","reference":"r-1"} ` + "\n", 1, "card", ""},
		{`{"amountCents":-5,"method":"cash"}`, -5, "cash", ""}, // the domain refuses it
		{`{"amountCents":5.0,"method":"cash"}`, 0, "", domain.CodeInvalidAmount},
		{`{"amountCents":"5","method":"cash"}`, 0, "", domain.CodeInvalidAmount},
		{`{"amountCents":null,"method":"cash"}`, 0, "", domain.CodeInvalidAmount},
		{`{"amountCents":012,"method":"cash"}`, 0, "", domain.CodeMalformedJSON},
		{`{"amountCents":99999999999999999999,"method":"cash"}`, 0, "", domain.CodeInvalidAmount},
		{`{"method":"cash"}`, 0, "", domain.CodeInvalidAmount},
		{`{"amountCents":5,"method":"cash","x":1}`, 0, "", domain.CodeInvalidInput},
		{`{"amountCents":5,"amountCents":7,"method":"cash"}`, 0, "", domain.CodeInvalidInput},
		{`{"AMOUNTCENTS":7,"method":"cash"}`, 0, "", domain.CodeInvalidInput},
		{`{"amountCents":5,"Method":"cash"}`, 0, "", domain.CodeInvalidInput},
		{"{\"amountCents\":5,\"method\":\"cash\",\"reference\":\"\xff\"}", 0, "", domain.CodeMalformedJSON},
		{`{"amountCents":5,"method":"cash","reference":"\udc00"}`, 0, "", domain.CodeMalformedJSON},
		{`{"amountCents":5,"method":"cash","reference":"\u00e9\ud83d\ude00"}`, 5, "cash", ""},
		{`{"amountCents":5,"method":["cash"]}`, 0, "", domain.CodeInvalidInput},
		{`{"amountCents":5}{"amountCents":5}`, 0, "", domain.CodeMalformedJSON},
		{`{"amountCents":5,}`, 0, "", domain.CodeMalformedJSON},
		{`null`, 0, "", domain.CodeMalformedJSON},
		{``, 0, "", domain.CodeMalformedJSON},
	}
	for _, tc := range tests {
		t.Run(tc.body, func(t *testing.T) {
			p, err := httpapi.DecodePayment([]byte(tc.body))
			if got := domain.ErrorCode(err); got != tc.code {
				t.Fatalf("code: got %q (%v), want %q", got, err, tc.code)
			}
			if err == nil && (p.AmountCents != tc.amount || p.Method != tc.method) {
				t.Errorf("got %+v, want %d %s", p, tc.amount, tc.method)
			}
		})
	}
}

// FuzzDecodePayment checks that no body panics the decoder, that every
// refusal is a domain error with a 4xx code, and that an accepted body is
// a plain object.
func FuzzDecodePayment(f *testing.F) {
	for _, s := range []string{
		`{"amountCents":500,"method":"cash","reference":"till 1"}`,
		`{"amountCents":500,"method":"card"}`,
		`{"amountCents":99.5,"method":"cash"}`,
		`{"amountCents":"100","method":"cash"}`,
		`{"amountCents":1e2}`,
		`{"amountCents":-1,"method":"cash"}`,
		`{"amountCents":5}{}`,
		`{"amountCents":5,"tip":1}`,
		`[1]`, `"x"`, ``, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := httpapi.DecodePayment(body)
		if err != nil {
			var de *domain.Error
			if !errors.As(err, &de) || de.Message == "" {
				t.Fatalf("body %q: error %v is not a domain error with a message", body, err)
			}
			switch de.Code {
			case domain.CodeMalformedJSON, domain.CodeInvalidInput, domain.CodeInvalidAmount, "body_too_large":
			default:
				t.Fatalf("body %q: unexpected code %q", body, de.Code)
			}
			return
		}
		if p.IdempotencyKey != "" {
			t.Fatalf("body %q set an idempotency key", body)
		}
	})
}

// FuzzDecodeStrict checks the strict decoding every staff request body
// takes, seeded with real bodies and the v1 leniencies: an accepted body
// is valid UTF-8, names each field once and spells it exactly.
func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{
		`{"amountCents":500,"method":"cash","reference":"till 1"}`,
		`{"amountCents":500,"method":"card","reference":"caf\u00e9 \ud83d\ude00"}`,
		`{"amountCents":100,"amountCents":7,"method":"cash"}`,
		`{"AMOUNTCENTS":7,"method":"cash"}`,
		`{"amountCents":7,"METHOD":"cash"}`,
		"{\"amountCents\":7,\"method\":\"cash\",\"reference\":\"caf\xe9\"}",
		`{"amountCents":7,"method":"cash","reference":"\ud800"}`,
		`{"amountCents":7,"method":"cash","reference":"\u202e"}`,
		`{"amountCents":7,"method":"cash"} `,
		`{"waiveReason":"crew phone"}`,
		`{"at":"2026-07-04 23:00","timeZone":"Europe/Madrid","text":"Booth closes in 30 minutes"}`,
	} {
		f.Add([]byte(s))
	}
	exact := map[string]bool{"amountCents": true, "method": true, "reference": true, "tip": true, "till": true}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, err := httpapi.DecodePayment(body)
		if err != nil {
			if c := domain.ErrorCode(err); c == domain.CodeInternal {
				t.Fatalf("body %q: internal error %v", body, err)
			}
			return
		}
		if !utf8.Valid(body) {
			t.Fatalf("body %q: accepted invalid UTF-8", body)
		}
		// jsonv2 refuses duplicate names itself; the names left must be
		// the declared ones, spelled exactly.
		var m map[string]jsontext.Value
		if err := jsonv2.Unmarshal(body, &m); err != nil {
			t.Fatalf("body %q: accepted, but is not one object with distinct names: %v", body, err)
		}
		for name := range m {
			if !exact[name] {
				t.Fatalf("body %q: accepted the name %q", body, name)
			}
		}
	})
}

// FuzzParseClientMessage checks the live feed's client message parser.
func FuzzParseClientMessage(f *testing.F) {
	for _, s := range []string{
		`{"action":"subscribe","chargerId":"c1234"}`,
		`{"action":"subscribe","chargerId":"*"}`,
		`{"action":"unsubscribe","chargerId":"c1234"}`,
		`{"action":"watch"}`, `hello`, `{}`,
		`{"action":"subscribe","chargerId":"*","since":120}`,
		`{"action":"subscribe","chargerIds":["c1","c2"],"sinceTime":"2026-07-04T20:00:00Z"}`,
		`{"action":"subscribe","chargerId":"*","since":-1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		m, err := httpapi.ParseClientMessage(msg)
		if err != nil {
			if domain.ErrorCode(err) == domain.CodeInternal {
				t.Fatalf("msg %q: internal error %v", msg, err)
			}
			return
		}
		if m.Action != "subscribe" && m.Action != "unsubscribe" {
			t.Fatalf("msg %q: accepted action %q", msg, m.Action)
		}
		ids := m.ChargerIDs
		if ids == nil {
			ids = []string{m.ChargerID}
		}
		for _, id := range ids {
			if id != "*" && domain.ValidateDeviceID("charger", id) != nil {
				t.Fatalf("msg %q: accepted charger %q", msg, id)
			}
		}
		if m.Since != nil && m.SinceTime != nil || m.Action == "unsubscribe" && (m.Since != nil || m.SinceTime != nil) {
			t.Fatalf("msg %q: accepted since %v and sinceTime %v on %s", msg, m.Since, m.SinceTime, m.Action)
		}
	})
}
