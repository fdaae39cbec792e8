package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAuditTwoStaffMembers: after a day with two members taking payments,
// the reconciliation's total per member equals the sum of that member's
// payment events (read back from the session timelines, which show the
// actor of every event), and the audit lists who did what, newest first.
func TestAuditTwoStaffMembers(t *testing.T) {
	e := newEnv(t)
	anna := e.addStaff("Anna", "staff", "")
	ben := e.addStaff("Ben", "lead", "")
	takers := []member{anna, ben, anna, ben, anna}
	var sessions []string
	for i, who := range takers {
		charger := fmt.Sprintf("c%d", i)
		e.reading(charger, 100)
		e.caughtUp()
		s := e.openSession(charger)
		sessions = append(sessions, s.ID)
		method := []string{"cash", "card"}[i%2]
		body := fmt.Sprintf(`{"amountCents":%d,"method":"%s"}`, 100+50*i, method)
		if got := e.as(who.Token, "POST", "/api/sessions/"+s.ID+"/payments", body); got.code != http.StatusCreated {
			t.Fatalf("payment %d: got %d %s", i, got.code, got.body)
		}
		e.clock.Advance(time.Minute)
	}
	// The sum of each one's payment events, from the timelines.
	want := map[string]int64{}
	for _, id := range sessions {
		var s struct {
			Timeline []struct {
				Type  string `json:"type"`
				Actor *struct {
					ID   string `json:"id"`
					Name string `json:"name"`
				} `json:"actor"`
				Data json.RawMessage `json:"data"`
			} `json:"timeline"`
		}
		e.must(http.StatusOK, "GET", "/api/sessions/"+id, "").decode(t, &s)
		for _, ev := range s.Timeline {
			if ev.Type != "session.payment_recorded" {
				continue
			}
			if ev.Actor == nil {
				t.Fatalf("payment event of %s has no actor", id)
			}
			var p struct {
				AmountCents int64 `json:"amountCents"`
			}
			_ = json.Unmarshal(ev.Data, &p)
			want[ev.Actor.ID] += p.AmountCents
		}
	}
	var rec struct {
		TotalCents int64 `json:"totalCents"`
		ByStaff    []struct {
			ID         string `json:"id"`
			Name       string `json:"name"`
			Count      int    `json:"count"`
			TotalCents int64  `json:"totalCents"`
			ByMethod   []struct {
				Method      string `json:"method"`
				AmountCents int64  `json:"amountCents"`
			} `json:"byMethod"`
		} `json:"byStaff"`
	}
	e.must(http.StatusOK, "GET", "/api/reports/reconciliation?from=2026-07-04&to=2026-07-04", "").decode(t, &rec)
	if len(rec.ByStaff) != 2 {
		t.Fatalf("byStaff %+v: want Anna and Ben", rec.ByStaff)
	}
	var sum int64
	for _, s := range rec.ByStaff {
		if s.TotalCents != want[s.ID] {
			t.Errorf("%s: reconciliation %d, payment events %d", s.Name, s.TotalCents, want[s.ID])
		}
		var byMethod int64
		for _, m := range s.ByMethod {
			byMethod += m.AmountCents
		}
		if byMethod != s.TotalCents {
			t.Errorf("%s: by method %d, total %d", s.Name, byMethod, s.TotalCents)
		}
		sum += s.TotalCents
	}
	if rec.ByStaff[0].Name != "Anna" || rec.ByStaff[0].Count != 3 || rec.ByStaff[1].Name != "Ben" || rec.ByStaff[1].Count != 2 {
		t.Errorf("byStaff %+v", rec.ByStaff)
	}
	if sum != rec.TotalCents {
		t.Errorf("members' totals sum to %d, the report's total is %d", sum, rec.TotalCents)
	}

	csv := e.must(http.StatusOK, "GET", "/api/reports/reconciliation?from=2026-07-04&to=2026-07-04&format=csv", "")
	for _, s := range rec.ByStaff {
		line := fmt.Sprintf(",staff,%s,%d,%d,", s.Name, s.Count, s.TotalCents)
		if !strings.Contains(string(csv.body), line) {
			t.Errorf("CSV has no row %q:\n%s", line, csv.body)
		}
	}

	type row struct {
		Seq     uint64 `json:"seq"`
		Type    string `json:"type"`
		Summary string `json:"summary"`
		Actor   struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"actor"`
		SessionID string `json:"sessionId"`
	}
	var audit struct {
		Events []row `json:"events"`
	}
	e.must(http.StatusOK, "GET", "/api/audit?from=2026-07-04&to=2026-07-04&actor="+anna.ID, "", "Authorization", "Bearer "+ben.Token).decode(t, &audit)
	if len(audit.Events) != 3 {
		t.Fatalf("Anna's audit: %d rows, want her 3 payments: %+v", len(audit.Events), audit.Events)
	}
	for i, r := range audit.Events {
		if r.Actor.Name != "Anna" || r.Type != "session.payment_recorded" || r.Summary == "" {
			t.Errorf("row %d: %+v", i, r)
		}
		if i > 0 && r.Seq >= audit.Events[i-1].Seq {
			t.Errorf("rows not newest first: %d after %d", r.Seq, audit.Events[i-1].Seq)
		}
	}
	if audit.Events[0].SessionID != sessions[4] {
		t.Errorf("newest row's session %s, want %s", audit.Events[0].SessionID, sessions[4])
	}
	e.must(http.StatusOK, "GET", "/api/audit?from=2026-07-04&to=2026-07-04", "").decode(t, &audit)
	admin := 0
	for _, r := range audit.Events {
		if r.Actor.ID == "admin" && r.Type == "staff.added" {
			admin++
		}
	}
	if admin != 2 {
		t.Errorf("the audit shows %d staff.added by admin, want 2", admin)
	}
	if got := e.as(anna.Token, "GET", "/api/audit", ""); got.code != http.StatusForbidden {
		t.Errorf("staff reads the audit: got %d, want 403", got.code)
	}
	for _, q := range []string{"?limit=0", "?limit=x", "?who=me", "?from=yesterday"} {
		if got := e.do("GET", "/api/audit"+q, ""); got.code != http.StatusBadRequest {
			t.Errorf("audit%s: got %d, want 400", q, got.code)
		}
	}
}
