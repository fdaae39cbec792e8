package ocpp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
	"golang.org/x/time/rate"
)

const (
	bootPayload  = `{"chargePointVendor":"VendorX","chargePointModel":"M1"}`
	startPayload = `{"connectorId":1,"idTag":"TAG1","meterStart":0,"timestamp":"2026-07-04T18:00:00Z"}`
	socPayload   = `{"connectorId":0,"meterValue":[{"timestamp":"2026-07-04T18:05:00Z","sampledValue":[{"value":"70","measurand":"SoC"}]}]}`
)

// serve runs one CALL through a connection's session.
func serve(tb testing.TB, r *ocpp.Router, s *ocpp.Session, action, payload string) *ocpp.CallError {
	tb.Helper()
	_, cerr := r.Serve(context.Background(), s, action, json.RawMessage(payload))
	return cerr
}

// methods lists the backend methods called, in order.
func methods(b *fakeBackend) []string {
	var out []string
	for _, c := range b.Calls() {
		out = append(out, c.Method)
	}
	return out
}

func TestBootRule(t *testing.T) {
	others := []struct{ action, payload string }{
		{"Heartbeat", `{}`},
		{"StatusNotification", `{"connectorId":1,"errorCode":"NoError","status":"Available"}`},
		{"Authorize", `{"idTag":"TAG1"}`},
		{"StartTransaction", startPayload},
		{"MeterValues", socPayload},
		{"StopTransaction", `{"transactionId":1,"meterStop":0,"timestamp":"2026-07-04T18:00:00Z"}`},
		{"DataTransfer", `{"vendorId":"v"}`},
	}
	tests := []struct {
		name     string
		standing ocpp.BootDecision // Backend.BootStatus
		decision ocpp.BootDecision // the boot's answer
		wantDesc string            // the refusal before the boot; "" when served
		served   bool              // other CALLs are served after the boot
		after    string            // the refusal after the boot
	}{
		{"never booted, must boot", "", ocpp.BootAccepted,
			"the charger's BootNotification was not accepted; send BootNotification first", true, ""},
		{"accepted before, reconnecting", ocpp.BootAccepted, ocpp.BootAccepted, "", true, ""},
		{"rejected", ocpp.BootRejected, ocpp.BootRejected,
			"the charger's BootNotification was Rejected; only BootNotification is served until it is Accepted", false,
			"the charger's BootNotification was Rejected; only BootNotification is served until it is Accepted"},
		{"pending", ocpp.BootPending, ocpp.BootPending,
			"the charger's BootNotification is Pending; only BootNotification is served until it is Accepted", false,
			"the charger's BootNotification is Pending; only BootNotification is served until it is Accepted"},
		{"accepted before, rejected now", ocpp.BootAccepted, ocpp.BootRejected, "", false,
			"the charger's BootNotification was Rejected; only BootNotification is served until it is Accepted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBackend()
			b.bootStatus, b.bootDecision = tt.standing, tt.decision
			var heard refusals
			r := ocpp.NewRouter(b, ocpp.Config{Now: func() time.Time { return fixedNow }, Logger: quietLogger(), Refused: heard.hear})
			s := r.NewSession("c1234")
			refused := 0
			for _, o := range others {
				cerr := serve(t, r, s, o.action, o.payload)
				if tt.wantDesc == "" {
					if cerr != nil {
						t.Fatalf("%s before the boot: got %v, want it served", o.action, cerr)
					}
					continue
				}
				refused++
				wantRouterCode(t, cerr, ocpp.CodeSecurityError)
				if cerr.Description != tt.wantDesc {
					t.Errorf("%s: got description %q, want %q", o.action, cerr.Description, tt.wantDesc)
				}
			}
			if tt.wantDesc != "" && len(b.Calls()) != 0 {
				t.Fatalf("got backend calls %v before the boot, want none", methods(b))
			}
			b.calls = nil

			if cerr := serve(t, r, s, "BootNotification", bootPayload); cerr != nil {
				t.Fatalf("BootNotification: got %v, want it served whatever the standing status", cerr)
			}
			if got := s.Boot(); got != tt.decision {
				t.Errorf("session boot: got %q, want %q", got, tt.decision)
			}
			for _, o := range others {
				cerr := serve(t, r, s, o.action, o.payload)
				if tt.served {
					if cerr != nil {
						t.Fatalf("%s after an Accepted boot: got %v, want it served", o.action, cerr)
					}
					continue
				}
				refused++
				wantRouterCode(t, cerr, ocpp.CodeSecurityError)
				if cerr.Description != tt.after {
					t.Errorf("%s: got description %q, want %q", o.action, cerr.Description, tt.after)
				}
			}
			if !tt.served {
				if got := fmt.Sprint(methods(b)); got != "[Boot]" {
					t.Errorf("got backend calls %s, want only [Boot]: nothing else is stored", got)
				}
			}
			if got := len(heard.list()); got != refused {
				t.Errorf("got %d refusals heard, want %d", got, refused)
			}
		})
	}
}

