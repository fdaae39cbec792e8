package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/gorilla/websocket"
)

// TestLiveSlowClientDropped feeds a board directly with large events while
// a live client never reads: the board never waits for it, and the client
// is dropped with close code 1013.
func TestLiveSlowClientDropped(t *testing.T) {
	board := projections.NewBoard(domain.DefaultTariff)
	api := httpapi.New(httpapi.Config{Board: board, Token: testToken})
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
		if api.LiveClients() != 0 {
			return errNotYet
		}
		return nil
	})
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("applying %d events took %v: the board waited for the slow client", seq, d)
	}
	// Reading now drains what was sent, then the close frame.
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue
		}
		if !websocket.IsCloseError(err, websocket.CloseTryAgainLater) {
			t.Errorf("slow client: got %v, want close 1013", err)
		}
		break
	}
}
