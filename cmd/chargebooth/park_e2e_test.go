package main

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/netpark"
	"github.com/chargebooth/chargebooth/internal/testkit"
)

// serve's device listeners park idle sockets: chargers that sent a reading
// and widgets that got its status hold no goroutine on the server while
// they are quiet, and still answer. (Each test client holds one reader
// goroutine of its own, counted in.)
func TestIdleDeviceSocketsHoldNoGoroutine(t *testing.T) {
	m := startMain(t, t.TempDir())
	const pairs = 40
	runtime.GC()
	base := runtime.NumGoroutine()
	chargers := make([]*wsClient, pairs)
	for i := range chargers {
		id := fmt.Sprintf("pk%02d", i)
		dialWidget(t, m, "w"+id)
		chargers[i] = dialCharger(t, m, "c"+id)
		chargers[i].send(`{"event":"StateOfCharge","id":"r1","data":{"soc":50}}`)
		if b := chargers[i].next(10 * time.Second); !strings.Contains(string(b), `"Ack"`) {
			t.Fatalf("charger %d: got %s, want its Ack", i, b)
		}
	}
	clients := 2 * pairs // the test's own readers
	testkit.CheckFor(t, 10*time.Second, func() error {
		// Goroutines kept to run the next resumed loop or widget flush are
		// bounded whatever the number of sockets (workers.Starter), and as
		// many as the busiest moment made: not counted as the sockets'.
		kept := netpark.WaitingResumers() + m.Widgets.WaitingFlushers()
		if extra := runtime.NumGoroutine() - base - clients - kept; extra > pairs/4 {
			return fmt.Errorf("%d goroutines beyond the clients' own and the %d kept for the next resume or flush, with %d idle sockets; want few (one each without parking)", extra, kept, 2*pairs)
		}
		return nil
	})
	for i, c := range chargers {
		c.send(`{"event":"StateOfCharge","id":"r2","data":{"soc":60}}`)
		if b := c.next(10 * time.Second); !strings.Contains(string(b), `"Ack"`) {
			t.Fatalf("charger %d after parking: got %s, want its Ack", i, b)
		}
	}
}
