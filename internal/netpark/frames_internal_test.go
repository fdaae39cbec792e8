package netpark

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// chunked is a connection whose reads return the stream in chunks of the
// given sizes (cycled), so frames arrive split anywhere.
type chunked struct {
	net.Conn
	data   []byte
	chunks []int
	i      int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := len(c.data)
	if len(c.chunks) > 0 {
		n = max(1, c.chunks[c.i%len(c.chunks)])
		c.i++
	}
	n = min(n, len(p), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// boundaries returns where, in a stream of client frames, a frame's fixed
// two bytes, its header and its payload end — the offsets no read may
// pass over — parsed independently of Conn's own tracking.
func boundaries(s []byte) map[int]bool {
	b := map[int]bool{}
	for o := 0; o+2 <= len(s); {
		b[o+2] = true
		h := headerLen(s[o+1])
		if o+h > len(s) {
			break
		}
		b[o+h] = true
		n := payloadLen(s[o : o+h])
		if n > uint64(len(s)-o-h) {
			break
		}
		o += h + int(n)
		b[o] = true
	}
	return b
}

// readAll reads the stream through a frame-bounded Conn with reads of
// size want, checking that none passes over a boundary.
func readAll(t testing.TB, stream []byte, chunks []int, want int) {
	c := &Conn{Conn: &chunked{data: bytes.Clone(stream), chunks: chunks}, frames: true}
	bounds := boundaries(stream)
	var got []byte
	p := make([]byte, max(1, want))
	for {
		n, err := c.Read(p)
		for k := len(got) + 1; k < len(got)+n; k++ {
			if bounds[k] {
				t.Fatalf("a read of [%d, %d) passed over a frame boundary at %d", len(got), len(got)+n, k)
			}
		}
		got = append(got, p[:n]...)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatal("a read returned nothing and no error")
		}
	}
	if !bytes.Equal(got, stream) {
		t.Fatalf("read %d bytes, want the %d sent", len(got), len(stream))
	}
	if c.buf != nil {
		t.Fatal("the buffer is held after the stream was read")
	}
}

func TestReadsStopAtFrameEnds(t *testing.T) {
	long := string(bytes.Repeat([]byte("x"), 300))
	huge := string(bytes.Repeat([]byte("y"), 70000))
	var bigLen []byte // a 64-bit length header
	bigLen = append(bigLen, 0x82, 0x80|127, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 1, 2, 3, 4)
	bigLen = append(bigLen, bytes.Repeat([]byte("z"), 256)...)
	cases := []struct {
		name   string
		stream []byte
	}{
		{"one short frame", frameOf(0x81, "hello")},
		{"empty frames", append(frameOf(0x81, ""), frameOf(0x8A, "")...)},
		{"three frames", append(append(frameOf(0x81, "a"), frameOf(0x89, "ping")...), frameOf(0x81, long)...)},
		{"16-bit length", frameOf(0x82, long)},
		{"16-bit length, long", frameOf(0x82, huge)},
		{"64-bit length", bigLen},
		{"fragments", append(frameOf(0x01, "frag"), frameOf(0x80, "ment")...)},
		{"unmasked", []byte{0x81, 0x02, 'h', 'i', 0x81, 0x01, '!'}},
		{"cut in a header", frameOf(0x81, long)[:3]},
		{"cut in a payload", frameOf(0x81, long)[:100]},
	}
	for _, tc := range cases {
		for _, chunks := range [][]int{nil, {1}, {2, 3}, {7}, {600}} {
			for _, want := range []int{1, 2, 5, 256, 4096} {
				t.Run(tc.name, func(t *testing.T) { readAll(t, tc.stream, chunks, want) })
			}
		}
	}
}

func TestControlFrameShapes(t *testing.T) {
	for _, tc := range []struct {
		name        string
		b           []byte
		whole, well bool
	}{
		{"ping", frameOf(0x89, "abc"), true, true},
		{"pong, empty", frameOf(0x8A, ""), true, true},
		{"one byte", []byte{0x89}, false, false},
		{"header only", frameOf(0x89, "abc")[:6], false, true},
		{"not final", frameOf(0x09, "abc"), true, false},
		{"reserved bit", frameOf(0xC9, "abc"), true, false},
		{"unmasked", []byte{0x89, 0x01, 'x'}, true, false},
		{"too long for a control frame", []byte{0x89, 0x80 | 126, 0, 200}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.b) >= 2 {
				if got := wellFormedControl(tc.b); got != tc.well {
					t.Errorf("wellFormedControl = %v, want %v", got, tc.well)
				}
			}
			if got := wholeControl(tc.b); got != tc.whole {
				t.Errorf("wholeControl = %v, want %v", got, tc.whole)
			}
		})
	}
}

