package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDashboardOCPPControls drives the panel's OCPP controls in a real
// browser: a hard reset after its confirmation, and the configuration
// view (read every key, change one), against a hand-written charger.
func TestDashboardOCPPControls(t *testing.T) {
	logs := &browserLog{}
	m := startMain(t, t.TempDir())
	base := "http://" + m.HTTPURL
	c := dialOCPP(t, m, "cDash", nil)
	c.boot()

	// The charger answers what the dashboard sends and keeps it.
	var mu sync.Mutex
	var got []string
	go func() {
		for {
			select {
			case elems := <-c.calls:
				var id, action string
				_ = json.Unmarshal(elems[1], &id)
				_ = json.Unmarshal(elems[2], &action)
				mu.Lock()
				got = append(got, action+" "+string(elems[3]))
				mu.Unlock()
				answer := `{"status":"Accepted"}`
				if action == "GetConfiguration" {
					answer = `{"configurationKey":[{"key":"MeterValueSampleInterval","readonly":false,"value":"60"},` +
						`{"key":"NumberOfConnectors","readonly":true,"value":"1"}]}`
				}
				_ = c.ws.WriteMessage(1, []byte(fmt.Sprintf(`[3,%q,%s]`, id, answer)))
			case <-c.closed:
				return
			}
		}
	}()
	received := func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(got, "|")
	}

	ctx := newBrowser(t, 40*time.Second, logs)
	const ctl = `#panel[data-charger="cDash"] #ocpp-controls`
	openPanel(t, ctx, logs, base, "cDash")
	waitPage(t, ctx, logs, 5*time.Second, "controls shown for an OCPP charger",
		fmt.Sprintf(`String(!!document.querySelector(%q) && !document.querySelector(%q).hidden)`, ctl, ctl), "true")

	// A reset asks first; only the confirmation sends it.
	browse(t, ctx, logs, "hard reset", chromedp.Click(ctl+` [data-ocpp="reset-hard"]`, chromedp.ByQuery))
	waitPage(t, ctx, logs, 5*time.Second, "confirmation shown",
		fmt.Sprintf(`String(!document.querySelector(%q).hidden)`, ctl+` [data-ref="ocppConfirm"]`), "true")
	if r := received(); r != "" {
		t.Fatalf("sent before the confirmation: %s", r)
	}
	browse(t, ctx, logs, "confirm", chromedp.Click(ctl+` [data-ocpp="confirm"]`, chromedp.ByQuery))
	waitPage(t, ctx, logs, 5*time.Second, "reset answer shown",
		fmt.Sprintf(`document.querySelector(%q).textContent`, ctl+` [data-ocpp-info]`), "Hard reset: Accepted")
	if r := received(); r != `Reset {"type":"Hard"}` {
		t.Fatalf("charger got %q, want one hard Reset", r)
	}
	waitPage(t, ctx, logs, 5*time.Second, "the call on the OCPP timeline",
		fmt.Sprintf(`String(!!document.querySelector(%q))`, ctl+` #ocpp-timeline li[data-action="Reset"][data-outcome="answered"]`), "true")

	// The configuration view reads every key and changes one.
	browse(t, ctx, logs, "open the configuration", chromedp.Click(ctl+` [data-ref="ocppConfig"] summary`, chromedp.ByQuery),
		chromedp.Click(ctl+` [data-ocpp="get-config"]`, chromedp.ByQuery))
	row := ctl + ` tr[data-key="MeterValueSampleInterval"]`
	waitPage(t, ctx, logs, 5*time.Second, "configuration table",
		fmt.Sprintf(`(document.querySelector(%q) || {value: ''}).value`, row+" input"), "60")
	waitPage(t, ctx, logs, 5*time.Second, "read-only key shown as read-only",
		fmt.Sprintf(`(document.querySelector(%q) || {textContent: ''}).textContent`, ctl+` tr[data-key="NumberOfConnectors"] [data-config-status]`), "read-only")
	browse(t, ctx, logs, "change a key", chromedp.SetValue(row+" input", "30", chromedp.ByQuery),
		chromedp.Click(row+` [data-ocpp="set-config"]`, chromedp.ByQuery))
	waitPage(t, ctx, logs, 5*time.Second, "change's result shown",
		fmt.Sprintf(`document.querySelector(%q).textContent`, row+` [data-config-status]`), "Accepted")
	if r := received(); !strings.HasSuffix(r, `|GetConfiguration {}|ChangeConfiguration {"key":"MeterValueSampleInterval","value":"30"}`) {
		t.Fatalf("charger got %q, want GetConfiguration then the change", r)
	}
}
