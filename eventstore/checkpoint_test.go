package eventstore_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/chargebooth/chargebooth/eventstore/estest"
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
