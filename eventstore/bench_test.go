package eventstore_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/eventstore/estest"
)

// BenchmarkAppend appends single readings from parallel goroutines, one
// charger each, as the charger endpoint does; it reports events/s.
func BenchmarkAppend(b *testing.B) {
	modes := []struct {
		name      string
		checked   bool
		inProcess bool
	}{
		{"any version", false, false},
		{"expected version", true, false},
		{"expected version in process", true, true},
	}
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			srv, st, _ := estest.Start(b)
			if m.inProcess {
				nc, err := srv.Connect()
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(nc.Close)
				if st, err = eventstore.Open(context.Background(), nc, eventstore.Config{}); err != nil {
					b.Fatal(err)
				}
				b.Cleanup(st.Close)
			}
			ctx := context.Background()
			b.SetParallelism(16)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				key := domain.ChargerKey(newCharger("bench"))
				version := domain.AnyVersion
				if m.checked {
					version = 0
				}
				for pb.Next() {
					res, err := st.Append(ctx, key, version, []domain.Event{reading(key.ID, 50)})
					if err != nil {
						b.Error(err)
						return
					}
					if m.checked {
						version = res[0].Seq
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
		})
	}
}

// BenchmarkFollow measures how fast Follow delivers a stored backlog.
func BenchmarkFollow(b *testing.B) {
	_, st, _ := estest.Start(b)
	ctx := context.Background()
	key := domain.ChargerKey(newCharger("follow"))
	const chunk = 100
	for i := 0; i < b.N; i += chunk {
		if _, err := st.Append(ctx, key, domain.AnyVersion, readings(key.ID, min(chunk, b.N-i))); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var n atomic.Int64
	done := make(chan error, 1)
	go func() {
		done <- st.Follow(fctx, "bench", 0, func(domain.Event) error {
			if n.Add(1) == int64(b.N) {
				cancel()
			}
			return nil
		})
	}()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}
