package eventstore_test

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/eventstore/estest"
	"github.com/chargebooth/chargebooth/internal/testkit"
	"github.com/nats-io/nats.go/jetstream"
)

func TestSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	srv, st, nc := estest.StartAt(t, dir)
	key := domain.ChargerKey(newCharger("restart"))
	evs := readings(key.ID, 5)
	res := appendOK(t, st, key, 0, evs...)
	want := withSeqs(evs, res)
	anyKey := domain.ChargerKey(newCharger("restart-any"))
	anyEv := reading(anyKey.ID, 30)
	anyRes := appendOK(t, st, anyKey, domain.AnyVersion, anyEv)[0]
	if err := st.SaveCheckpoint(ctxT(t), "board", strings.NewReader("state")); err != nil {
		t.Fatalf("save checkpoint: %v", err)
	}
	nc.Close()
	srv.Shutdown()

	_, st2, _ := estest.StartAt(t, dir)
	sameEvents(t, loadOK(t, st2, key, 0), want)
	last, err := st2.LastSequence(ctxT(t))
	if got, want := last, anyRes.Seq; err != nil || got != want {
		t.Fatalf("last sequence: got %d, %v; want %d", got, err, want)
	}
	cp, err := st2.LoadCheckpoint(ctxT(t), "board")
	if got, want := string(cp), "state"; err != nil || got != want {
		t.Fatalf("checkpoint: got %q, %v; want %q", got, err, want)
	}
	// The aggregate's version carried over: appends go on from it.
	_, err = st2.Append(ctxT(t), key, res[3].Seq, readings(key.ID, 1))
	if !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("stale append after restart: got %v, want ErrConflict", err)
	}
	appendOK(t, st2, key, res[4].Seq, readings(key.ID, 1)...)
	// A re-sent event is still recognised after the restart: one sent with
	// a version check by the version it was sent with, one sent without by
	// its id.
	again := appendOK(t, st2, key, res[1].Seq, evs[2])[0]
	if got, want := again, (domain.Appended{Seq: res[2].Seq, Duplicate: true}); got != want {
		t.Fatalf("re-sent event after restart: got %+v, want %+v", got, want)
	}
	again = appendOK(t, st2, anyKey, domain.AnyVersion, anyEv)[0]
	if got, want := again, (domain.Appended{Seq: anyRes.Seq, Duplicate: true}); got != want {
		t.Fatalf("re-sent unchecked event after restart: got %+v, want %+v", got, want)
	}
}

func TestCheckpoints(t *testing.T) {
	_, st, _ := estest.Start(t)
	ctx := ctxT(t)
	got, err := st.LoadCheckpoint(ctx, "missing")
	if err != nil || got != nil {
		t.Fatalf("missing before any save: got %q, %v; want nil, nil", got, err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 3<<19/16) // 1.5 MiB: above max_payload
	tests := []struct {
		name string
		data []byte
	}{
		{"small", []byte(`{"schema":1}`)},
		{"overwritten", []byte(`{"schema":2}`)},
		{"larger than a message", big},
		{"empty", []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := st.SaveCheckpoint(ctx, "board", bytes.NewReader(tt.data)); err != nil {
				t.Fatalf("save: %v", err)
			}
			got, err := st.LoadCheckpoint(ctx, "board")
			if err != nil || !bytes.Equal(got, tt.data) {
				t.Fatalf("load: got %d bytes, %v; want %d bytes", len(got), err, len(tt.data))
			}
		})
	}
	got, err = st.LoadCheckpoint(ctx, "other")
	if err != nil || got != nil {
		t.Fatalf("missing: got %q, %v; want nil, nil", got, err)
	}
}

func TestUnavailable(t *testing.T) {
	srv, st, nc := estest.Start(t)
	key := domain.ChargerKey(newCharger("down"))
	appendOK(t, st, key, 0, reading(key.ID, 1))
	srv.Shutdown()
	testkit.CheckFor(t, 5*time.Second, func() error {
		if nc.IsConnected() {
			return errors.New("still connected")
		}
		return nil
	})

	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"append", func(ctx context.Context) error {
			_, err := st.Append(ctx, key, domain.AnyVersion, readings(key.ID, 1))
			return err
		}},
		{"append expected", func(ctx context.Context) error {
			_, err := st.Append(ctx, key, 1, readings(key.ID, 1))
			return err
		}},
		{"load", func(ctx context.Context) error { _, err := st.Load(ctx, key, 0); return err }},
		{"last sequence", func(ctx context.Context) error { _, err := st.LastSequence(ctx); return err }},
		{"ping", st.Ping},
		{"save checkpoint", func(ctx context.Context) error { return st.SaveCheckpoint(ctx, "x", strings.NewReader("y")) }},
		{"load checkpoint", func(ctx context.Context) error { _, err := st.LoadCheckpoint(ctx, "x"); return err }},
		{"read all", func(ctx context.Context) error {
			return st.ReadAll(ctx, 0, func(domain.Event) error { return nil })
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := c.call(ctx)
			if !errors.Is(err, domain.ErrUnavailable) {
				t.Fatalf("got %v, want an error wrapping ErrUnavailable", err)
			}
			if got, want := time.Since(start), 100*time.Millisecond; got > want {
				t.Fatalf("took %s, want under %s", got, want)
			}
		})
	}
}

