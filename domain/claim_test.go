package domain_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore/estest"
)

func TestParseClaimCode(t *testing.T) {
	tests := []struct {
		name, in, want, code string
	}{
		{"plain", "K7M4PX", "K7M4PX", ""},
		{"lower case", "k7m4px", "K7M4PX", ""},
		{"spaced as printed", "K7M 4PX", "K7M4PX", ""},
		{"hyphen and spaces", " k7m-4px ", "K7M4PX", ""},
		{"every symbol once", "23456789ABCDEFGHJKMNPQRSTVWXYZ"[:6], "234567", ""},
		{"empty", "", "", domain.CodeInvalidInput},
		{"too short", "K7M4P", "", domain.CodeInvalidInput},
		{"too long", "K7M4PXA", "", domain.CodeInvalidInput},
		{"zero", "K7M0PX", "", domain.CodeInvalidInput},
		{"letter O", "K7MOPX", "", domain.CodeInvalidInput},
		{"one", "K7M1PX", "", domain.CodeInvalidInput},
		{"letter I", "K7MIPX", "", domain.CodeInvalidInput},
		{"letter L", "K7MLPX", "", domain.CodeInvalidInput},
		{"letter U", "K7MUPX", "", domain.CodeInvalidInput},
		{"non-ASCII", "K7M4PÄ", "", domain.CodeInvalidInput},
		{"huge", strings.Repeat("A", 1000), "", domain.CodeInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ParseClaimCode(tt.in)
			checkCode(t, err, tt.code)
			if got != tt.want {
				t.Errorf("ParseClaimCode(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzParseClaimCode(f *testing.F) {
	for _, s := range []string{"K7M4PX", "k7m 4px", "K7M-4PX", "K7M0PX", "", "ÄÖÜ", "  -  "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := domain.ParseClaimCode(s)
		if err != nil {
			if domain.ErrorCode(err) != domain.CodeInvalidInput {
				t.Fatalf("refusal code %q", domain.ErrorCode(err))
			}
			return
		}
		if len(got) != domain.ClaimCodeLen {
			t.Fatalf("ParseClaimCode(%q) = %q: length %d", s, got, len(got))
		}
		for i := 0; i < len(got); i++ {
			if !strings.ContainsRune(domain.ClaimAlphabet, rune(got[i])) {
				t.Fatalf("ParseClaimCode(%q) = %q: %q is not in the alphabet", s, got, got[i])
			}
		}
		if again, err := domain.ParseClaimCode(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q → %q → %q, %v", s, got, again, err)
		}
	})
}

func TestParseCustomerToken(t *testing.T) {
	good := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, domain.TokenBytes))
	tests := []struct {
		name, in, code string
	}{
		{"made by the source", good, ""},
		{"empty", "", domain.CodeInvalidID},
		{"short", good[:21], domain.CodeInvalidID},
		{"long", good + "A", domain.CodeInvalidID},
		{"padded", good[:20] + "==", domain.CodeInvalidID},
		{"standard base64", strings.NewReplacer("-", "+", "_", "/").Replace(good), domain.CodeInvalidID},
		{"non-canonical last symbol", good[:21] + "9", domain.CodeInvalidID},
		{"path traversal", "../../../../etc/passwd", domain.CodeInvalidID},
		{"session id", "01JABCDEFGHJKMNPQRSTVWXYZ0", domain.CodeInvalidID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ParseCustomerToken(tt.in)
			checkCode(t, err, tt.code)
			if tt.code == "" && got != tt.in {
				t.Errorf("got %q, want %q", got, tt.in)
			}
		})
	}
}

func FuzzParseCustomerToken(f *testing.F) {
	f.Add(base64.RawURLEncoding.EncodeToString(make([]byte, domain.TokenBytes)))
	f.Add("AAAAAAAAAAAAAAAAAAAAAB")
	f.Add("")
	f.Add("%2e%2e%2f")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := domain.ParseCustomerToken(s)
		if err != nil {
			return
		}
		raw, derr := base64.RawURLEncoding.DecodeString(got)
		if derr != nil || len(raw) != domain.TokenBytes {
			t.Fatalf("accepted %q: %v, %d bytes", s, derr, len(raw))
		}
		if base64.RawURLEncoding.EncodeToString(raw) != s {
			t.Fatalf("accepted a non-canonical token %q", s)
		}
	})
}

