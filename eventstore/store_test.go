package eventstore_test

import (
	"testing"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore/estest"
)

func TestAcceptance(t *testing.T) {
	RunAcceptance(t, func(t *testing.T) domain.EventStore {
		_, st, _ := estest.Start(t)
		return st
	})
}
