package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/internal/testkit"
)

// ocppTime formats t as OCPP's dateTime.
func ocppTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// sessionDetailJSON is GET /api/sessions/{id} as the tests read it.
type sessionDetailJSON struct {
	ID             string     `json:"id"`
	State          string     `json:"state"`
	OpenedAt       time.Time  `json:"openedAt"`
	ChargedAt      *time.Time `json:"chargedAt"`
	AmountDueCents int64      `json:"amountDueCents"`
	TransactionID  int        `json:"transactionId"`
	Timeline       []struct {
		Type string          `json:"type"`
		Time time.Time       `json:"time"`
		Data json.RawMessage `json:"data"`
	} `json:"timeline"`
}

// chargerSession returns the open session of a charger, waiting for one.
func chargerSession(tb testing.TB, m *Main, chargerID string) sessionDetailJSON {
	tb.Helper()
	var sid string
	checkFor(tb, 5*time.Second, func() bool {
		var c struct {
			SessionID string `json:"sessionId"`
		}
		api(tb, m, "GET", "/api/chargers/"+chargerID, "", &c)
		sid = c.SessionID
		return sid != ""
	})
	var s sessionDetailJSON
	if code := api(tb, m, "GET", "/api/sessions/"+sid, "", &s); code != http.StatusOK {
		tb.Fatalf("GET session %s: HTTP %d", sid, code)
	}
	return s
}

func startTx(tb testing.TB, c *ocppCharger, idTag string, at time.Time) (int, string) {
	tb.Helper()
	var conf struct {
		TransactionID int `json:"transactionId"`
		IDTagInfo     struct {
			Status string `json:"status"`
		} `json:"idTagInfo"`
	}
	c.call("StartTransaction", fmt.Sprintf(`{"connectorId":1,"idTag":%q,"meterStart":100,"timestamp":%q}`, idTag, ocppTime(at)), &conf)
	return conf.TransactionID, conf.IDTagInfo.Status
}

// TestOCPPOfflineReplayKeepsSampleTime: a charger that was offline for an
// hour replays its queued MeterValues; the readings carry their sample
// times, the session opened and was charged when the samples say, and the
// tariff prices the hour.
func TestOCPPOfflineReplayKeepsSampleTime(t *testing.T) {
	m := startMain(t, t.TempDir(), func(m *Main) { m.Config.Tariff.HourlyCents = 200 })
	c := dialOCPP(t, m, "cOffline", nil)
	c.boot()
	now := time.Now().UTC().Truncate(time.Second)
	samples := []struct {
		soc string
		ago time.Duration
	}{{"40", 60 * time.Minute}, {"85", 40 * time.Minute}, {"100", 20 * time.Minute}}
	for _, s := range samples {
		c.call("MeterValues", socMeterValues(s.soc, ocppTime(now.Add(-s.ago))), nil)
	}
	var s sessionDetailJSON
	checkFor(t, 5*time.Second, func() bool {
		s = chargerSession(t, m, "cOffline")
		return s.ChargedAt != nil
	})
	if got, want := s.OpenedAt, now.Add(-60*time.Minute); !got.Equal(want) {
		t.Errorf("openedAt: got %v, want the first sample's time %v", got, want)
	}
	if s.ChargedAt == nil || !s.ChargedAt.Equal(now.Add(-20*time.Minute)) {
		t.Errorf("chargedAt: got %v, want the 100 sample's time %v", s.ChargedAt, now.Add(-20*time.Minute))
	}
	// Opened an hour (and a few seconds) ago: two started hours.
	if got, want := s.AmountDueCents, m.Config.Tariff.Due(s.OpenedAt, time.Now()); got != want || got < 500+2*200 {
		t.Errorf("amount due: got %d, want %d (priced from the first sample's time)", got, want)
	}
	var readings int
	for _, e := range s.Timeline {
		if e.Type != domain.TypeSoCReported {
			continue
		}
		readings++
		var d domain.SoCReported
		if err := json.Unmarshal(e.Data, &d); err != nil {
			t.Fatal(err)
		}
		if d.ReceivedAt == nil || d.ReceivedAt.Before(now) || d.TimeNote != "" {
			t.Errorf("reading at %v: receivedAt %v, note %q; want the arrival kept beside the sample time", e.Time, d.ReceivedAt, d.TimeNote)
		}
	}
	if readings != len(samples) {
		t.Errorf("got %d readings on the timeline, want %d", readings, len(samples))
	}

	// A sample from tomorrow is not believed: arrival time, flagged.
	c.call("MeterValues", socMeterValues("100", ocppTime(now.Add(24*time.Hour))), nil)
	checkFor(t, 5*time.Second, func() bool {
		s = chargerSession(t, m, "cOffline")
		last := s.Timeline[len(s.Timeline)-1]
		return last.Type == domain.TypeSoCReported && strings.Contains(string(last.Data), domain.TimeNoteFuture) &&
			!last.Time.Before(now)
	})
}