// fixedReader yields its bytes in a loop, as one stream.
type fixedReader struct {
	b []byte
	n int
}

func (r *fixedReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.b[r.n%len(r.b)]
		r.n++
	}
	return len(p), nil
}

func TestTicketSource(t *testing.T) {
	t.Run("codes are in the alphabet and tokens parse", func(t *testing.T) {
		src := domain.NewTicketSource(rand.Reader, nil)
		seen := map[string]bool{}
		for i := 0; i < 2000; i++ {
			tk := src()
			if _, err := domain.ParseClaimCode(tk.ClaimCode); err != nil || len(tk.ClaimCode) != domain.ClaimCodeLen {
				t.Fatalf("code %q: %v", tk.ClaimCode, err)
			}
			if _, err := domain.ParseCustomerToken(tk.Token); err != nil {
				t.Fatalf("token %q: %v", tk.Token, err)
			}
			if seen[tk.ClaimCode] {
				t.Fatalf("code %q issued twice within the source's memory", tk.ClaimCode)
			}
			seen[tk.ClaimCode] = true
		}
	})
	t.Run("a code in use is drawn again", func(t *testing.T) {
		// Bytes 0,1,2,… : the first draw is 234567 (the first six symbols).
		r := &fixedReader{b: []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}}
		first := domain.NewTicketSource(r, nil)().ClaimCode
		var asked []string
		src := domain.NewTicketSource(&fixedReader{b: r.b}, func(code string) bool {
			asked = append(asked, code)
			return code == first
		})
		got := src().ClaimCode
		if got == first {
			t.Fatalf("got the code in use %q", got)
		}
		if len(asked) != 2 || asked[0] != first {
			t.Errorf("asked about %v, want %q then another", asked, first)
		}
	})
	t.Run("bytes past 239 are not used (no modulo bias)", func(t *testing.T) {
		src := domain.NewTicketSource(&fixedReader{b: []byte{255, 240, 29, 0}}, nil)
		if got, want := src().ClaimCode, "Z2Z2Z2"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

// ticketCtx is a decision context whose sessions get ticket tk.
func ticketCtx(tk domain.Ticket) domain.Ctx {
	x := ctxAt(0)
	x.NewTicket = func() domain.Ticket { return tk }
	return x
}

var tk1 = domain.Ticket{ClaimCode: "K7M4PX", Token: "AAAAAAAAAAAAAAAAAAAAAA"}

func TestTicketOnOpening(t *testing.T) {
	tests := []struct {
		name   string
		decide func(*domain.Charger, domain.Ctx) ([]domain.Event, error)
		want   domain.SessionOpened
	}{
		{"staff check-in with widget and label", func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
			return c.CheckInWith(x, domain.CheckIn{WidgetID: "wABCD", Label: "Anna, black iPhone"})
		}, domain.SessionOpened{By: domain.OpenedByStaff, WidgetID: "wABCD", Label: "Anna, black iPhone", ClaimCode: tk1.ClaimCode, Token: tk1.Token}},
		{"first reading", func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
			return c.ReportSoC(x, domain.Reading{SoC: 10}, "w1")
		}, domain.SessionOpened{By: domain.OpenedByReading, WidgetID: "w1", ClaimCode: tk1.ClaimCode, Token: tk1.Token}},
		{"OCPP start", func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
			evs, _ := c.StartTransaction(x, "e1", domain.TransactionStarted{ConnectorID: 1}, "")
			return evs, nil
		}, domain.SessionOpened{By: domain.OpenedByOCPP, ClaimCode: tk1.ClaimCode, Token: tk1.Token}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := tt.decide(domain.NewCharger("c1"), ticketCtx(tk1))
			checkCode(t, err, "")
			if got, ok := evs[0].Data.(domain.SessionOpened); !ok || got != tt.want {
				t.Fatalf("got %+v, want %+v", evs[0].Data, tt.want)
			}
		})
	}
	t.Run("no source, no ticket", func(t *testing.T) {
		evs, err := domain.NewCharger("c1").CheckInWith(ctxAt(0), domain.CheckIn{})
		checkCode(t, err, "")
		checkPayloads(t, evs, []domain.Payload{domain.SessionOpened{By: domain.OpenedByStaff}})
	})
}

