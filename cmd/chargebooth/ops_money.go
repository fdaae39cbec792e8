package main

import (
	"context"
	"fmt"
	"io"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/projections"
)

// paymentExtra is what a payment's timeline line adds: its tip and till
// shift.
func paymentExtra(d domain.PaymentRecorded) string {
	s := ""
	if d.TipCents != 0 {
		s += fmt.Sprintf(" + tip %s", projections.FormatCents(d.TipCents))
	}
	if d.ShiftID != "" {
		s += fmt.Sprintf(" (till %s, shift %s)", d.Till, d.ShiftID)
	}
	return s
}

// moneyLine renders a correction, shift or unclaimed event for replay.
func moneyLine(e domain.Event) (string, bool) {
	switch d := e.Data.(type) {
	case domain.PaymentVoided:
		s := fmt.Sprintf("VOID payment %s: %s %s by %s", d.PaymentID, projections.FormatCents(d.AmountCents), d.Currency, d.Method)
		if d.TipCents != 0 {
			s += " + tip " + projections.FormatCents(d.TipCents)
		}
		return s + "; reason: " + d.Reason, true
	case domain.Refunded:
		s := fmt.Sprintf("REFUND %s %s by %s", projections.FormatCents(d.AmountCents), d.Currency, d.Method)
		if d.ShiftID != "" {
			s += fmt.Sprintf(" (till %s, shift %s)", d.Till, d.ShiftID)
		}
		return s + "; reason: " + d.Reason, true
	case domain.SessionUnclaimed:
		return fmt.Sprintf("unclaimed at closing %s %s; carried over", d.Night, d.TimeZone), true
	case domain.ShiftOpened:
		return fmt.Sprintf("shift %s opened on till %s, float %s", d.ShiftID, d.Till, projections.FormatCents(d.FloatCents)), true
	case domain.ShiftClosed:
		return fmt.Sprintf("shift %s closed on till %s: counted %v, expected %v, difference %v", d.ShiftID, d.Till,
			d.CountedCents, d.ExpectedCents, d.DifferenceCents), true
	}
	return "", false
}

// reportShift prints one shift's cash-up, the figures GET
// /api/shifts/{id}/report answers, as JSON or CSV.
func reportShift(ctx context.Context, st *eventstore.Store, t domain.Tariff, id, format string, stdout io.Writer) error {
	b, err := foldAll(ctx, st, t)
	if err != nil {
		return err
	}
	r, ok := b.ShiftReport(id)
	if !ok {
		return &exitError{code: 1, msg: "no shift " + id}
	}
	return writeReport(stdout, r, format)
}
