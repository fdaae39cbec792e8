package domain

// The money corrections', shifts' and unclaimed marks' invariants (see
// ValidateEvent): a forged void or refund read back is quarantined.

// checkMethod refuses a method that is neither cash nor card.
func checkMethod(m string) error {
	if m != MethodCash && m != MethodCard {
		return Errorf(CodeInvalidMethod, "method %.20q is neither %q nor %q", m, MethodCash, MethodCard)
	}
	return nil
}

// Validate implements Validator: a payment, a positive amount, a method
// and a reason.
func (p PaymentVoided) Validate() error {
	if p.AmountCents <= 0 {
		return Errorf(CodeInvalidAmount, "amountCents %d is not a positive whole number of cents", p.AmountCents)
	}
	return firstErr(checkName("paymentId", p.PaymentID, true), checkCents("tipCents", p.TipCents), checkMethod(p.Method),
		checkName("shiftId", p.ShiftID, false), checkStoredText("reason", p.Reason, MaxReferenceLen, false),
		checkName("currency", p.Currency, false))
}

// Validate implements Validator: a positive amount, a method, a reason.
func (p Refunded) Validate() error {
	if p.AmountCents <= 0 {
		return Errorf(CodeInvalidAmount, "amountCents %d is not a positive whole number of cents", p.AmountCents)
	}
	return firstErr(checkMethod(p.Method), checkName("shiftId", p.ShiftID, false), checkName("till", p.Till, false),
		checkStoredText("reason", p.Reason, MaxReferenceLen, false), checkName("currency", p.Currency, false))
}

// Validate implements Validator: a night, its instant and zone.
func (p SessionUnclaimed) Validate() error {
	if p.ClosesAt.IsZero() {
		return Errorf(CodeInvalidInput, "an unclaimed mark without its closing time")
	}
	return firstErr(checkName("night", p.Night, true), checkName("timeZone", p.TimeZone, true))
}

// Validate implements Validator: an id, a till and a float in range.
func (p ShiftOpened) Validate() error {
	return firstErr(checkName("shiftId", p.ShiftID, true), ValidateTill(p.Till), checkShiftCents("floatCents", p.FloatCents),
		checkName("currency", p.Currency, false))
}

// Validate implements Validator: an id, a till, counts by known methods.
func (p ShiftClosed) Validate() error {
	if err := firstErr(checkName("shiftId", p.ShiftID, true), ValidateTill(p.Till),
		checkStoredText("note", p.Note, MaxReferenceLen, true)); err != nil {
		return err
	}
	for m, v := range p.CountedCents {
		if err := firstErr(checkMethod(m), checkShiftCents("countedCents."+m, v)); err != nil {
			return err
		}
	}
	return nil
}