func TestFollowSurvivesServerRestart(t *testing.T) {
	dir := t.TempDir()
	srv := estest.Server(t, dir, "127.0.0.1:-1")
	url := srv.ClientURL()
	st, nc := estest.Open(t, url)
	before := appendMixed(t, st, 10)
	f := follow(t, st, "restart", 0)
	f.WaitFor(t, 10)

	srv.Shutdown()
	testkit.CheckFor(t, 5*time.Second, func() error {
		if nc.IsConnected() {
			return errors.New("still connected")
		}
		return nil
	})
	estest.Server(t, dir, strings.TrimPrefix(url, "nats://"))
	testkit.CheckFor(t, 10*time.Second, func() error {
		if !nc.IsConnected() {
			return errors.New("not reconnected")
		}
		return nil
	})
	after := appendMixed(t, st, 10)
	sameEvents(t, f.WaitFor(t, 20), append(before, after...))
}

func TestFollowHandlerError(t *testing.T) {
	_, st, _ := estest.Start(t)
	evs := appendMixed(t, st, 10)
	boom := errors.New("boom")
	var applied []domain.Event
	err := st.Follow(ctxT(t), "failing", 0, func(e domain.Event) error {
		if e.Seq == evs[6].Seq {
			return boom
		}
		applied = append(applied, e)
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("follow: got %v, want an error wrapping %v", err, boom)
	}
	sameEvents(t, applied, evs[:6])
	// Resuming at the last applied event redelivers the refused one.
	f := follow(t, st, "failing", evs[5].Seq)
	sameEvents(t, f.WaitFor(t, 4), evs[6:])
}

func TestFollowRejectsBadName(t *testing.T) {
	_, st, _ := estest.Start(t)
	for _, name := range []string{"", "a.b", "a b", "a*", "a>", "a/b"} {
		t.Run(name, func(t *testing.T) {
			err := st.Follow(ctxT(t), name, 0, func(domain.Event) error { return nil })
			if err == nil {
				t.Fatalf("follow %q: got nil, want an error", name)
			}
		})
	}
}

func TestReadAll(t *testing.T) {
	_, st, _ := estest.Start(t)
	ctx := ctxT(t)
	var got []domain.Event
	collect := func(e domain.Event) error { got = append(got, e); return nil }
	if err := st.ReadAll(ctx, 0, collect); err != nil || got != nil {
		t.Fatalf("empty stream: got %d events, %v; want none", len(got), err)
	}
	evs := appendParallel(t, st, 2500)
	tests := []struct {
		name string
		from uint64
		want []domain.Event
	}{
		{"from 0", 0, evs},
		{"from 1", 1, evs},
		{"from the middle", evs[1200].Seq, evs[1200:]},
		{"from the last", evs[2499].Seq, evs[2499:]},
		{"beyond the last", evs[2499].Seq + 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = nil
			if err := st.ReadAll(ctx, tt.from, collect); err != nil {
				t.Fatalf("read all: %v", err)
			}
			sameEvents(t, got, tt.want)
		})
	}
	t.Run("handler error", func(t *testing.T) {
		boom := errors.New("boom")
		n := 0
		err := st.ReadAll(ctx, 0, func(domain.Event) error {
			if n++; n == 3 {
				return boom
			}
			return nil
		})
		if !errors.Is(err, boom) || n != 3 {
			t.Fatalf("got %v after %d events, want %v after 3", err, n, boom)
		}
	})
}

func TestOpenIsIdempotent(t *testing.T) {
	_, st, nc := estest.Start(t)
	key := domain.ChargerKey(newCharger("open"))
	appendOK(t, st, key, 0, reading(key.ID, 1))
	for _, cfg := range []eventstore.Config{{}, {MaxAge: 30 * 24 * time.Hour, DuplicateWindow: 5 * time.Minute}} {
		st2, err := eventstore.Open(ctxT(t), nc, cfg)
		if err != nil {
			t.Fatalf("open again with %+v: %v", cfg, err)
		}
		if got, want := len(loadOK(t, st2, key, 0)), 1; got != want {
			t.Fatalf("after reopening: %d events, want %d", got, want)
		}
	}
}

