package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/chargebooth/chargebooth/projections/runtime/rttest"
	"github.com/gorilla/websocket"
	"github.com/oklog/ulid/v2"
)

// peer returns a second instance over e's store: its own service, board
// (following the stream) and API, as another server of a cluster.
func (e *env) peer(token ...string) *env {
	e.t.Helper()
	tok := testToken
	if len(token) > 0 {
		tok = token[0]
	}
	p := &env{t: e.t, store: e.store, clock: e.clock, tariff: e.tariff}
	p.board = projections.NewBoard(p.tariff)
	p.svc = domain.NewService(e.store, e.clock.Now, func() string { return ulid.Make().String() }, e.tariff)
	p.svc.SetShared(true)
	e.svc.SetShared(true)
	rt := rttest.Start(e.t, p.board, e.store, "httpapi-test-peer-"+ulid.Make().String())
	p.api = httpapi.New(httpapi.Config{Service: p.svc, Board: p.board, Store: e.store, Token: tok, Clock: e.clock.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), WaitApplied: rt.WaitApplied})
	p.srv = httptest.NewServer(p.api.Handler())
	e.t.Cleanup(func() {
		p.api.Close()
		p.srv.Close()
	})
	return p
}

// TestDisableOnEveryInstance: a member disabled on one instance stops at
// once on another (its board follows the stream): token, cookie made
// there, open live feed there; OnRevoked hears it.
func TestDisableOnEveryInstance(t *testing.T) {
	a := newEnv(t)
	b := a.peer()
	m := a.addStaff("Sam", "staff", "2468")
	b.caughtUp()
	_, c := b.login(`{"name":"Sam","pin":"2468"}`)
	if c == nil {
		t.Fatal("no session from the peer")
	}
	revoked := make(chan string, 4)
	b.api.OnRevoked(func(id string) { revoked <- id })
	feed := b.mustDialAs("Cookie", "cb_session="+c.Value, "Origin", b.srv.URL)
	if got := b.as(m.Token, "GET", "/api/me", ""); got.code != http.StatusOK {
		t.Fatalf("peer before: got %d", got.code)
	}
	a.must(http.StatusOK, "DELETE", "/api/staff/"+m.ID, "")
	if ce := dialClosed(t, feed); ce.Code != websocket.ClosePolicyViolation {
		t.Errorf("peer's live feed closed %d %q, want 1008", ce.Code, ce.Text)
	}
	select {
	case id := <-revoked:
		if id != m.ID {
			t.Errorf("OnRevoked heard %s, want %s", id, m.ID)
		}
	case <-time.After(5 * time.Second):
		t.Error("OnRevoked did not hear the disable")
	}
	if got := b.as(m.Token, "GET", "/api/me", ""); got.code != http.StatusUnauthorized {
		t.Errorf("peer's token after the disable: got %d, want 401", got.code)
	}
	if got := b.withCookie(c, "GET", "/api/me", ""); got.code != http.StatusUnauthorized {
		t.Errorf("peer's cookie after the disable: got %d, want 401", got.code)
	}
}

// TestBootstrapSessionBoundToToken: a session signed in with the bootstrap
// token works where that token is in force, not on an instance (or after
// a restart) with another one.
func TestBootstrapSessionBoundToToken(t *testing.T) {
	a := newEnv(t)
	same, other := a.peer(), a.peer("another-bootstrap-token")
	_, c := a.login(`{"token":"` + testToken + `"}`)
	same.caughtUp()
	other.caughtUp()
	if got := same.withCookie(c, "GET", "/api/me", ""); got.code != http.StatusOK {
		t.Errorf("same bootstrap token: got %d, want 200", got.code)
	}
	if got := other.withCookie(c, "GET", "/api/me", ""); got.code != http.StatusUnauthorized {
		t.Errorf("another bootstrap token: got %d, want 401", got.code)
	}
}