func TestHandBackClaimed(t *testing.T) {
	open := func(widget string) *domain.Charger {
		c := domain.NewCharger("c1")
		evs, err := c.CheckInWith(ticketCtx(tk1), domain.CheckIn{WidgetID: widget})
		if err != nil {
			t.Fatal(err)
		}
		c.Fold(evs)
		return c
	}
	free := domain.Tariff{Currency: "EUR"}
	tests := []struct {
		name   string
		widget string // the session's widget
		claim  domain.Claim
		code   string
		by     string
		reason string
	}{
		{"widget scanned", "wABCD", domain.Claim{WidgetID: "wABCD", Required: true}, "", domain.VerifiedByWidget, ""},
		{"claim code typed", "wABCD", domain.Claim{ClaimCode: "k7m 4px", Required: true}, "", domain.VerifiedByClaimCode, ""},
		{"both right", "wABCD", domain.Claim{WidgetID: "wABCD", ClaimCode: "K7M4PX", Required: true}, "", domain.VerifiedByWidget, ""},
		{"wrong widget", "wABCD", domain.Claim{WidgetID: "wXYZ", Required: true}, domain.CodeClaimMismatch, "", ""},
		{"wrong code", "wABCD", domain.Claim{ClaimCode: "K7M4PY", Required: true}, domain.CodeClaimMismatch, "", ""},
		{"right widget, wrong code", "wABCD", domain.Claim{WidgetID: "wABCD", ClaimCode: "K7M4PY", Required: true}, domain.CodeClaimMismatch, "", ""},
		{"widget on a session without one", "", domain.Claim{WidgetID: "wABCD", Required: true}, domain.CodeClaimMismatch, "", ""},
		{"malformed code", "wABCD", domain.Claim{ClaimCode: "K7M0PX", Required: true}, domain.CodeInvalidInput, "", ""},
		{"malformed widget", "wABCD", domain.Claim{WidgetID: "w ABCD", Required: true}, domain.CodeInvalidID, "", ""},
		{"nothing given, required", "wABCD", domain.Claim{Required: true}, domain.CodeClaimRequired, "", ""},
		{"nothing given, not required", "wABCD", domain.Claim{}, "", domain.VerifiedByNone, ""},
		{"override with reason", "wABCD", domain.Claim{Override: true, OverrideReason: " ID checked: passport ", Required: true}, "", domain.VerifiedByOverride, "ID checked: passport"},
		{"override without reason", "wABCD", domain.Claim{Override: true, Required: true}, domain.CodeInvalidInput, "", ""},
		{"override reason on the staff route", "wABCD", domain.Claim{OverrideReason: "trust me", Required: true}, domain.CodeInvalidInput, "", ""},
		{"override reason with a newline", "wABCD", domain.Claim{Override: true, OverrideReason: "ID\nchecked"}, domain.CodeInvalidInput, "", ""},
		{"override reason too long", "wABCD", domain.Claim{Override: true, OverrideReason: strings.Repeat("x", domain.MaxReferenceLen+1)}, domain.CodeInvalidInput, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := open(tt.widget)
			sid := c.Session.ID
			evs, err := c.HandBackClaimed(ctxAt(0), free, sid, "", tt.claim)
			checkCode(t, err, tt.code)
			if tt.code != "" {
				if len(evs) != 0 {
					t.Fatalf("a refusal decided %d events", len(evs))
				}
				return
			}
			checkPayloads(t, evs, []domain.Payload{domain.HandedBack{VerifiedBy: tt.by, OverrideReason: tt.reason}})
		})
	}
	t.Run("balance due is still refused after a good claim", func(t *testing.T) {
		c := open("wABCD")
		_, err := c.HandBackClaimed(ctxAt(0), domain.DefaultTariff, c.Session.ID, "", domain.Claim{WidgetID: "wABCD"})
		checkCode(t, err, domain.CodeBalanceDue)
	})
}

