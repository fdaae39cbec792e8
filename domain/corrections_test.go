package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// payID is the event id of the given payment in the money cases.
const payID = "01J1Z5Q8W3M4N5P6Q7R8S9PAY1"

func voidCmd(session, id, reason string) func(*domain.Charger, domain.Ctx) ([]domain.Event, error) {
	return func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return c.VoidPayment(x, domain.DefaultTariff, session, domain.Void{PaymentID: id, Reason: reason})
	}
}

func refundCmd(session string, r domain.Refund) func(*domain.Charger, domain.Ctx) ([]domain.Event, error) {
	return func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return c.RefundSession(x, domain.DefaultTariff, session, r)
	}
}

// runMoneyCases runs given–when–then cases of the charger aggregate
// whose events are all of session sess1.
func runMoneyCases(t *testing.T, tests []decideCase) {
	t.Helper()
	for i := range tests {
		tests[i].session = sess1
	}
	runDecideCases(t, tests)
}

func TestMoneyCorrections(t *testing.T) {
	paid := one(with(payID, at(time.Minute, sess1, domain.PaymentRecorded{AmountCents: 500, Method: domain.MethodCash, Currency: "EUR", ShiftID: "S1"})))
	voided := one(at(2*time.Minute, sess1, domain.PaymentVoided{PaymentID: payID, AmountCents: 500, Method: domain.MethodCash, Reason: "typo"}))
	back := one(at(3*time.Minute, sess1, domain.HandedBack{AmountDueCents: 500, PaidCents: 500}))
	refunded := func(c int64) []domain.Event {
		return one(at(4*time.Minute, sess1, domain.Refunded{AmountCents: c, Method: domain.MethodCash, Reason: "r"}))
	}
	long := strings.Repeat("x", domain.MaxReasonLen+1)
	runMoneyCases(t, []decideCase{
		{name: "void a payment", given: given(opened(), paid), when: voidCmd(sess1, payID, " typed 50 for 5 "),
			then: []domain.Payload{domain.PaymentVoided{PaymentID: payID, AmountCents: 500, Method: domain.MethodCash, ShiftID: "S1", Reason: "typed 50 for 5", Currency: "EUR"}}},
		{name: "void twice", given: given(opened(), paid, voided), when: voidCmd(sess1, payID, "again"), wantCode: domain.CodeAlreadyVoided},
		{name: "void an unknown payment", given: given(opened(), paid), when: voidCmd(sess1, "01J1Z5Q8W3M4N5P6Q7R8S9NOPE", "x"), wantCode: domain.CodeNotFound},
		{name: "void without a reason", given: given(opened(), paid), when: voidCmd(sess1, payID, "  "), wantCode: domain.CodeInvalidInput},
		{name: "void with a reason too long", given: given(opened(), paid), when: voidCmd(sess1, payID, long), wantCode: domain.CodeInvalidInput},
		{name: "void with a two-line reason", given: given(opened(), paid), when: voidCmd(sess1, payID, "a\nb"), wantCode: domain.CodeInvalidInput},
		{name: "void after hand-back is a refund", given: given(opened(), paid, back), when: voidCmd(sess1, payID, "x"), wantCode: domain.CodeSessionClosed},
		{name: "void on an unknown session", given: given(opened(), paid), when: voidCmd("01J1Z5Q8W3M4N5P6Q7R8S9T0XX", payID, "x"), wantCode: domain.CodeSessionClosed},
		{name: "payment again after a void", given: given(opened(), paid, voided), when: pay(domain.DefaultTariff, sess1, domain.Payment{AmountCents: 500, Method: domain.MethodCard}),
			then: []domain.Payload{domain.PaymentRecorded{AmountCents: 500, Method: domain.MethodCard, Currency: "EUR"}}},
		{name: "refund after hand-back", given: given(opened(), paid, back), when: refundCmd(sess1, domain.Refund{AmountCents: 200, Method: domain.MethodCash, Reason: "slow charge", ShiftID: "S2", Till: "main"}),
			then: []domain.Payload{domain.Refunded{AmountCents: 200, Method: domain.MethodCash, ShiftID: "S2", Till: "main", Reason: "slow charge", Currency: "EUR"}}},
		{name: "refund all that was paid", given: given(opened(), paid, back), when: refundCmd(sess1, domain.Refund{AmountCents: 500, Method: domain.MethodCard, Reason: "r"}),
			then: []domain.Payload{domain.Refunded{AmountCents: 500, Method: domain.MethodCard, Reason: "r", Currency: "EUR"}}},
		{name: "refund more than paid", given: given(opened(), paid, back), when: refundCmd(sess1, domain.Refund{AmountCents: 501, Method: domain.MethodCash, Reason: "r"}), wantCode: domain.CodeRefundTooLarge},
		{name: "refund more than left after a refund", given: given(opened(), paid, back, refunded(300)), when: refundCmd(sess1, domain.Refund{AmountCents: 201, Method: domain.MethodCash, Reason: "r"}), wantCode: domain.CodeRefundTooLarge},
		{name: "refund the rest after a refund", given: given(opened(), paid, back, refunded(300)), when: refundCmd(sess1, domain.Refund{AmountCents: 200, Method: domain.MethodCash, Reason: "r"}),
			then: []domain.Payload{domain.Refunded{AmountCents: 200, Method: domain.MethodCash, Reason: "r", Currency: "EUR"}}},
		{name: "refund a voided payment", given: given(opened(), paid, voided), when: refundCmd(sess1, domain.Refund{AmountCents: 1, Method: domain.MethodCash, Reason: "r"}), wantCode: domain.CodeRefundTooLarge},
		{name: "refund on an open session", given: given(opened(), paid), when: refundCmd(sess1, domain.Refund{AmountCents: 100, Method: domain.MethodCash, Reason: "r"}),
			then: []domain.Payload{domain.Refunded{AmountCents: 100, Method: domain.MethodCash, Reason: "r", Currency: "EUR"}}},
		{name: "refund zero", given: given(opened(), paid), when: refundCmd(sess1, domain.Refund{AmountCents: 0, Method: domain.MethodCash, Reason: "r"}), wantCode: domain.CodeInvalidAmount},
		{name: "refund by bitcoin", given: given(opened(), paid), when: refundCmd(sess1, domain.Refund{AmountCents: 1, Method: "btc", Reason: "r"}), wantCode: domain.CodeInvalidMethod},
		{name: "refund without a reason", given: given(opened(), paid), when: refundCmd(sess1, domain.Refund{AmountCents: 1, Method: domain.MethodCash}), wantCode: domain.CodeInvalidInput},
		{name: "refund of an unknown session", given: given(opened(), paid), when: refundCmd("01J1Z5Q8W3M4N5P6Q7R8S9T0XX", domain.Refund{AmountCents: 1, Method: domain.MethodCash, Reason: "r"}), wantCode: domain.CodeSessionClosed},
		{name: "overpayment refused", given: opened(), when: pay(domain.DefaultTariff, sess1, domain.Payment{AmountCents: 700, Method: domain.MethodCash}), wantCode: domain.CodeOverpayment},
		{name: "overpayment as a tip", given: opened(), when: pay(domain.DefaultTariff, sess1, domain.Payment{AmountCents: 700, Method: domain.MethodCash, Tip: true, ShiftID: "S1", Till: "main"}),
			then: []domain.Payload{domain.PaymentRecorded{AmountCents: 500, TipCents: 200, Method: domain.MethodCash, Currency: "EUR", ShiftID: "S1", Till: "main"}}},
		{name: "all a tip once paid", given: given(opened(), paid), when: pay(domain.DefaultTariff, sess1, domain.Payment{AmountCents: 100, Method: domain.MethodCard, Tip: true}),
			then: []domain.Payload{domain.PaymentRecorded{AmountCents: 0, TipCents: 100, Method: domain.MethodCard, Currency: "EUR"}}},
		{name: "a tip within the balance is a payment", given: opened(), when: pay(domain.DefaultTariff, sess1, domain.Payment{AmountCents: 300, Method: domain.MethodCash, Tip: true}),
			then: []domain.Payload{domain.PaymentRecorded{AmountCents: 300, Method: domain.MethodCash, Currency: "EUR"}}},
	})
}

