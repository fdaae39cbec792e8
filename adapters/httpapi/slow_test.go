package httpapi_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/adapters/livefeed"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/gorilla/websocket"
)

// TestLiveSlowClientDropped feeds a board directly with large events while
// a live client never reads: the board never waits for it, the feed drops
// it, and once it reads it gets what was written, then close 1013 with
// the position to resume from.
func TestLiveSlowClientDropped(t *testing.T) {
	board := projections.NewBoard(domain.DefaultTariff)
	feed := livefeed.New(livefeed.Config{Board: board, Queue: 16})
	defer feed.Close()
	api := httpapi.New(httpapi.Config{Board: board, Token: testToken, Live: feed})
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()
	defer api.Close()

	h := http.Header{"Authorization": {"Bearer " + testToken}}
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/api/live", h)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	subscribe(t, c, "*")

	info := strings.Repeat("x", 64<<10)
	start := time.Now()
	var seq uint64
	testkit.CheckFor(t, 20*time.Second, func() error {
		for range 50 {
			seq++
			e := domain.NewEvent(domain.DerivedID("c1", "slow", strconv.FormatUint(seq, 10)), day0, "c1", "", domain.ConnectorStatus{ConnectorID: 1, Status: "Charging", Info: info})
			e.Seq = seq
			if err := board.Apply(e); err != nil {
				return err
			}
		}
		if feed.Len() != 0 {
			return errors.New("the slow client's subscription still runs")
		}
		return nil
	})
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("applying %d events took %v: the board waited for the slow client", seq, d)
	}
	// Reading now drains what was written, then the close frame.
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var last uint64
	for {
		_, b, err := c.ReadMessage()
		if err == nil {
			if m := decodeLive(t, b); m.Seq != 0 {
				last = m.Seq
			}
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.CloseTryAgainLater {
			t.Fatalf("slow client: got %v, want close 1013", err)
		}
		if want := "resume with since " + strconv.FormatUint(last, 10); !strings.Contains(ce.Text, "too slow") || !strings.HasSuffix(ce.Text, want) {
			t.Errorf("close reason: got %q, want too slow, %q", ce.Text, want)
		}
		break
	}
	testkit.CheckFor(t, 5*time.Second, func() error {
		if api.LiveClients() != 0 {
			return errNotYet
		}
		return nil
	})
}
