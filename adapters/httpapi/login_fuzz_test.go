package httpapi_test

import (
	"strings"
	"testing"

	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/domain"
)

// FuzzDecodeLogin: the login body decoder never panics, refuses with a
// domain error, and what it accepts is exactly one way of signing in.
func FuzzDecodeLogin(f *testing.F) {
	for _, s := range []string{
		`{"token":"k3vQ2x_1"}`, `{"name":"Lee","pin":"4321"}`, `{"name":"Lee"}`, `{"token":"a","pin":"1"}`,
		`{"token":"a","token":"b"}`, `{"Token":"a"}`, `{"name":"\ud800","pin":"1"}`, `[]`, `{}`, `null`, `{"token":1}`,
		`{"name":"` + strings.Repeat("x", 300) + `","pin":"1234"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := httpapi.DecodeLogin(body)
		if err != nil {
			if domain.ErrorCode(err) == domain.CodeInternal {
				t.Fatalf("%q: internal error %v", body, err)
			}
			return
		}
		_ = req
	})
}

// FuzzParseSessionCookie: the cookie parser never panics and accepts only
// a well-formed session value.
func FuzzParseSessionCookie(f *testing.F) {
	for _, s := range []string{
		"cb_session=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG0", "cb_session=", "other=1; cb_session=abc-_9",
		`cb_session="abc"`, "cb_session=a b", "cb_session=" + strings.Repeat("a", 65), "cb_session=abc; cb_session=def", ";;=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		v, ok := httpapi.ParseSessionCookie(header)
		if !ok {
			if v != "" {
				t.Fatalf("%q: refused but returned %q", header, v)
			}
			return
		}
		if v == "" || len(v) > httpapi.MaxCookie {
			t.Fatalf("%q: accepted %q", header, v)
		}
		for _, c := range v {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				t.Fatalf("%q: accepted %q with %q", header, v, c)
			}
		}
	})
}

func TestParseSessionCookie(t *testing.T) {
	tests := []struct {
		header string
		want   string
		ok     bool
	}{
		{"cb_session=abc-_9", "abc-_9", true},
		{"theme=dark; cb_session=abc", "abc", true},
		{"cb_session=", "", false},
		{"cb_session=a+b", "", false},
		{"cb_session=" + strings.Repeat("a", 65), "", false},
		{"session=abc", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			got, ok := httpapi.ParseSessionCookie(tt.header)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %q %v, want %q %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
