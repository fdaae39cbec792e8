// Command seed fills a chargebooth data directory with readings, straight
// into the event store, for the restart benchmark: N chargers, each with an
// open session and its share of the readings. The events are appended as
// the server appends a charger's readings: each expects the charger's
// previous sequence and so carries no Nats-Msg-Id (see eventstore.Append).
// Ids on every event would make the restart rebuild JetStream's
// de-duplication map from a million of them, which the server never
// stores.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/oklog/ulid/v2"
)

func main() {
	dir := flag.String("data-dir", "", "data directory to fill")
	readings := flag.Int("readings", 1_000_000, "readings in all")
	chargers := flag.Int("chargers", 2000, "chargers")
	flag.Parse()
	if *dir == "" {
		log.Fatal("seed: --data-dir is required")
	}
	emb, err := eventstore.StartEmbedded(eventstore.EmbeddedConfig{DataDir: filepath.Join(*dir, "jetstream"), Listen: "127.0.0.1:-1", Sync: "interval"})
	if err != nil {
		log.Fatal(err)
	}
	defer emb.Shutdown()
	nc, err := eventstore.Connect(emb.ClientURL())
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	ctx := context.Background()
	st, err := eventstore.Open(ctx, nc, eventstore.Config{})
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	per := *readings / *chargers
	var done atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 256)
	for c := 0; c < *chargers; c++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(c int) {
			defer wg.Done()
			defer func() { <-sem }()
			id := fmt.Sprintf("bc%05d", c)
			now := time.Now().UTC()
			sess := ulid.Make().String()
			open := domain.NewEvent(ulid.Make().String(), now, id, sess, domain.SessionOpened{By: domain.OpenedByReading})
			key := domain.ChargerKey(id)
			res, err := st.Append(ctx, key, 0, []domain.Event{open})
			if err != nil {
				log.Fatal(err)
			}
			last := res[0].Seq
			for i := 0; i < per; i++ {
				soc := float64(i % 100)
				e := domain.NewEvent(ulid.Make().String(), now, id, sess, domain.SoCReported{SoC: soc, Status: domain.StatusFor(soc)})
				res, err := st.Append(ctx, key, last, []domain.Event{e})
				if err != nil {
					log.Fatal(err)
				}
				last = res[0].Seq
				if n := done.Add(1); n%100_000 == 0 {
					fmt.Fprintf(os.Stderr, "seed: %d readings (%.0f/s)\n", n, float64(n)/time.Since(start).Seconds())
				}
			}
		}(c)
	}
	wg.Wait()
	last, _ := st.LastSequence(ctx)
	fmt.Printf("seeded %d readings on %d chargers (%d events) in %s\n", done.Load(), *chargers, last, time.Since(start).Round(time.Millisecond))
}