// TestOCPPTransactionIDsUnique: every charger's first transaction gets its
// own id, also when two instances hand them out at once.
func TestOCPPTransactionIDsUnique(t *testing.T) {
	a, b := twoInstances(t)
	const perInstance = 6
	var (
		mu  sync.Mutex
		ids = map[int]string{}
		wg  sync.WaitGroup
	)
	for _, m := range []*Main{a, b} {
		for i := range perInstance {
			id := fmt.Sprintf("cTx%s%d", m.Config.Instance, i)
			c := dialOCPP(t, m, id, nil)
			c.boot()
			wg.Add(1)
			go func() {
				defer wg.Done()
				tx, st := startTx(t, c, "TAG", time.Now())
				mu.Lock()
				defer mu.Unlock()
				if st != "Accepted" || tx <= 0 {
					t.Errorf("%s: got transaction %d %s", id, tx, st)
				}
				if other, dup := ids[tx]; dup {
					t.Errorf("transaction id %d given to %s and %s", tx, other, id)
				}
				ids[tx] = id
			}()
		}
	}
	wg.Wait()
	if got, want := len(ids), 2*perInstance; got != want {
		t.Errorf("got %d distinct transaction ids, want %d", got, want)
	}
}

// TestOCPPTransactionEdgeCases: a start on a busy charger, a stop of an
// unknown transaction, one bad sample among good ones, a 200 KiB
// StopTransaction, and a heartbeat's lastSeen.
func TestOCPPTransactionEdgeCases(t *testing.T) {
	m := startMain(t, t.TempDir())
	c := dialOCPP(t, m, "cEdge", nil)
	c.boot()
	now := time.Now()

	t.Run("busy connector closes the previous transaction", func(t *testing.T) {
		first, _ := startTx(t, c, "TAG", now)
		second, st := startTx(t, c, "TAG", now.Add(time.Second))
		if st != "Accepted" || second == first {
			t.Fatalf("second start: got %d %s, want a new id (first %d)", second, st, first)
		}
		checkFor(t, 5*time.Second, func() bool {
			s := chargerSession(t, m, "cEdge")
			if s.TransactionID != second {
				return false
			}
			for _, e := range s.Timeline {
				if e.Type == domain.TypeTransactionStopped && strings.Contains(string(e.Data), fmt.Sprintf(`"superseded":%d`, second)) &&
					strings.Contains(string(e.Data), fmt.Sprintf(`"transactionId":%d`, first)) {
					return true
				}
			}
			return false
		})
	})

	t.Run("unknown transaction id is answered and changes nothing", func(t *testing.T) {
		before := chargerSession(t, m, "cEdge")
		var conf map[string]any
		c.call("StopTransaction", `{"transactionId":987654,"meterStop":5,"timestamp":"`+ocppTime(time.Now())+`","idTag":"TAG"}`, &conf)
		if conf["idTagInfo"] == nil {
			t.Errorf("got %v, want idTagInfo for the idTag", conf)
		}
		after := chargerSession(t, m, "cEdge")
		if after.TransactionID != before.TransactionID || len(after.Timeline) != len(before.Timeline) {
			t.Errorf("the open session changed: transaction %d → %d, timeline %d → %d events",
				before.TransactionID, after.TransactionID, len(before.Timeline), len(after.Timeline))
		}
		// The stop is in the store, on no session.
		testkit.CheckFor(t, 5*time.Second, func() error {
			evs, err := m.Store.Load(t.Context(), domain.ChargerKey("cEdge"), 0)
			if err != nil {
				return err
			}
			for _, e := range evs {
				if d, ok := e.Data.(domain.TransactionStopped); ok && d.TransactionID == 987654 {
					if !d.NotOpen || e.SessionID != "" {
						return fmt.Errorf("unknown stop stored as %+v on session %q", d, e.SessionID)
					}
					return nil
				}
			}
			return fmt.Errorf("the unknown stop is not in the store")
		})
	})

	t.Run("a bad sample beside good ones", func(t *testing.T) {
		c.call("MeterValues", `{"connectorId":1,"meterValue":[{"timestamp":"`+ocppTime(time.Now())+`","sampledValue":[`+
			`{"value":"150","measurand":"SoC"},{"value":"4321","measurand":"Energy.Active.Import.Register"},{"value":"62","measurand":"SoC"}]}]}`, nil)
		checkFor(t, 5*time.Second, func() bool {
			s := chargerSession(t, m, "cEdge")
			var refused, good bool
			for _, e := range s.Timeline {
				refused = refused || (e.Type == domain.TypeSampleRefused && strings.Contains(string(e.Data), `"150"`))
				good = good || (e.Type == domain.TypeSoCReported && strings.Contains(string(e.Data), `"soc":62`))
			}
			return refused && good
		})
	})

	t.Run("200 KiB StopTransaction", func(t *testing.T) {
		s := chargerSession(t, m, "cEdge")
		var data []string
		at := time.Now().Add(-3 * time.Hour)
		for len(strings.Join(data, ",")) < 200<<10 {
			data = append(data, `{"timestamp":"`+ocppTime(at)+`","sampledValue":[{"value":"`+fmt.Sprint(1000+len(data))+`","measurand":"Energy.Active.Import.Register"}]}`)
			at = at.Add(10 * time.Second)
		}
		c.call("StopTransaction", fmt.Sprintf(`{"transactionId":%d,"meterStop":9000,"timestamp":%q,"transactionData":[%s]}`,
			s.TransactionID, ocppTime(time.Now()), strings.Join(data, ",")), nil)
		checkFor(t, 5*time.Second, func() bool { return chargerSession(t, m, "cEdge").TransactionID == 0 })
	})

	t.Run("heartbeat refreshes lastSeen", func(t *testing.T) {
		var before struct {
			LastSeen time.Time `json:"lastSeen"`
		}
		api(t, m, "GET", "/api/chargers/cEdge", "", &before)
		seq := lastSeq(t, m)
		testkit.CheckFor(t, 5*time.Second, func() error {
			c.call("Heartbeat", `{}`, nil)
			var after struct {
				LastSeen time.Time `json:"lastSeen"`
			}
			api(t, m, "GET", "/api/chargers/cEdge", "", &after)
			if !after.LastSeen.After(before.LastSeen) {
				return fmt.Errorf("lastSeen %v, not after %v", after.LastSeen, before.LastSeen)
			}
			return nil
		})
		if got := lastSeq(t, m); got != seq {
			t.Errorf("heartbeats stored %d events, want none", got-seq)
		}
	})
}

