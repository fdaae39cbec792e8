package projections

import (
	"encoding/json"

	"github.com/chargebooth/chargebooth/domain"
)

// paymentModel is the payments ledger: every payment, void and refund
// event, in stream order. Rows are only appended, never changed.
type paymentModel struct {
	rows []PaymentView
}

func newPaymentModel() *paymentModel { return &paymentModel{} }

// Name implements ReadModel.
func (m *paymentModel) Name() string { return "payment" }

// Apply implements ReadModel.
func (m *paymentModel) Apply(e domain.Event, _ *Update) {
	if row, ok := ledgerRow(e); ok { // payments, voids, refunds (money.go)
		row.Actor = e.Actor
		m.rows = append(m.rows, row)
	}
}

// Snapshot implements ReadModel: the rows so far, shared (Apply only
// appends past them).
func (m *paymentModel) Snapshot() any { return m.rows[:len(m.rows):len(m.rows)] }

// Restore implements ReadModel.
func (m *paymentModel) Restore(data json.RawMessage) error {
	var rows []PaymentView
	if err := json.Unmarshal(data, &rows); err != nil {
		return err
	}
	m.rows = rows
	return nil
}

// Reset implements ReadModel.
func (m *paymentModel) Reset() { m.rows = nil }

// Entries implements ReadModel: one entry per payment event.
func (m *paymentModel) Entries(put func(string, any)) {
	for _, p := range m.rows {
		put(p.EventID, p)
	}
}
