//go:build cluster

package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/internal/testkit"
)

// procReady returns /readyz's status and body of an instance.
func procReady(p *proc) (int, string, error) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + p.http + "/readyz")
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// TestClusterNoLeaderIsNotReady: while the stream has no leader (two of
// three nodes down), /readyz is 503 on every instance and a charger hears
// store_unavailable within a couple of seconds, not after a 5 s timeout;
// when the nodes return, both are ready and readings are acknowledged.
func TestClusterNoLeaderIsNotReady(t *testing.T) {
	nodes := startNATSCluster(t)
	inst := startClusterInstances(t, nodes, map[string]string{"cl1": "wl1", "cl2": "wl2"}, 2)
	c := dial(t, "ws://"+inst[0].charger+"/chargers/cl1", nil)
	sendSoCAcked(t, c, "up", "30")

	nodes[1].kill()
	nodes[2].kill()
	for _, p := range inst {
		testkit.CheckFor(t, 15*time.Second, func() error {
			code, body, err := procReady(p)
			if err != nil || code != http.StatusServiceUnavailable || !strings.Contains(body, "store_unavailable") {
				return fmt.Errorf("/readyz with no stream leader: %d %q %v, want 503 store_unavailable", code, body, err)
			}
			return nil
		})
	}
	var slowest time.Duration
	for i := 0; i < 5; i++ {
		start := time.Now()
		c.send(fmt.Sprintf(`{"event":"StateOfCharge","id":"down-%d","data":{"soc":40}}`, i))
		f := c.nextFrame(10 * time.Second)
		took := time.Since(start)
		slowest = max(slowest, took)
		if f.Event != "Error" || f.Data.Code != "store_unavailable" {
			t.Fatalf("reading with no stream leader: got %+v after %s, want store_unavailable", f, took)
		}
	}
	t.Logf("store_unavailable answered within %s (slowest of 5)", slowest)
	if slowest > 2500*time.Millisecond {
		t.Errorf("store_unavailable took %s, want a second or two", slowest)
	}

	nodes[1].start(t)
	nodes[2].start(t)
	for _, p := range inst {
		testkit.CheckFor(t, 60*time.Second, func() error {
			if code, body, err := procReady(p); err != nil || code != http.StatusOK {
				return fmt.Errorf("/readyz after the nodes returned: %d %q %v", code, body, err)
			}
			return nil
		})
	}
	testkit.CheckFor(t, 30*time.Second, func() error {
		c.send(`{"event":"StateOfCharge","id":"back","data":{"soc":50}}`)
		if f := c.nextFrame(10 * time.Second); f.Event != "Ack" {
			return fmt.Errorf("after the nodes returned: got %+v, want Ack", f)
		}
		return nil
	})
}

// TestClusterDeadInstanceChargersGoOffline: after kill -9 of an instance,
// the survivor marks every charger and widget it held offline within the
// lease time; one that reconnected to the survivor is online.
func TestClusterDeadInstanceChargersGoOffline(t *testing.T) {
	nodes := startNATSCluster(t)
	pairs := map[string]string{}
	for i := 0; i < 20; i++ {
		pairs[fmt.Sprintf("dc%02d", i)] = fmt.Sprintf("dw%02d", i)
	}
	inst := startClusterInstances(t, nodes, pairs, 2, "--lease-ttl", "3s")
	for i := 0; i < 20; i++ {
		c := dial(t, "ws://"+inst[0].charger+fmt.Sprintf("/chargers/dc%02d", i), nil)
		sendSoCAcked(t, c, "r", "40")
	}
	w := dial(t, "ws://"+inst[0].widget+"/widgets/dw00", nil)
	_ = w.status(10 * time.Second)
	base := "http://" + inst[1].http
	testkit.CheckFor(t, 10*time.Second, func() error {
		for i := 0; i < 20; i++ {
			if on, err := chargerOnline(t, base, fmt.Sprintf("dc%02d", i)); err != nil || !on {
				return fmt.Errorf("dc%02d not online on the other instance yet (%v)", i, err)
			}
		}
		return nil
	})
	inst[0].kill9(t)
	killed := time.Now()
	// One charger moves to the survivor.
	moved := dial(t, "ws://"+inst[1].charger+"/chargers/dc00", nil)
	sendSoCAcked(t, moved, "moved", "45")
	testkit.CheckFor(t, 30*time.Second, func() error {
		var errs []error
		for i := 1; i < 20; i++ {
			if on, err := chargerOnline(t, base, fmt.Sprintf("dc%02d", i)); err != nil || on {
				errs = append(errs, fmt.Errorf("dc%02d online %v (%v)", i, on, err))
			}
		}
		var wv struct {
			WidgetOnline bool `json:"widgetOnline"`
		}
		if code := apiAt(t, base, "GET", "/api/chargers/dc00", "", &wv); code != http.StatusOK || wv.WidgetOnline {
			errs = append(errs, fmt.Errorf("widget dw00 of the dead instance: online %v (%d)", wv.WidgetOnline, code))
		}
		return errors.Join(errs...)
	})
	t.Logf("sockets of the killed instance offline on the survivor %s after the kill (lease 3 s)", time.Since(killed).Round(100*time.Millisecond))
	testkit.CheckFor(t, 10*time.Second, func() error {
		if on, err := chargerOnline(t, base, "dc00"); err != nil || !on {
			return fmt.Errorf("dc00 reconnected to the survivor: online %v (%v), want online", on, err)
		}
		return nil
	})
}
