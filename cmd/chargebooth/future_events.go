//go:build futureevents

package main

import (
	"context"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// TypeFutureNote is an event type only the futureevents build knows: it
// stands for what a newer version writes during a rolling upgrade.
const TypeFutureNote = "charger.future_note"

// FutureNote is the payload of TypeFutureNote.
type FutureNote struct {
	SoC  float64 `json:"soc"`
	Note string  `json:"note"`
}

// EventType implements domain.Payload.
func (FutureNote) EventType() string { return TypeFutureNote }

func init() {
	domain.Register[FutureNote](TypeFutureNote, 1)
	startHooks = append(startHooks, writeFutureNotes)
}

// writeFutureNotes appends a FutureNote on every charger with an open
// session, five times a second, through the domain like any command.
func writeFutureNotes(ctx context.Context, m *Main) {
	m.background(func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				noteOpenSessions(ctx, m)
			case <-ctx.Done():
				return
			}
		}
	})
}

// noteOpenSessions appends one FutureNote on every charger with an open
// session.
func noteOpenSessions(ctx context.Context, m *Main) {
	for _, c := range m.Board.Chargers(m.Clock()) {
		if c.SessionID == "" {
			continue
		}
		_, _ = m.Service.OnCharger(ctx, c.ChargerID, func(ch *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
			if ch.Session == nil {
				return nil, nil
			}
			return []domain.Event{domain.NewEvent(x.NewID(), x.Now, ch.ID, ch.Session.ID, FutureNote{SoC: ch.SoC, Note: "from the future"})}, nil
		})
	}
}