// frameOf is a masked frame with first byte b0 carrying s.
func frameOf(b0 byte, s string) []byte {
	b := []byte{b0}
	switch n := len(s); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	b = append(b, 9, 8, 7, 6)
	for i := range len(s) {
		b = append(b, s[i]^[4]byte{9, 8, 7, 6}[i&3])
	}
	return b
}

// FuzzFrameBounds: whatever the bytes and however they are split, reads
// return them all, in order, and none passes over a frame boundary.
func FuzzFrameBounds(f *testing.F) {
	f.Add(append(frameOf(0x81, `{"event":"StateOfCharge","id":"r1","data":{"soc":42}}`), frameOf(0x8A, "")...), uint8(3), uint8(200))
	f.Add(frameOf(0x82, string(bytes.Repeat([]byte("p"), 500))), uint8(1), uint8(7))
	f.Add([]byte{0x81, 0xFF, 0, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 'a'}, uint8(0), uint8(1))
	f.Fuzz(func(t *testing.T, stream []byte, chunk, want uint8) {
		readAll(t, stream, []int{int(chunk)}, int(want))
	})
}

// controls records what Poll hands to Control.
type controls struct{ got [][]byte }

func (r *controls) Control(op byte, payload []byte) error {
	r.got = append(r.got, append([]byte{op}, payload...))
	return nil
}

// FuzzPoll: whatever a client sends, Poll over a real TCP connection takes
// only whole, well-formed, masked pings and pongs from the front, hands
// each unmasked payload to Control, and leaves every other byte, in order,
// for the library's reads.
func FuzzPoll(f *testing.F) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { ln.Close() })
	f.Add(append(append(frameOf(0x8A, "pong"), frameOf(0x89, "ping")...), frameOf(0x81, `{"event":"StateOfCharge","data":{"soc":5}}`)...))
	f.Add(frameOf(0x89, "abc")[:4])
	f.Add([]byte{0x89, 0x02, 'h', 'i'})
	f.Add(append(frameOf(0x8A, ""), 0x88, 0x80, 1, 2, 3, 4))
	f.Fuzz(func(t *testing.T, stream []byte) {
		cl, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		raw, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		c, ok := wrap(raw, nil).(*Conn)
		if !ok {
			t.Fatal("a TCP connection was not wrapped")
		}
		defer c.Close()
		if _, err := cl.Write(stream); err != nil {
			t.Fatal(err)
		}
		_ = cl.(*net.TCPConn).CloseWrite()
		var ctl controls
		for i := 0; c.Poll(&ctl); i++ { // parks only until the bytes and the end arrive
			if i > 2000 {
				t.Fatal("Poll kept reporting nothing to read after the client's end")
			}
			time.Sleep(time.Millisecond)
			c.drained = false // as Park leaves it for the resumed loop
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		rest, err := io.ReadAll(c)
		if err != nil {
			t.Fatalf("reading the rest: %v", err)
		}
		if !bytes.HasSuffix(stream, rest) {
			t.Fatalf("the library would read %d bytes that are not the end of the %d sent", len(rest), len(stream))
		}
		var want [][]byte
		for taken := stream[:len(stream)-len(rest)]; len(taken) > 0; {
			if len(taken) < 2 || !isControl(taken[0]) || !wellFormedControl(taken) {
				t.Fatalf("Poll took % x, which is not whole pings and pongs", stream[:len(stream)-len(rest)])
			}
			h := headerLen(taken[1])
			n := h + int(taken[1]&0x7f)
			if len(taken) < n {
				t.Fatalf("Poll took part of a frame")
			}
			p := append([]byte{taken[0] & 0x0f}, taken[h:n]...)
			for i := range p[1:] {
				p[1+i] ^= taken[h-4+i&3]
			}
			want = append(want, p)
			taken = taken[n:]
		}
		if len(want) != len(ctl.got) {
			t.Fatalf("Control heard %d frames, Poll took %d", len(ctl.got), len(want))
		}
		for i := range want {
			if !bytes.Equal(want[i], ctl.got[i]) {
				t.Fatalf("frame %d: Control heard % x, want % x", i, ctl.got[i], want[i])
			}
		}
	})
}
