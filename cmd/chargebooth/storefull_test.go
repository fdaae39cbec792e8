package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/internal/testkit"
)

// readyz returns /readyz's status and body.
func readyz(tb testing.TB, m *Main) (int, string) {
	tb.Helper()
	resp, err := http.Get("http://" + m.HTTPURL + "/readyz")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestStoreFullAndBack: with a tiny --max-store the booth fills up;
// chargers hear store_full, /readyz says so, nothing acknowledged is lost,
// and once the limit is raised (PUT /api/store) readings are acknowledged
// again without a restart.
func TestStoreFullAndBack(t *testing.T) {
	m := startMain(t, t.TempDir(), func(m *Main) { m.Config.MaxStore, m.Config.Devices.Mode = 1<<20, "enrolled" })
	c := dialCharger(t, m, "c1234")
	acked := map[string]bool{}
	var full frame
	pad := strings.Repeat("x", 110) // a long reading id fills the store sooner
	for i := 0; i < 40000 && full.Event == ""; i++ {
		id := fmt.Sprintf("r%05d-%s", i, pad)
		c.send(fmt.Sprintf(`{"event":"StateOfCharge","id":%q,"data":{"soc":%d}}`, id, i%100))
		switch f := c.nextFrame(10 * time.Second); f.Event {
		case "Ack":
			acked[id] = true
		case "Error":
			if f.Data.Code != domain.CodeRateLimited { // faster than 1,000/s: not stored, go on
				full = f
			}
		default:
			t.Fatalf("reading %d: got %+v", i, f)
		}
	}
	if full.Data.Code != domain.CodeStoreFull {
		t.Fatalf("after %d readings: got %+v, want an Error store_full", len(acked), full)
	}
	if !strings.Contains(full.Data.Message, "full") || !strings.Contains(full.Data.Message, "reading was not stored") {
		t.Errorf("store_full message %q does not say what was not stored", full.Data.Message)
	}
	testkit.CheckFor(t, 10*time.Second, func() error {
		if code, body := readyz(t, m); code != http.StatusServiceUnavailable || !strings.Contains(body, "store_full") {
			return fmt.Errorf("/readyz: %d %q, want 503 store_full", code, body)
		}
		return nil
	})
	// A full store is no reason to doubt the enrolment list: an unknown
	// charger is refused as unknown, not told the booth is still starting.
	if code, reason := testkit.DialRefused(t, "ws://"+m.ChargerURL+"/chargers/stranger", nil); code != http.StatusForbidden || !strings.Contains(reason, "not enrolled") {
		t.Errorf("unknown charger while the store is full: %d %q, want 403 not enrolled", code, reason)
	}
	if got := total(scrape(t, m)["chargebooth_store_full"], nil); got != 1 {
		t.Errorf("chargebooth_store_full: got %v, want 1", got)
	}
	var st struct {
		Full          bool  `json:"full"`
		MaxStoreBytes int64 `json:"maxStoreBytes"`
	}
	if code := api(t, m, "GET", "/api/store", "", &st); code != http.StatusOK || !st.Full {
		t.Errorf("GET /api/store: %d %+v, want full", code, st)
	}

	// The operator raises the limit; the booth resumes by itself.
	if code := api(t, m, "PUT", "/api/store", `{"maxStoreBytes":67108864}`, &st); code != http.StatusOK {
		t.Fatalf("PUT /api/store: %d", code)
	}
	testkit.CheckFor(t, 15*time.Second, func() error {
		c.send(`{"event":"StateOfCharge","id":"after-raise","data":{"soc":90}}`)
		if f := c.nextFrame(10 * time.Second); f.Event != "Ack" {
			return fmt.Errorf("after the limit was raised: got %+v, want Ack", f)
		}
		return nil
	})
	acked["after-raise"] = true
	testkit.CheckFor(t, 10*time.Second, func() error {
		if code, body := readyz(t, m); code != http.StatusOK {
			return fmt.Errorf("/readyz: %d %q, want 200", code, body)
		}
		return nil
	})

	// Nothing acknowledged was lost.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	evs, err := m.Store.Load(ctx, domain.ChargerKey("c1234"), 0)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, e := range evs {
		if r, ok := e.Data.(domain.SoCReported); ok {
			stored[r.ReadingID] = true
		}
	}
	for id := range acked {
		if !stored[id] {
			t.Errorf("acknowledged reading %.12s… not in the store", id)
		}
	}
	t.Logf("%d readings acknowledged before the store was full", len(acked)-1)
}

// TestStoreLogsThroughTheServersLogger: the event store's own lines (the
// storage limit, readiness) follow --log-format and --log-level like the
// server's, rather than going to the process's default logger.
func TestStoreLogsThroughTheServersLogger(t *testing.T) {
	m := startMain(t, t.TempDir(), func(m *Main) {
		m.Config.LogFormat, m.Config.LogLevel, m.Config.MaxStore = "json", "info", 4<<20
	})
	out := m.Stderr.(fmt.Stringer)
	testkit.CheckFor(t, 5*time.Second, func() error {
		for _, line := range strings.Split(out.String(), "\n") {
			if strings.Contains(line, `"msg":"event store limit"`) && strings.HasPrefix(line, "{") {
				return nil
			}
		}
		return fmt.Errorf("no JSON line for the store limit in the server's log:\n%s", out)
	})
}
