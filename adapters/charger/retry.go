package charger

import (
	"context"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// retryStore runs a store write that is worth a few seconds' patience
// (presence) under domain.StoreRetry: while the store is unavailable (a
// NATS cluster electing a leader answers "no responders" for a moment) it
// is tried again, each attempt bounded, within a budget of about 10 s.
// Once running has ended (the server is closing) no retry starts, so a
// shutdown with the store down is not held up; the attempt in flight, or a
// first one, still runs to its bound. f must be safe to repeat.
func retryStore(running context.Context, f func(context.Context) error) error {
	return domain.Retry(running, domain.StoreRetry, time.After, f)
}
