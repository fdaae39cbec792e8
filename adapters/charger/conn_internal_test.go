package charger

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadFrame(t *testing.T) {
	long := strings.Repeat("x", 5000)
	for _, tc := range []struct {
		name, in string
		cap      int
	}{
		{"empty", "", 16},
		{"fits", `{"event":"StateOfCharge","data":{"soc":70}}`, 256},
		{"grows past the buffer", long, 256},
		{"from no buffer", "abc", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// One byte a read: every growth step is taken.
			got, err := readFrame(make([]byte, 0, tc.cap), iotest.OneByteReader(strings.NewReader(tc.in)))
			if err != nil || string(got) != tc.in {
				t.Fatalf("readFrame = %d bytes, %v; want the %d bytes read", len(got), err, len(tc.in))
			}
		})
	}
	boom := errors.New("boom")
	if _, err := readFrame(nil, io.MultiReader(strings.NewReader("ab"), iotest.ErrReader(boom))); !errors.Is(err, boom) {
		t.Fatalf("readFrame error = %v, want the reader's", err)
	}
}

func TestFrameBuffersStaySmall(t *testing.T) {
	big := make([]byte, 0, maxPooledFrame+1)
	putFrameBuf(&big)
	for range 100 {
		b := frameBufs.Get().(*[]byte)
		if cap(*b) > maxPooledFrame {
			t.Fatalf("a %d-byte buffer came back from the pool, want at most %d", cap(*b), maxPooledFrame)
		}
		if len(*b) != 0 {
			t.Fatalf("a pooled buffer holds %q", *b)
		}
	}
}
