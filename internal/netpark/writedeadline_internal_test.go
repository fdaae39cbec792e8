package netpark

import (
	"net"
	"testing"
	"time"
)

// deadlines records the write deadlines that reach the connection.
type deadlines struct {
	net.Conn
	set []time.Time
}

func (d *deadlines) SetWriteDeadline(t time.Time) error { d.set = append(d.set, t); return nil }
func (d *deadlines) SetDeadline(t time.Time) error      { d.set = append(d.set, t); return nil }

func TestWriteDeadlineMovesOnlyPastTheSlack(t *testing.T) {
	d := &deadlines{}
	c := &Conn{Conn: d}
	t0 := time.Now().Add(10 * time.Second)
	steps := []struct {
		name string
		at   time.Time
		want []time.Time // what reached the connection so far
	}{
		{"first deadline: set, WriteSlack beyond", t0, []time.Time{t0.Add(WriteSlack)}},
		{"a second later: within the slack", t0.Add(time.Second), nil},
		{"at the deadline set: within", t0.Add(WriteSlack), nil},
		{"past the deadline set: moved", t0.Add(WriteSlack + time.Millisecond), []time.Time{t0.Add(2*WriteSlack + time.Millisecond)}},
		{"much earlier than the one set: moved, never later than asked plus the slack", t0, []time.Time{t0.Add(WriteSlack)}},
		{"zero: cleared", time.Time{}, []time.Time{{}}},
		{"zero again: nothing to clear", time.Time{}, nil},
		{"already past (end a write now): as asked", time.Unix(1, 0), []time.Time{time.Unix(1, 0)}},
	}
	var want []time.Time
	for _, s := range steps {
		if err := c.SetWriteDeadline(s.at); err != nil {
			t.Fatal(err)
		}
		want = append(want, s.want...)
		if len(d.set) != len(want) {
			t.Fatalf("%s: %d deadlines set on the connection (%v), want %d (%v)", s.name, len(d.set), d.set, len(want), want)
		}
		for i := range want {
			if !d.set[i].Equal(want[i]) {
				t.Fatalf("%s: deadline %d set to %v, want %v", s.name, i, d.set[i], want[i])
			}
		}
	}
	// SetDeadline sets both at once, as asked, and the next write deadline
	// is measured from it.
	at := time.Now().Add(time.Minute)
	if err := c.SetDeadline(at); err != nil {
		t.Fatal(err)
	}
	if err := c.SetWriteDeadline(at.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := len(d.set); n != len(want)+1 || !d.set[n-1].Equal(at) {
		t.Fatalf("after SetDeadline(%v) and a write deadline a second before it: set %v", at, d.set[len(want):])
	}
}

// A write to a peer that reads nothing times out no earlier than its
// deadline and no later than WriteSlack after it.
func TestWriteDeadlineBoundsAStuckWrite(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			peer <- c // never read
		}
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	defer func() { (<-peer).Close() }()
	c := &Conn{Conn: nc}
	const wait = 200 * time.Millisecond
	start := time.Now()
	if err := c.SetWriteDeadline(start.Add(wait)); err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for {
		_, err = c.Write(chunk)
		if err != nil {
			break
		}
		if time.Since(start) > wait+WriteSlack+5*time.Second {
			t.Fatal("the write never timed out")
		}
	}
	took := time.Since(start)
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("write failed with %v, want a timeout", err)
	}
	if took < wait || took > wait+WriteSlack+time.Second {
		t.Fatalf("the stuck write timed out after %s, want between %s and %s", took, wait, wait+WriteSlack)
	}
	t.Logf("a write with a %s deadline timed out after %s", wait, took)
}
