package domain

import (
	"context"
	"strconv"
)

// KindTxIDs is the aggregate that hands out OCPP transaction ids: one
// counter for the whole booth, so ids are unique across chargers and
// across instances (the store's version check serialises allocations).
const KindTxIDs = "txids"

// TxIDsKey is the one transaction-id counter.
var TxIDsKey = StreamKey{Kind: KindTxIDs, ID: "all"}

// TypeTxIDAllocated is a transaction id handed out.
const TypeTxIDAllocated = "txid.allocated"

// TxIDAllocated records that TransactionID went to the StartTransaction
// whose event id is StartEventID on ChargerID.
type TxIDAllocated struct {
	TransactionID int    `json:"transactionId"`
	ChargerID     string `json:"chargerId"`
	StartEventID  string `json:"startEventId"`
}

// EventType implements Payload.
func (TxIDAllocated) EventType() string { return TypeTxIDAllocated }

func init() {
	Register[TxIDAllocated](TypeTxIDAllocated, 1)
}

// TxIDs is the transaction-id counter aggregate.
type TxIDs struct {
	Version uint64
	Last    int // the last id handed out; 0 before the first
	recent  recentSet
}

// NewTxIDs returns the empty counter.
func NewTxIDs() *TxIDs { return &TxIDs{} }

func (t *TxIDs) version() uint64 { return t.Version }

// Apply folds one allocation.
func (t *TxIDs) Apply(e Event) {
	if e.Seq > t.Version {
		t.Version = e.Seq
	}
	if d, ok := e.Data.(TxIDAllocated); ok {
		if d.TransactionID > t.Last {
			t.Last = d.TransactionID
		}
		t.recent.add(e.ID, d.TransactionID)
	}
}

// Allocate decides the next transaction id for a StartTransaction: above
// every id handed out and above floor (the first allocation takes the
// stream's last sequence as floor, which is above any id numbered per
// charger by earlier versions). The same start (chargerID, startEventID)
// allocated before yields no event and its id.
func (t *TxIDs) Allocate(x Ctx, chargerID, startEventID string, floor int) ([]Event, int) {
	id := DerivedID(chargerID, "txid", startEventID)
	if tx, dup := t.recent.seen(id); dup {
		return nil, tx
	}
	next := max(t.Last, floor) + 1
	return []Event{NewEvent(id, x.Now, chargerID, "", TxIDAllocated{TransactionID: next, ChargerID: chargerID, StartEventID: startEventID})}, next
}

// allocateTxID hands out the transaction id of a StartTransaction (see
// TxIDs.Allocate). It takes the counter's slot alone.
func (s *Service) allocateTxID(ctx context.Context, chargerID, startEventID string) (int, error) {
	var tx int
	_, err := run(ctx, s, &s.txids, TxIDsKey, NewTxIDs, func(t *TxIDs, x Ctx) ([]Event, error) {
		floor := 0
		if t.Last == 0 {
			last, err := s.store.LastSequence(ctx)
			if err != nil {
				return nil, err
			}
			floor = int(min(last, uint64(maxTxID/2)))
		}
		var evs []Event
		evs, tx = t.Allocate(x, chargerID, startEventID, floor)
		return evs, nil
	})
	if err != nil {
		return 0, err
	}
	if tx > maxTxID {
		return 0, Errorf(CodeInternal, "transaction ids exhausted at %s", strconv.Itoa(tx))
	}
	return tx, nil
}

// maxTxID is the largest transaction id: OCPP's integer is a 32-bit one
// on most chargers.
const maxTxID = 1<<31 - 1

// Validate implements Validator: a positive id for a valid charger's start.
func (p TxIDAllocated) Validate() error {
	if p.TransactionID < 1 || p.TransactionID > maxTxID {
		return Errorf(CodeInvalidInput, "transactionId %d is not from 1 to %d", p.TransactionID, maxTxID)
	}
	return firstErr(ValidateDeviceID("charger", p.ChargerID), checkName("startEventId", p.StartEventID, true))
}
