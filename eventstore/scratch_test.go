package eventstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore/estest"
)

func TestScratchFollowRate(t *testing.T) {
	_, st, _ := estest.Start(t)
	ctx := context.Background()
	key := domain.ChargerKey(newCharger("follow"))
	N := 50000
	for i := 0; i < N; i += 100 {
		st.Append(ctx, key, domain.AnyVersion, readings(key.ID, 100))
	}
	for _, name := range []string{"a", "b"} {
		start := time.Now()
		fctx, cancel := context.WithCancel(ctx)
		n := 0
		var first time.Duration
		st.Follow(fctx, name, 0, func(domain.Event) error {
			n++
			if n == 1 {
				first = time.Since(start)
			}
			if n%10000 == 0 {
				t.Logf("%d at %s", n, time.Since(start))
			}
			if n == N {
				cancel()
			}
			return nil
		})
		t.Logf("first %s total %s", first, time.Since(start))
		start = time.Now()
		m := 0
		st.ReadAll(ctx, 0, func(domain.Event) error { m++; return nil })
		t.Logf("readall %d in %s", m, time.Since(start))
	}
}
