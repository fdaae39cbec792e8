package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// apiAs calls the staff API with a member's token.
func apiAs(tb testing.TB, m *Main, token, method, path, body string, out any) int {
	tb.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, "http://"+m.HTTPURL+path, r)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			tb.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return res.StatusCode
}

var tokenLine = regexp.MustCompile(`(?m)^token (\S+)$`)

// TestStaffDayAudit: staff added by the CLI and by the API take payments
// on a running server; the reconciliation per member equals the sum of
// each one's payment events as replay shows them, replay prints the actor
// on every human event, and the CLI disables a member at once.
func TestStaffDayAudit(t *testing.T) {
	dir := t.TempDir()
	m := startMain(t, dir)
	code, out, errOut := runCmd(t, "staff", "add", "--name", "Anna", "--role", "staff", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("staff add: exit %d\n%s%s", code, out, errOut)
	}
	tok := tokenLine.FindStringSubmatch(out)
	if tok == nil {
		t.Fatalf("staff add printed no token:\n%s", out)
	}
	anna := tok[1]
	var ben struct{ ID, Token string }
	if got := api(t, m, "POST", "/api/staff", `{"name":"Ben","role":"lead"}`, &ben); got != http.StatusCreated {
		t.Fatalf("add Ben: %d", got)
	}
	checkFor(t, 5*time.Second, func() bool {
		return apiAs(t, m, anna, "GET", "/api/me", "", nil) == http.StatusOK
	})
	chargers := []string{"c1", "c2", "c3", "c4"}
	takers := []string{anna, ben.Token, anna, ben.Token}
	for i, c := range chargers {
		sendReadings(t, m, c, "100")
		var s struct {
			Sessions []struct{ ID string } `json:"sessions"`
		}
		checkFor(t, 5*time.Second, func() bool {
			apiAs(t, m, takers[i], "GET", "/api/sessions?state=open&charger="+c, "", &s)
			return len(s.Sessions) == 1
		})
		id := s.Sessions[0].ID
		body := fmt.Sprintf(`{"amountCents":%d,"method":"%s"}`, 100+50*i, []string{"cash", "card"}[i%2])
		if got := apiAs(t, m, takers[i], "POST", "/api/sessions/"+id+"/payments", body, nil); got != http.StatusCreated {
			t.Fatalf("payment on %s: %d", c, got)
		}
		if got := apiAs(t, m, ben.Token, "POST", "/api/sessions/"+id+"/handback", claimBody(t, m, id, `"waiveReason":"festival crew"`), nil); got != http.StatusOK {
			t.Fatalf("Ben hands back %s: %d", c, got)
		}
	}

	// The payment events, per actor, as replay --json shows them; the
	// text replay names the actor on every human event.
	want := map[string]int64{}
	names := map[string]string{}
	for _, c := range chargers {
		code, out, errOut := runCmd(t, "replay", "--charger", c, "--data-dir", dir, "--json")
		if code != 0 {
			t.Fatalf("replay %s: %d %s", c, code, errOut)
		}
		human := 0
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var e struct {
				Type  string
				Actor *struct{ ID, Name string }
				Data  struct{ AmountCents int64 }
			}
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatalf("replay line %s: %v", line, err)
			}
			if e.Actor == nil {
				continue
			}
			human++
			names[e.Actor.ID] = e.Actor.Name
			if e.Type == "session.payment_recorded" {
				want[e.Actor.ID] += e.Data.AmountCents
			}
		}
		if human < 2 {
			t.Errorf("replay %s: %d human events, want the payment and the hand-back", c, human)
		}
		_, text, _ := runCmd(t, "replay", "--charger", c, "--data-dir", dir)
		by := regexp.MustCompile(`(session\.payment_recorded|session\.handed_back).*  by (Anna|Ben) \(`)
		if got := len(by.FindAllString(text, -1)); got != 2 {
			t.Errorf("replay %s names the actor on %d of its 2 human events:\n%s", c, got, text)
		}
		for _, line := range strings.Split(text, "\n") {
			if strings.Contains(line, "session.payment_recorded") || strings.Contains(line, "session.handed_back") {
				if !strings.Contains(line, "  by ") {
					t.Errorf("human event without its actor: %s", line)
				}
			}
		}
	}
	var rec struct {
		ByStaff []struct {
			ID         string
			Name       string
			TotalCents int64
		} `json:"byStaff"`
	}
	api(t, m, "GET", "/api/reports/reconciliation", "", &rec)
	if len(rec.ByStaff) != 2 {
		t.Fatalf("byStaff %+v, want Anna and Ben", rec.ByStaff)
	}
	for _, s := range rec.ByStaff {
		if s.TotalCents != want[s.ID] || s.Name != names[s.ID] {
			t.Errorf("%s (%s): reconciliation %d, payment events %d", s.Name, s.ID, s.TotalCents, want[s.ID])
		}
	}

	code, out, _ = runCmd(t, "staff", "list", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "Anna") || !strings.Contains(out, "Ben") || strings.Contains(out, "$2a$") {
		t.Errorf("staff list: exit %d\n%s", code, out)
	}
	code, out, errOut = runCmd(t, "staff", "disable", "--name", "anna", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("staff disable: exit %d %s%s", code, out, errOut)
	}
	checkFor(t, 5*time.Second, func() bool {
		return apiAs(t, m, anna, "GET", "/api/me", "", nil) == http.StatusUnauthorized
	})
	var audit struct {
		Events []struct {
			Type  string
			Actor struct{ Name string }
		} `json:"events"`
	}
	api(t, m, "GET", "/api/audit?limit=1", "", &audit)
	if len(audit.Events) != 1 || audit.Events[0].Type != "staff.disabled" || audit.Events[0].Actor.Name != "admin (cli)" {
		t.Errorf("the newest audit row %+v: want staff.disabled by admin (cli)", audit.Events)
	}
}

func TestStaffTokenFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name     string
		flag     string
		file     string
		want     string
		wantErr  string
		wantWarn bool
	}{
		{name: "trailing newline trimmed", file: write("a", "s3cret\n", 0o600), want: "s3cret"},
		{name: "crlf trimmed", file: write("b", "s3cret\r\n", 0o600), want: "s3cret"},
		{name: "readable by others warns", file: write("c", "s3cret", 0o644), want: "s3cret", wantWarn: true},
		{name: "both flags", flag: "x", file: write("d", "s3cret", 0o600), wantErr: "not both"},
		{name: "empty", file: write("e", "\n", 0o600), wantErr: "empty"},
		{name: "two lines", file: write("f", "a\nb\n", 0o600), wantErr: "more than one line"},
		{name: "missing", file: filepath.Join(dir, "nope"), wantErr: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			m := &Main{Log: slog.New(slog.NewTextHandler(&logs, nil))}
			m.Config.StaffToken, m.Config.Staff.TokenFile = tt.flag, tt.file
			err := m.resolveStaffToken()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || m.Config.StaffToken != tt.want {
				t.Fatalf("got %q %v, want %q", m.Config.StaffToken, err, tt.want)
			}
			if got := strings.Contains(logs.String(), "readable by others"); got != tt.wantWarn {
				t.Errorf("warning: got %v, want %v (%s)", got, tt.wantWarn, logs.String())
			}
		})
	}
}

// TestStaffTokenFileServes: the bootstrap token read from a file is the
// admin, exactly as --staff-token.
func TestStaffTokenFileServes(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "token")
	if err := os.WriteFile(f, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := startMain(t, dir, func(m *Main) { m.Config.StaffToken, m.Config.Staff.TokenFile = "", f })
	var me struct {
		Staff struct{ ID string }
		Roles []string
	}
	if got := api(t, m, "GET", "/api/me", "", &me); got != http.StatusOK || me.Staff.ID != "admin" || len(me.Roles) != 4 {
		t.Errorf("me with the file's token: %d %+v", got, me)
	}
}

// TestSessionSurvivesRestart: a dashboard session is an event, so the
// cookie still works after the server restarts.
func TestSessionSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	m := startMain(t, dir)
	var added struct{ Token string }
	api(t, m, "POST", "/api/staff", `{"name":"Ola","role":"ops"}`, &added)
	// (A PIN signs in alike; bcrypt under the race detector takes seconds.)
	res, err := http.Post("http://"+m.HTTPURL+"/api/login", "application/json", strings.NewReader(`{"token":"`+added.Token+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var cookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "cb_session" {
			cookie = c
		}
	}
	if res.StatusCode != http.StatusOK || cookie == nil {
		t.Fatalf("login: %d, cookie %v", res.StatusCode, cookie)
	}
	m.Close()
	m = startMain(t, dir)
	req, _ := http.NewRequest("GET", "http://"+m.HTTPURL+"/api/me", nil)
	req.AddCookie(cookie)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), `"name":"Ola"`) {
		t.Errorf("me after the restart: %d %s", res.StatusCode, b)
	}
}