// TestMoneyBalance folds payments and corrections and checks the balance
// equals the sum of the events, and that a hand-back needs the voided
// money again.
func TestMoneyBalance(t *testing.T) {
	c := domain.NewCharger(charger)
	c.Fold(history(given(opened(),
		one(with(payID, at(time.Minute, sess1, domain.PaymentRecorded{AmountCents: 500, Method: domain.MethodCash}))),
		one(at(2*time.Minute, sess1, domain.PaymentVoided{PaymentID: payID, AmountCents: 500, Method: domain.MethodCash, Reason: "x"})),
	)))
	if got, want := c.Session.Balance(domain.DefaultTariff, t0), int64(500); got != want {
		t.Fatalf("balance after void: got %d, want %d", got, want)
	}
	if _, err := c.HandBack(ctxAt(time.Hour), domain.DefaultTariff, sess1, ""); domain.ErrorCode(err) != domain.CodeBalanceDue {
		t.Fatalf("hand-back after a void: got %v, want balance_due", err)
	}
	// A void replayed (the same event folded twice) counts once.
	e := at(2*time.Minute, sess1, domain.PaymentVoided{PaymentID: payID, AmountCents: 500, Method: domain.MethodCash, Reason: "x"})
	c.Apply(e)
	if got, want := c.Session.PaidCents, int64(0); got != want {
		t.Fatalf("paid after a second void: got %d, want %d", got, want)
	}
}