func TestSubject(t *testing.T) {
	tests := []struct {
		key  domain.StreamKey
		want string
	}{
		{domain.ChargerKey("c1234"), "cb.charger.c1234"},
		{domain.ChargerKey("booth.7_a-b"), "cb.charger.booth~7_a-b"},
		{domain.StreamKey{Kind: domain.KindWidget, ID: "wABCD"}, "cb.widget.wABCD"},
		{domain.PairingsKey, "cb.pairings"},
		{domain.NoticesKey, "cb.notices"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := eventstore.Subject("cb", tt.key); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAppendRejectsBadKeys(t *testing.T) {
	_, st, _ := estest.Start(t)
	for _, key := range []domain.StreamKey{
		{Kind: domain.KindCharger},
		{Kind: domain.KindCharger, ID: "a b"},
		{Kind: domain.KindCharger, ID: "a*"},
		{Kind: domain.KindCharger, ID: "a>"},
		{Kind: "", ID: "x"},
		{Kind: domain.KindPairings, ID: "x"},
	} {
		t.Run(key.Kind+"/"+key.ID, func(t *testing.T) {
			_, err := st.Append(ctxT(t), key, domain.AnyVersion, readings("x", 1))
			if err == nil || errors.Is(err, domain.ErrUnavailable) {
				t.Fatalf("got %v, want a plain error", err)
			}
		})
	}
}

// FuzzSubject checks that every valid device id makes one literal subject
// token that maps back to the id.
func FuzzSubject(f *testing.F) {
	for _, seed := range []string{"c1234", "wABCD", "booth.7", "a..b", ".", "-_-", "x~y"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if domain.ValidateDeviceID("charger", id) != nil {
			return
		}
		subj := eventstore.Subject("cb", domain.ChargerKey(id))
		tokens := strings.Split(subj, ".")
		if len(tokens) != 3 || tokens[0] != "cb" || tokens[1] != domain.KindCharger {
			t.Fatalf("subject %q of %q: want cb.charger.<one token>", subj, id)
		}
		if strings.ContainsAny(tokens[2], "*> \t") || tokens[2] == "" {
			t.Fatalf("subject %q of %q is not literal", subj, id)
		}
		if got := strings.ReplaceAll(tokens[2], "~", "."); got != id {
			t.Fatalf("subject %q maps back to %q, want %q", subj, got, id)
		}
	})
}

// appendParallel appends n events from 10 goroutines to 10 aggregates and
// returns them in stream order.
func appendParallel(t *testing.T, st domain.EventStore, n int) []domain.Event {
	t.Helper()
	const writers = 10
	out := make([]domain.Event, n)
	var wg sync.WaitGroup
	for w := range writers {
		key := domain.ChargerKey(newCharger("par"))
		wg.Go(func() {
			for i := w; i < n; i += writers {
				e := reading(key.ID, float64(i%101))
				res, err := st.Append(context.Background(), key, domain.AnyVersion, []domain.Event{e})
				if err != nil {
					t.Errorf("append: %v", err)
					return
				}
				e.Seq = res[0].Seq
				out[i] = e
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	slices.SortFunc(out, func(a, b domain.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

// TestAppendHeaders reads the stored messages themselves: a checked append
// carries its expected sequence and no Nats-Msg-Id (JetStream would keep
// the id for its duplicate window), an unchecked one its id. Appends of
// both kinds in turn re-use messages, so no header may leak from one to
// the next.
func TestAppendHeaders(t *testing.T) {
	_, st, nc := estest.Start(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := js.Stream(ctxT(t), st.Config().Stream)
	if err != nil {
		t.Fatal(err)
	}
	key := domain.ChargerKey(newCharger("headers"))
	var version uint64
	for i := range 3 {
		checked := reading(key.ID, float64(10+i))
		expected := version
		r := appendOK(t, st, key, expected, checked)[0]
		unchecked := reading(key.ID, float64(50+i))
		u := appendOK(t, st, key, domain.AnyVersion, unchecked)[0]
		version = u.Seq

		m, err := stream.GetMsg(ctxT(t), r.Seq)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := m.Header.Get(jetstream.ExpectedLastSubjSeqHeader), strconv.FormatUint(expected, 10); got != want {
			t.Errorf("checked append %d: %s = %q, want %q", i, jetstream.ExpectedLastSubjSeqHeader, got, want)
		}
		if got := m.Header.Get(jetstream.MsgIDHeader); got != "" {
			t.Errorf("checked append %d carries %s %q", i, jetstream.MsgIDHeader, got)
		}
		m, err = stream.GetMsg(ctxT(t), u.Seq)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := m.Header.Get(jetstream.MsgIDHeader), unchecked.ID; got != want {
			t.Errorf("unchecked append %d: %s = %q, want %q", i, jetstream.MsgIDHeader, got, want)
		}
		if got := m.Header.Get(jetstream.ExpectedLastSubjSeqHeader); got != "" {
			t.Errorf("unchecked append %d carries %s %q", i, jetstream.ExpectedLastSubjSeqHeader, got)
		}
	}
}
