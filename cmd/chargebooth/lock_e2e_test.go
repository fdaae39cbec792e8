package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/nats-io/nats.go"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrapeAt reads the metrics of the server at base.
func scrapeAt(tb testing.TB, base string) map[string]*dto.MetricFamily {
	tb.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		tb.Fatalf("/metrics does not parse: %v", err)
	}
	return fams
}

// forged is a stored event as someone with NATS access would write it.
func forged(typ, chargerID, sessionID, data string) string {
	return fmt.Sprintf(`{"id":%q,"type":%q,"chargerId":%q,"sessionId":%q,"time":%q,"v":1,"data":%s}`,
		domain.DerivedID(chargerID, "test.forged", data), typ, chargerID, sessionID, time.Now().UTC().Format(time.RFC3339Nano), data)
}

// TestTheStoreIsLocked (issue 14, must show 4): on the embedded NATS
// port a forged payment without the credentials is refused by NATS; one
// with the credentials but a negative amount (or a fractional one, or a
// pairing of an invalid id) is quarantined: counted, shown by replay,
// folded by no read model, the reconciliation unchanged; rebuild counts
// it and reports no difference.
func TestTheStoreIsLocked(t *testing.T) {
	dir := t.TempDir()
	p := startProc(t, dir)
	base := "http://" + p.http
	var s struct {
		ID string `json:"id"`
	}
	if code := apiAt(t, base, "POST", "/api/sessions", `{"chargerId":"c1234"}`, &s); code != http.StatusCreated {
		t.Fatalf("check in: %d", code)
	}
	if code := apiAt(t, base, "POST", "/api/sessions/"+s.ID+"/payments", `{"amountCents":300,"method":"cash"}`, nil); code != http.StatusCreated {
		t.Fatalf("payment: %d", code)
	}
	day := time.Now().UTC().Truncate(24 * time.Hour)
	reconciliation := func() string {
		var r map[string]any
		q := fmt.Sprintf("/api/reports/reconciliation?from=%s&to=%s", day.Format(time.RFC3339), day.Add(48*time.Hour).Format(time.RFC3339))
		if code := apiAt(t, base, "GET", q, "", &r); code != http.StatusOK {
			t.Fatalf("reconciliation: %d", code)
		}
		delete(r, "generatedAt")
		b, _ := json.Marshal(r)
		return string(b)
	}
	before := reconciliation()
	subject := eventstore.Subject(eventstore.DefaultSubjectPrefix, domain.ChargerKey("c1234"))

	// The credentials file is private to the server's user.
	credsPath := filepath.Join(dir, eventstore.CredentialsFile)
	fi, err := os.Stat(credsPath)
	if err != nil {
		t.Fatalf("no credentials in the data dir: %v", err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("credentials mode %04o, want 0600", got)
	}

	t.Run("without credentials NATS refuses", func(t *testing.T) {
		nc, err := nats.Connect(p.nats, nats.Timeout(2*time.Second))
		if err == nil {
			defer nc.Close()
			_, err = nc.Request(subject, []byte(forged(domain.TypePaymentRecorded, "c1234", s.ID, `{"amountCents":100000,"method":"cash"}`)), 2*time.Second)
			t.Fatalf("connected and published without credentials (answer: %v)", err)
		}
		if !strings.Contains(strings.ToLower(err.Error()), "authorization violation") {
			t.Errorf("got %v, want an authorization violation", err)
		}
	})

	creds, err := eventstore.LoadCredentials(credsPath)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(p.nats, creds.Option(), nats.Timeout(2*time.Second))
	if err != nil {
		t.Fatalf("connect with the credentials: %v", err)
	}
	defer nc.Close()
	publishRaw(t, nc, subject, forged(domain.TypePaymentRecorded, "c1234", s.ID, `{"amountCents":-100000,"method":"cash"}`))
	publishRaw(t, nc, subject, forged(domain.TypePaymentRecorded, "c1234", s.ID, `{"amountCents":12.5,"method":"cash"}`))
	publishRaw(t, nc, eventstore.Subject(eventstore.DefaultSubjectPrefix, domain.PairingsKey),
		forged(domain.TypePairingSet, "c1234", "", `{"chargerId":"c1234","widgetId":"w<script>"}`))

	testkit.CheckFor(t, 10*time.Second, func() error {
		fams := scrapeAt(t, base)
		for _, q := range []struct{ typ, reason string }{
			{domain.TypePaymentRecorded, domain.CodeInvalidAmount}, {domain.TypePairingSet, domain.CodeInvalidID},
		} {
			if got := total(fams["chargebooth_events_quarantined_total"], map[string]string{"type": q.typ, "reason": q.reason}); got != 1 {
				return fmt.Errorf("quarantined %s %s: got %v, want 1", q.typ, q.reason, got)
			}
		}
		if got := total(fams["chargebooth_events_unknown_total"], map[string]string{"type": domain.TypePaymentRecorded}); got != 1 {
			return fmt.Errorf("undecodable (fractional) payments: got %v, want 1", got)
		}
		return nil
	})
	if got := reconciliation(); got != before {
		t.Errorf("reconciliation changed by forged events:\n got %s\nwant %s", got, before)
	}
	var sess struct {
		PaidCents int64 `json:"paidCents"`
	}
	if apiAt(t, base, "GET", "/api/sessions/"+s.ID, "", &sess); sess.PaidCents != 300 {
		t.Errorf("session paid %d, want 300", sess.PaidCents)
	}
	var pairs struct {
		Pairings []domain.Pair `json:"pairings"`
	}
	apiAt(t, base, "GET", "/api/pairings", "", &pairs)
	for _, pr := range pairs.Pairings {
		if strings.Contains(pr.WidgetID, "<") {
			t.Errorf("a forged pairing was folded: %+v", pr)
		}
	}
	if !strings.Contains(p.out.String(), "event quarantined") {
		t.Errorf("the server did not log the quarantined events:\n%s", p.out.String())
	}

	// replay (through the running server's NATS, with the data dir's
	// credentials) shows it; rebuild counts it and finds no difference.
	code, out, errOut := runCmd(t, "replay", "--session", s.ID, "--data-dir", dir)
	if code != 0 {
		t.Fatalf("replay: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(out, "QUARANTINED (invalid_amount") || !strings.Contains(out, "-100000") {
		t.Errorf("replay does not show the quarantined payment:\n%s", out)
	}
	if !strings.Contains(errOut, "running server") {
		t.Errorf("replay did not use the running server: %s", errOut)
	}
	p.stop(t) // checkpoints at shutdown
	code, out, errOut = runCmd(t, "rebuild", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "no differences") {
		t.Errorf("rebuild: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"quarantined 1 events that break the domain's rules (see replay): session.payment_recorded",
		"quarantined 1 events that break the domain's rules (see replay): pairing.set"} {
		if !strings.Contains(out, want) {
			t.Errorf("rebuild lacks %q:\n%s", want, out)
		}
	}
}

// TestLooseCredentialsRefused: a credentials file others may read stops
// the server and the ops tools, saying the chmod to run.
func TestLooseCredentialsRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, eventstore.CredentialsFile)
	if err := os.WriteFile(path, []byte(`{"user":"u","password":"p"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	m := &Main{Stdout: &testkit.SyncBuffer{}, Stderr: &testkit.SyncBuffer{}}
	if err := m.ParseFlags([]string{"--data-dir", dir, "--nats-listen", "127.0.0.1:-1", "--http-addr", "127.0.0.1:0",
		"--charger-addr", "127.0.0.1:0", "--widget-addr", "127.0.0.1:0", "--staff-token", testToken, "--log-level", "error"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := m.Run(ctx)
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "chmod 600 "+path) {
		t.Fatalf("serve: got %v, want a refusal saying chmod 600 %s", err, path)
	}
	if err := os.MkdirAll(filepath.Join(dir, "jetstream"), 0o755); err != nil { // as if a server had run there
		t.Fatal(err)
	}
	code, _, errOut := runCmd(t, "rebuild", "--data-dir", dir)
	if code == 0 || !strings.Contains(errOut, "chmod 600") {
		t.Errorf("rebuild: exit %d, %q, want a refusal saying chmod 600", code, errOut)
	}
}

func TestNATSListenMustBeLoopback(t *testing.T) {
	tests := []struct {
		addr   string
		remote bool
		ok     bool
	}{
		{"127.0.0.1:4222", false, true},
		{"127.1.2.3:-1", false, true},
		{"[::1]:4222", false, true},
		{"localhost:4222", false, true},
		{"LOCALHOST:4222", false, true},
		{":4222", false, true}, // the embedded server binds 127.0.0.1
		{"0.0.0.0:4222", false, false},
		{"[::]:4222", false, false},
		{"192.168.1.10:4222", false, false},
		{"booth.local:4222", false, false},
		{"0.0.0.0:4222", true, true},
		{"192.168.1.10:4222", true, true},
		{"127.0.0.1", false, false}, // no port
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s remote=%v", tt.addr, tt.remote), func(t *testing.T) {
			err := checkNATSListen(tt.addr, tt.remote)
			if (err == nil) != tt.ok {
				t.Fatalf("got %v, want ok=%v", err, tt.ok)
			}
			if err != nil && strings.Contains(tt.addr, ":4222") && !strings.Contains(err.Error(), "--nats-allow-remote") {
				t.Errorf("the refusal does not name --nats-allow-remote: %v", err)
			}
		})
	}
	// serve refuses before it starts anything.
	m := &Main{Stdout: &testkit.SyncBuffer{}, Stderr: &testkit.SyncBuffer{}}
	if err := m.ParseFlags([]string{"--data-dir", t.TempDir(), "--nats-listen", "0.0.0.0:-1", "--http-addr", "127.0.0.1:0",
		"--charger-addr", "127.0.0.1:0", "--widget-addr", "127.0.0.1:0", "--staff-token", testToken, "--log-level", "error"}); err != nil {
		t.Fatal(err)
	}
	err := m.Run(t.Context())
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "--nats-allow-remote") {
		t.Errorf("serve --nats-listen 0.0.0.0:-1: got %v, want a refusal naming --nats-allow-remote", err)
	}
}