// TestOCPPIDTagList: with --id-tags list, Authorize and StartTransaction
// answer from the list kept at /api/id-tags.
func TestOCPPIDTagList(t *testing.T) {
	m := startMain(t, t.TempDir(), func(m *Main) { m.Config.IDTags = "list" })
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for tag, body := range map[string]string{
		"GOOD":    `{"status":"Accepted","expiryDate":"` + future + `","parentIdTag":"CREW"}`,
		"BLOCKED": `{"status":"Blocked"}`,
		"OLD":     `{"status":"Accepted","expiryDate":"` + past + `"}`,
	} {
		if code := api(t, m, "PUT", "/api/id-tags/"+tag, body, nil); code != http.StatusOK {
			t.Fatalf("PUT id tag %s: HTTP %d", tag, code)
		}
	}
	for _, bad := range []string{`{"status":"Maybe"}`, `{"status":"Accepted","parentIdTag":"has space"}`, `{}`} {
		if code := api(t, m, "PUT", "/api/id-tags/X", bad, nil); code != http.StatusBadRequest {
			t.Errorf("PUT %s: HTTP %d, want 400", bad, code)
		}
	}
	if code := api(t, m, "PUT", "/api/id-tags/"+strings.Repeat("T", 21), `{"status":"Accepted"}`, nil); code != http.StatusBadRequest {
		t.Errorf("a 21-character tag: HTTP %d, want 400", code)
	}

	c := dialOCPP(t, m, "cTags", nil)
	c.boot()
	for tag, want := range map[string]string{"NOBODY": "Invalid", "BLOCKED": "Blocked", "OLD": "Expired", "GOOD": "Accepted"} {
		var conf struct {
			IDTagInfo struct {
				Status      string `json:"status"`
				ParentIDTag string `json:"parentIdTag"`
				ExpiryDate  string `json:"expiryDate"`
			} `json:"idTagInfo"`
		}
		c.call("Authorize", `{"idTag":"`+tag+`"}`, &conf)
		if conf.IDTagInfo.Status != want {
			t.Errorf("Authorize %s: got %s, want %s", tag, conf.IDTagInfo.Status, want)
		}
		if tag == "GOOD" && (conf.IDTagInfo.ParentIDTag != "CREW" || conf.IDTagInfo.ExpiryDate == "") {
			t.Errorf("Authorize GOOD: got %+v, want its parent and expiry", conf.IDTagInfo)
		}
	}

	// A refused tag's start opens no session; an accepted one does.
	if _, st := startTx(t, c, "BLOCKED", time.Now()); st != "Blocked" {
		t.Errorf("StartTransaction BLOCKED: got %s", st)
	}
	testkit.HoldsFor(t, 300*time.Millisecond, func() error {
		var ch struct {
			SessionID string `json:"sessionId"`
		}
		api(t, m, "GET", "/api/chargers/cTags", "", &ch)
		if ch.SessionID != "" {
			return fmt.Errorf("a blocked tag opened session %s", ch.SessionID)
		}
		return nil
	})
	tx, st := startTx(t, c, "GOOD", time.Now())
	if st != "Accepted" {
		t.Fatalf("StartTransaction GOOD: got %s", st)
	}
	checkFor(t, 5*time.Second, func() bool { return chargerSession(t, m, "cTags").TransactionID == tx })

	var list struct {
		IDTags []struct {
			Tag       string `json:"idTag"`
			Effective string `json:"effectiveStatus"`
		} `json:"idTags"`
	}
	api(t, m, "GET", "/api/id-tags", "", &list)
	if len(list.IDTags) != 3 || list.IDTags[2].Tag != "OLD" || list.IDTags[2].Effective != "Expired" {
		t.Errorf("GET /api/id-tags: got %+v", list.IDTags)
	}
	// The list pushed to the charger as its local authorization list.
	pushed := make(chan int, 1)
	var push struct {
		Result struct {
			Status string `json:"status"`
		} `json:"result"`
	}
	go func() { pushed <- apiNoFatal(m, "POST", "/api/chargers/cTags/local-list", "", &push) }()
	uid, action, payload := c.nextCall(5 * time.Second)
	var sent struct {
		ListVersion int    `json:"listVersion"`
		UpdateType  string `json:"updateType"`
		List        []struct {
			IDTag     string `json:"idTag"`
			IDTagInfo struct {
				Status      string `json:"status"`
				ParentIDTag string `json:"parentIdTag"`
			} `json:"idTagInfo"`
		} `json:"localAuthorizationList"`
	}
	if err := json.Unmarshal(payload, &sent); err != nil || action != "SendLocalList" {
		t.Fatalf("got CALL %s %s (%v), want SendLocalList", action, payload, err)
	}
	if sent.UpdateType != "Full" || sent.ListVersion < 1 || len(sent.List) != 3 || sent.List[1].IDTag != "GOOD" ||
		sent.List[1].IDTagInfo.ParentIDTag != "CREW" || sent.List[0].IDTagInfo.Status != "Blocked" {
		t.Errorf("SendLocalList payload: %s", payload)
	}
	c.reply(uid, `{"status":"Accepted"}`)
	if code := <-pushed; code != http.StatusOK || push.Result.Status != "Accepted" {
		t.Errorf("push local list: HTTP %d %+v", code, push)
	}

	if code := api(t, m, "DELETE", "/api/id-tags/GOOD", "", nil); code != http.StatusNoContent {
		t.Errorf("DELETE: HTTP %d", code)
	}
	if code := api(t, m, "DELETE", "/api/id-tags/GOOD", "", nil); code != http.StatusNotFound {
		t.Errorf("DELETE again: HTTP %d, want 404", code)
	}
	var conf struct {
		IDTagInfo struct {
			Status string `json:"status"`
		} `json:"idTagInfo"`
	}
	c.call("Authorize", `{"idTag":"GOOD"}`, &conf)
	if conf.IDTagInfo.Status != "Invalid" {
		t.Errorf("Authorize a removed tag: got %s, want Invalid", conf.IDTagInfo.Status)
	}
}
