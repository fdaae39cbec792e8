package eventstore_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/chargebooth/chargebooth/eventstore/estest"
	"github.com/nats-io/nats.go/jetstream"
)

// A checkpoint is read from its reader in chunks, so it may be far larger
// than a message; one whose reader fails part-way is not saved and the one
// saved before stays.
func TestCheckpointFromAReader(t *testing.T) {
	_, st, _ := estest.Start(t)
	big := bytes.Repeat([]byte("0123456789abcdef"), 256<<10) // 4 MiB: many chunks
	if err := st.SaveCheckpoint(ctxT(t), "board", bytes.NewReader(big)); err != nil {
		t.Fatalf("save: %v", err)
	}
	boom := errors.New("encoding failed")
	broken := io.MultiReader(strings.NewReader(strings.Repeat("x", 1<<20)), &failing{boom})
	if err := st.SaveCheckpoint(ctxT(t), "board", broken); !errors.Is(err, boom) {
		t.Fatalf("save from a failing reader: %v, want its error", err)
	}
	got, err := st.LoadCheckpoint(ctxT(t), "board")
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("after the failed save: %d bytes, %v; want the %d bytes saved before", len(got), err, len(big))
	}
}

type failing struct{ err error }

func (f *failing) Read([]byte) (int, error) { return 0, f.err }

// A checkpoint read from a reader that returns a little at a time (a pipe
// the encoder writes into) is stored in whole chunks, not one per Read.
func TestCheckpointChunksAreFull(t *testing.T) {
	_, st, nc := estest.Start(t)
	data := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	if err := st.SaveCheckpoint(ctxT(t), "board", iotest.OneByteReader(bytes.NewReader(data))); err != nil {
		t.Fatalf("save: %v", err)
	}
	got, err := st.LoadCheckpoint(ctxT(t), "board")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("load: %d bytes, %v; want the %d saved", len(got), err, len(data))
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	obs, err := js.ObjectStore(ctxT(t), "CHARGEBOOTH_CHECKPOINTS")
	if err != nil {
		t.Fatal(err)
	}
	info, err := obs.GetInfo(ctxT(t), "board")
	if err != nil {
		t.Fatal(err)
	}
	if info.Chunks > 10 {
		t.Fatalf("1 MiB read a byte at a time was stored in %d chunks, want the store's full 128 KiB chunks (8)", info.Chunks)
	}
}
