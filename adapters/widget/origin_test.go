package widget_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/widget"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore/estest"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/gorilla/websocket"
	"github.com/oklog/ulid/v2"
)

// TestOriginRefused checks that a browser page cannot connect as a widget
// (403 in plain text before the upgrade, nothing stored) and that a
// widget, which sends no Origin, connects.
func TestOriginRefused(t *testing.T) {
	_, store, _ := estest.Start(t)
	svc := domain.NewService(store, time.Now, func() string { return ulid.Make().String() }, domain.DefaultTariff)
	s := widget.New(widget.Config{Service: svc, Board: projections.NewBoard(domain.DefaultTariff), Instance: "i1",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { s.Close(); srv.Close() })
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/widgets/wABCD"
	last := func() uint64 {
		t.Helper()
		n, err := store.LastSequence(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	before := last()
	for _, origin := range []string{srv.URL, "http://evil.example"} {
		_, res, err := websocket.DefaultDialer.Dial(url, http.Header{"Origin": {origin}})
		if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
			t.Fatalf("origin %s: got %v %v, want 403", origin, res, err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || !strings.Contains(string(b), "may not connect as a widget") {
			t.Errorf("origin %s: got %q %q, want a plain-text reason", origin, ct, b)
		}
	}
	if got := last(); got != before {
		t.Errorf("stream after refusals: got sequence %d, want %d", got, before)
	}

	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("widget without Origin: %v", err)
	}
	ws.Close()
}
