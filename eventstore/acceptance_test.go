package eventstore_test

import (
	"testing"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore/estest"
)

// TestAcceptance runs the suite every event store must pass (see
// estest.RunAcceptance) on the JetStream store.
func TestAcceptance(t *testing.T) {
	estest.RunAcceptance(t, func(t *testing.T) domain.EventStore {
		_, st, _ := estest.Start(t)
		return st
	})
}