// TestRefundMemoryBounded: only the last sessions handed back can be
// refunded.
func TestRefundMemoryBounded(t *testing.T) {
	c := domain.NewCharger(charger)
	var evs []domain.Event
	ids := seqIDs()
	var first string
	for i := 0; i < 70; i++ {
		s := ids()
		if i == 0 {
			first = s
		}
		evs = append(evs,
			domain.NewEvent("", t0, charger, s, domain.SessionOpened{By: domain.OpenedByStaff}),
			domain.NewEvent("", t0, charger, s, domain.PaymentRecorded{AmountCents: 500, Method: domain.MethodCash}),
			domain.NewEvent("", t0, charger, s, domain.HandedBack{AmountDueCents: 500, PaidCents: 500}))
	}
	c.Fold(history(evs))
	_, err := c.RefundSession(ctxAt(time.Hour), domain.DefaultTariff, first, domain.Refund{AmountCents: 100, Method: domain.MethodCash, Reason: "r"})
	checkCode(t, err, domain.CodeSessionClosed)
	last := evs[len(evs)-1].SessionID
	_, err = c.RefundSession(ctxAt(time.Hour), domain.DefaultTariff, last, domain.Refund{AmountCents: 100, Method: domain.MethodCash, Reason: "r"})
	checkCode(t, err, "")
}

// The money, shift and unclaimed event samples for the registry's round
// trip (registry_test.go).
func init() {
	samplePayloads[domain.TypePaymentVoided] = domain.PaymentVoided{PaymentID: payID, AmountCents: 500, TipCents: 50, Method: domain.MethodCash, ShiftID: "S1", Reason: "typo", Currency: "EUR"}
	samplePayloads[domain.TypeRefunded] = domain.Refunded{AmountCents: 200, Method: domain.MethodCard, ShiftID: "S1", Till: "main", Reason: "slow", Currency: "EUR"}
	samplePayloads[domain.TypeSessionUnclaimed] = domain.SessionUnclaimed{Night: "2026-07-05 02:00", ClosesAt: time.Date(2026, 7, 5, 0, 0, 0, 0, time.UTC), TimeZone: "Europe/Madrid"}
	samplePayloads[domain.TypeShiftOpened] = domain.ShiftOpened{ShiftID: "S1", Till: "main", FloatCents: 10000, Currency: "EUR"}
	samplePayloads[domain.TypeShiftClosed] = domain.ShiftClosed{ShiftID: "S1", Till: "main", CountedCents: map[string]int64{"cash": 1}, ExpectedCents: map[string]int64{"cash": 2}, DifferenceCents: map[string]int64{"cash": -1}, Note: "n"}
}