func TestCheckLabel(t *testing.T) {
	tests := []struct{ name, in, want, code string }{
		{"empty", "", "", ""},
		{"trimmed", "  Anna ", "Anna", ""},
		{"unicode", "Zoë · 4711", "Zoë · 4711", ""},
		{"at the limit", strings.Repeat("é", domain.MaxLabelLen), strings.Repeat("é", domain.MaxLabelLen), ""},
		{"too long", strings.Repeat("x", domain.MaxLabelLen+1), "", domain.CodeInvalidInput},
		{"newline", "An\nna", "", domain.CodeInvalidInput},
		{"bidi override", "Anna\u202e", "", domain.CodeInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.CheckLabel(tt.in)
			checkCode(t, err, tt.code)
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestServiceCheckInWith(t *testing.T) {
	_, store, _ := estest.Start(t)
	svc := domain.NewService(store, fixedClock(t0), seqIDs(), domain.DefaultTariff)
	svc.SetTickets(domain.NewTicketSource(rand.Reader, nil))
	ctx := context.Background()
	pair := func(c, w string) {
		t.Helper()
		if _, err := svc.OnPairings(ctx, func(p *domain.Pairings, x domain.Ctx) ([]domain.Event, error) { return p.Set(x, c, w, false) }); err != nil {
			t.Fatal(err)
		}
	}
	pairs := func() map[string]string {
		var out map[string]string
		_, _ = svc.OnPairings(ctx, func(p *domain.Pairings, _ domain.Ctx) ([]domain.Event, error) {
			out = map[string]string{}
			for k, v := range p.ByCharger {
				out[k] = v
			}
			return nil, nil
		})
		return out
	}
	pair("c1", "w1")
	pair("c2", "w2")

	// A widget handed out is the session's and is moved to its charger.
	evs, err := svc.CheckInWith(ctx, "c3", domain.CheckIn{WidgetID: "w1", Label: "Anna"})
	checkCode(t, err, "")
	o := evs[len(evs)-1].Data.(domain.SessionOpened)
	if o.WidgetID != "w1" || o.Label != "Anna" || len(o.ClaimCode) != 6 || len(o.Token) != domain.TokenLen {
		t.Fatalf("opened %+v", o)
	}
	if p := pairs(); p["c3"] != "w1" || p["c1"] != "" {
		t.Errorf("pairings after the hand-out: %v, want c3 → w1 and c1 unpaired", p)
	}
	// A widget out with an open session is not handed out again.
	_, err = svc.CheckInWith(ctx, "c4", domain.CheckIn{WidgetID: "w1"})
	checkCode(t, err, domain.CodeWidgetTaken)
	// A charger with an open session keeps its pairing.
	_, err = svc.CheckInWith(ctx, "c3", domain.CheckIn{WidgetID: "w9"})
	checkCode(t, err, domain.CodeSessionOpen)
	if p := pairs(); p["c3"] != "w1" {
		t.Errorf("a refused check-in moved the pairing: %v", p)
	}
	// Without a widget the session gets the charger's paired one.
	evs, err = svc.CheckInWith(ctx, "c2", domain.CheckIn{})
	checkCode(t, err, "")
	if o := evs[0].Data.(domain.SessionOpened); o.WidgetID != "w2" || o.ClaimCode == "" {
		t.Errorf("opened %+v, want widget w2 and a claim code", o)
	}
	_, err = svc.CheckInWith(ctx, "c5", domain.CheckIn{Label: "x\u202e"})
	checkCode(t, err, domain.CodeInvalidInput)
	_, err = svc.CheckInWith(ctx, "c5", domain.CheckIn{WidgetID: "bad id"})
	checkCode(t, err, domain.CodeInvalidID)
}