func TestBootRuleAsksBackendOnce(t *testing.T) {
	b := newFakeBackend()
	b.bootStatus = ""
	r := newRouter(b)
	s := r.NewSession("c1234")
	wantRouterCode(t, serve(t, r, s, "Heartbeat", `{}`), ocpp.CodeSecurityError)
	b.mu.Lock()
	b.bootStatus = ocpp.BootAccepted // a later change does not let this connection in
	b.mu.Unlock()
	wantRouterCode(t, serve(t, r, s, "Heartbeat", `{}`), ocpp.CodeSecurityError)
	if got := r.NewSession("c1234"); serve(t, r, got, "Heartbeat", `{}`) != nil {
		t.Error("a new connection after the change: got refused, want served")
	}
}

func TestBootFailureKeepsStatus(t *testing.T) {
	b := newFakeBackend()
	b.bootStatus = ""
	r := newRouter(b)
	s := r.NewSession("c1234")
	b.err = ocpp.ErrStoreUnavailable
	wantRouterCode(t, serve(t, r, s, "BootNotification", bootPayload), ocpp.CodeInternalError)
	b.err = nil
	wantRouterCode(t, serve(t, r, s, "Heartbeat", `{}`), ocpp.CodeSecurityError)
	if cerr := serve(t, r, s, "BootNotification", bootPayload); cerr != nil {
		t.Fatal(cerr)
	}
	if cerr := serve(t, r, s, "Heartbeat", `{}`); cerr != nil {
		t.Errorf("Heartbeat after the boot: got %v, want served", cerr)
	}
}

func TestRateLimit(t *testing.T) {
	tests := []struct {
		name     string
		rate     float64
		burst    int
		wantDesc string
	}{
		{"configured", 1, 3, "rate limited: more than 1 messages a second; retry later"},
		{"fractional", 0.5, 2, "rate limited: more than 0.5 messages a second; retry later"},
		{"defaults", 0, 0, "rate limited: more than 20 messages a second; retry later"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBackend()
			var heard refusals
			r := ocpp.NewRouter(b, ocpp.Config{Now: func() time.Time { return fixedNow }, Logger: quietLogger(),
				Rate: rate.Limit(tt.rate), Burst: tt.burst, Refused: heard.hear})
			burst := tt.burst
			if burst == 0 {
				burst = ocpp.DefaultBurst
			}
			s := r.NewSession("c1234")
			served, limited := 0, 0
			for i := range burst + 10 {
				f, err := ocpp.ParseFrame([]byte(fmt.Sprintf(`[2,"m%d","MeterValues",%s]`, i, socPayload)))
				if err != nil {
					t.Fatal(err)
				}
				var out []any
				if err := json.Unmarshal(r.HandleFrame(context.Background(), s, f), &out); err != nil {
					t.Fatal(err)
				}
				switch out[0] {
				case float64(3):
					served++
				case float64(4):
					limited++
					if out[1] != fmt.Sprintf("m%d", i) || out[2] != string(ocpp.CodeGenericError) || out[3] != tt.wantDesc {
						t.Errorf("got %v, want [4,\"m%d\",\"GenericError\",%q,{}]", out, i, tt.wantDesc)
					}
				}
			}
			// The test may take a little longer than a token's period.
			if served < burst || served > burst+2 || limited < 8 {
				t.Errorf("got %d served and %d limited, want the burst (%d) served and the rest limited", served, limited, burst)
			}
			if got := len(b.Calls()); got != served {
				t.Errorf("got %d readings stored, want %d: a limited message is not served", got, served)
			}
			if got := len(heard.list()); got != limited {
				t.Errorf("got %d refusals heard, want %d", got, limited)
			}
		})
	}
}

// TestRateLimitPerConnection checks that one connection's flood does not
// limit another's.
func TestRateLimitPerConnection(t *testing.T) {
	r := ocpp.NewRouter(newFakeBackend(), ocpp.Config{Logger: quietLogger(), Rate: 1, Burst: 1})
	a, other := r.NewSession("c1"), r.NewSession("c2")
	if !a.Allow() || a.Allow() {
		t.Fatal("want c1's burst of 1 used up")
	}
	if !other.Allow() {
		t.Error("c2 limited by c1's flood")
	}
}
