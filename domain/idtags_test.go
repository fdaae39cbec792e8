package domain_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chargebooth/chargebooth/domain"
)

func TestValidateIDTag(t *testing.T) {
	tests := []struct {
		tag string
		ok  bool
	}{
		{"TAG1", true},
		{strings.Repeat("A", 20), true},
		{"04E1A2B3C4D5E6", true},
		{"", false},
		{strings.Repeat("A", 21), false},
		{"has space", false},
		{"tab\there", false},
		{"\xff\xfe", false},
	}
	for _, tt := range tests {
		t.Run(tt.tag, func(t *testing.T) {
			if err := domain.ValidateIDTag(tt.tag); (err == nil) != tt.ok {
				t.Errorf("ValidateIDTag(%q): got %v, want ok=%v", tt.tag, err, tt.ok)
			}
		})
	}
}

func FuzzValidateIDTag(f *testing.F) {
	for _, s := range []string{"TAG1", "", "a b", strings.Repeat("Z", 20)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := domain.ValidateIDTag(s)
		if err == nil && (len(s) == 0 || len(s) > 20 || !utf8.ValidString(s) || strings.ContainsAny(s, " \t\r\n")) {
			t.Errorf("accepted %q", s)
		}
		if err != nil && domain.ErrorCode(err) != domain.CodeInvalidInput {
			t.Errorf("code %q", domain.ErrorCode(err))
		}
	})
}

func TestIDTagList(t *testing.T) {
	l := domain.NewIDTags()
	x := ctxAt(0)
	var seq uint64
	apply := func(evs []domain.Event, err error) []domain.Event {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		for i := range evs {
			seq++
			evs[i].Seq = seq
			l.Apply(evs[i])
		}
		return evs
	}
	exp := t0.Add(time.Hour)
	apply(l.Set(x, domain.IDTag{Tag: "A", Status: domain.TagAccepted, Expiry: &exp}))
	if evs := apply(l.Set(x, domain.IDTag{Tag: "A", Status: domain.TagAccepted, Expiry: &exp})); len(evs) != 0 {
		t.Errorf("the same entry again: got %d events, want none", len(evs))
	}
	if got := l.ByTag["A"].Effective(t0); got != domain.TagAccepted {
		t.Errorf("before expiry: %s", got)
	}
	if got := l.ByTag["A"].Effective(exp); got != domain.TagExpired {
		t.Errorf("at expiry: %s, want Expired", got)
	}
	if _, err := l.Set(x, domain.IDTag{Tag: "B", Status: "ConcurrentTx"}); domain.ErrorCode(err) != domain.CodeInvalidInput {
		t.Errorf("status ConcurrentTx: got %v, want invalid_input", err)
	}
	apply(l.Remove(x, "A"))
	if _, err := l.Remove(x, "A"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("remove twice: got %v, want not_found", err)
	}
}
