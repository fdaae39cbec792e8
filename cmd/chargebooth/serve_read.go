package main

import (
	"context"
	"fmt"

	"github.com/chargebooth/chargebooth/adapters/metrics"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/chargebooth/chargebooth/projections/runtime"
	"github.com/oklog/ulid/v2"
)

// startReadSide builds the board and the service, starts the projection
// runtime (checkpoint, then the stream) and stores the start-up pairings.
func (m *Main) startReadSide(ctx context.Context) error {
	c := &m.Config
	m.Board = projections.NewBoard(c.Tariff)
	m.Service = domain.NewService(m.Store, m.Clock, func() string { return ulid.Make().String() }, c.Tariff)
	m.Service.SetShared(c.NATSURL != "")
	m.setupTickets()
	var rt *runtime.Runtime
	m.Metrics = metrics.New(metrics.Options{
		StreamLastSeq: func() uint64 { return rt.LastSeq() },
		Applied:       m.Board.Applied,
		StoreState:    m.storeState,
		Log:           m.Log,
	})
	m.Board.Listen(func(u projections.Update) {
		if !u.Unknown {
			m.Metrics.EventApplied(u.Event.Type)
		}
	})
	rt, err := runtime.New(runtime.Config{
		Board: m.Board, Feed: m.Store, Stream: m.Store, Consumer: "projections-" + c.Instance,
		Checkpoints: m.Store, CheckpointEvery: c.Checkpoint,
		StoreReady: m.storeReady, OnUnknown: m.Metrics.EventUnknown, OnQuarantined: m.Metrics.EventQuarantined, Log: m.Log,
		// Alone on its embedded server, an instance folds what it stores
		// from the acknowledgements and follows the stream only for what
		// others wrote; on a shared cluster others write all the time.
		OnDemand: m.Embedded != nil,
	})
	if err != nil {
		return err
	}
	m.Runtime = rt
	// What this instance stores is folded on its acknowledgement, not
	// only when the consumer brings it back.
	m.Service.SetAppended(rt.Offer)
	if err := rt.Start(ctx); err != nil {
		return fmt.Errorf("start projections: %w", err)
	}
	if err := retryUnavailable(ctx, m.applyPairings); err != nil {
		return err
	}
	// Ready only once the pairings just stored are folded too.
	last, err := m.Store.LastSequence(ctx)
	if err != nil {
		return fmt.Errorf("read stream: %w", err)
	}
	rt.CatchUpTo(last)
	return nil
}

// storeReady says whether this instance can store right now.
func (m *Main) storeReady(ctx context.Context) error {
	return m.Store.Ready(ctx)
}

// storeState is storeReady's answer as the metrics show it.
func (m *Main) storeState() string {
	err := m.Store.Ready(context.Background())
	if err == nil {
		return ""
	}
	return domain.ErrorCode(err)
}
