package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/adapters/httpapi"
)

// clientFrom returns an HTTP client whose connections come from the
// loopback address ip (127.0.0.2 is as much loopback as 127.0.0.1).
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}}
}

// get sends GET path with a bearer token through c.
func (e *env) getWith(c *http.Client, path, token string) (int, http.Header, string) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

// TestThrottleWrongTokens: 100 wrong tokens from one address are
// throttled after the burst (429 with Retry-After, even the right token
// from there), while the right token from another address still works.
func TestThrottleWrongTokens(t *testing.T) {
	e := newEnv(t)
	m := e.addStaff("Sam", "staff", "")
	attacker, booth := clientFrom("127.0.0.1"), clientFrom("127.0.0.2")
	var throttled, unauthorized int
	var retry string
	for i := range 100 {
		code, h, body := e.getWith(attacker, "/api/chargers", fmt.Sprintf("guess-%d", i))
		switch code {
		case http.StatusUnauthorized:
			unauthorized++
		case http.StatusTooManyRequests:
			throttled++
			retry = h.Get("Retry-After")
			if !strings.Contains(body, `"code":"too_many_attempts"`) || !strings.Contains(body, "try again in") {
				t.Fatalf("429 body %s", body)
			}
		default:
			t.Fatalf("guess %d: got %d %s", i, code, body)
		}
	}
	if unauthorized != 10 || throttled != 90 {
		t.Errorf("got %d 401 and %d 429, want 10 and 90", unauthorized, throttled)
	}
	if n, err := strconv.Atoi(retry); err != nil || n < 1 {
		t.Errorf("Retry-After %q, want whole seconds", retry)
	}
	if code, _, _ := e.getWith(attacker, "/api/chargers", m.Token); code != http.StatusTooManyRequests {
		t.Errorf("the right token from the throttled address: got %d, want 429", code)
	}
	if code, _, body := e.getWith(booth, "/api/chargers", m.Token); code != http.StatusOK {
		t.Errorf("the right token from another address: got %d %s, want 200", code, body)
	}
	if code, _, _ := e.getWith(booth, "/api/chargers", testToken); code != http.StatusOK {
		t.Errorf("the bootstrap token from another address: got %d, want 200", code)
	}
	// Failed logins count alike, and are refused with 429 too.
	if got, _ := e.login(`{"token":"` + m.Token + `"}`); got.code != http.StatusTooManyRequests {
		t.Errorf("login from the throttled address: got %d, want 429", got.code)
	}
	// The bucket refills: one attempt every 2 s.
	e.clock.Advance(2 * time.Second)
	if code, _, _ := e.getWith(attacker, "/api/chargers", m.Token); code != http.StatusOK {
		t.Errorf("after 2 s the right token: got %d, want 200", code)
	}
}

func TestThrottleForwardedFor(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config) { c.TrustForwardedProto = true; c.FailBurst = 2 })
	for range 2 {
		e.do("GET", "/api/chargers", "", "Authorization", "Bearer nope", "X-Forwarded-For", "203.0.113.7")
	}
	if got := e.do("GET", "/api/chargers", "", "Authorization", "Bearer nope", "X-Forwarded-For", "203.0.113.7"); got.code != http.StatusTooManyRequests {
		t.Errorf("third failure from 203.0.113.7: got %d, want 429", got.code)
	}
	if got := e.do("GET", "/api/chargers", "", "X-Forwarded-For", "203.0.113.8"); got.code != http.StatusOK {
		t.Errorf("another forwarded address: got %d, want 200", got.code)
	}
}

// TestThrottleBounded: the throttle remembers at most its bound of
// addresses, dropping the idle ones first, then the longest idle.
func TestThrottleBounded(t *testing.T) {
	const bound = 500
	fail, wait, size := httpapi.NewThrottle(3, time.Second, bound)
	now := day0
	fail("198.51.100.1", now)
	fail("198.51.100.1", now)
	fail("198.51.100.1", now)
	if w := wait("198.51.100.1", now); w <= 0 {
		t.Fatalf("after the burst: wait %v, want > 0", w)
	}
	later := now.Add(time.Minute)
	for i := range bound + 100 {
		fail(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), later.Add(time.Duration(i)*time.Millisecond))
	}
	if got := size(); got != bound {
		t.Errorf("remembers %d addresses, want %d", got, bound)
	}
	if w := wait("10.0.0.1", later); w != 0 {
		t.Errorf("one failure is within the burst: wait %v", w)
	}
}

// TestThrottlePINPerName: wrong PINs for one name are throttled however
// many addresses they come from; another name signs in.
func TestThrottlePINPerName(t *testing.T) {
	e := newEnv(t, func(c *httpapi.Config) { c.TrustForwardedProto = true; c.FailBurst = 3 })
	e.addStaff("Lee", "lead", "4321")
	e.addStaff("Max", "staff", "8765")
	for i := range 3 {
		got, _ := e.login(`{"name":"Lee","pin":"000`+strconv.Itoa(i)+`"}`, "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
		if got.code != http.StatusUnauthorized {
			t.Fatalf("guess %d: got %d", i, got.code)
		}
	}
	got, _ := e.login(`{"name":"LEE","pin":"4321"}`, "X-Forwarded-For", "203.0.113.99")
	if got.code != http.StatusTooManyRequests {
		t.Fatalf("the right PIN for the throttled name: got %d %s, want 429", got.code, got.body)
	}
	if _, msg := got.apiError(t); !strings.Contains(msg, "for this name") {
		t.Errorf("message %q does not say the name is throttled", msg)
	}
	if got, _ := e.login(`{"name":"Max","pin":"8765"}`, "X-Forwarded-For", "203.0.113.99"); got.code != http.StatusOK {
		t.Errorf("another name: got %d, want 200", got.code)
	}
}
