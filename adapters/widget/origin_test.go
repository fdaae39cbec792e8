package widget_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/widget"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore/estest"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/chargebooth/chargebooth/projections"
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
	before, err := store.LastSequence(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	testkit.RefusesOrigins(t, url, "may not connect as a widget", srv.URL, "http://evil.example")
	if after, err := store.LastSequence(context.Background()); err != nil || after != before {
		t.Errorf("stream after refusals: got sequence %d (%v), want %d", after, err, before)
	}

	testkit.DialAccepted(t, url, nil)
}
