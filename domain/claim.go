package domain

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"io"
	"strings"
	"sync"
	"unicode/utf8"
)

// Claim tickets: every session gets a claim code (what the customer shows
// or says at pick-up) and a customer token (the secret in the customer
// page's link), decided when the session opens, by staff or by a device.

// ClaimAlphabet is the claim codes' alphabet: digits and capital letters
// without the ones a person misreads (0 O 1 I L) or that read as a word
// (U): 30 symbols.
const ClaimAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

// ClaimCodeLen is how many symbols a claim code has: 30^6 ≈ 729 million
// codes.
const ClaimCodeLen = 6

// TokenBytes is how many random bytes a customer token holds (128 bits),
// written as unpadded base64url (TokenLen characters).
const TokenBytes = 16

// TokenLen is the length of a customer token's text.
const TokenLen = 22

// MaxLabelLen bounds a customer label (a first name, a phone description,
// the last digits of a number).
const MaxLabelLen = 40

// Codes of the claim check.
const (
	// CodeClaimMismatch: the widget or claim code given at hand-back is not
	// the session's (409).
	CodeClaimMismatch = "claim_mismatch"
	// CodeClaimRequired: hand-back without a widget, a claim code or an
	// override (400).
	CodeClaimRequired = "claim_required"
)

// How a hand-back's claim was verified (HandedBack.VerifiedBy).
const (
	VerifiedByWidget    = "widget"
	VerifiedByClaimCode = "claim_code"
	VerifiedByOverride  = "override"
	// VerifiedByNone: nothing was checked (--handback-verify off).
	VerifiedByNone = "none"
)

// Ticket is what a session's opening carries for its customer.
type Ticket struct {
	ClaimCode string
	Token     string
}

// TicketSource makes a new ticket for a session that opens. It is part of
// Ctx so that decisions stay deterministic under test; a nil source makes
// sessions without a ticket.
type TicketSource func() Ticket

// ParseClaimCode normalises what a person typed or a scanner sent as a
// claim code: case, spaces and hyphens do not matter ("k7m-4px" is
// "K7M4PX"). It refuses anything that is not ClaimCodeLen symbols of
// ClaimAlphabet, saying which character is wrong.
func ParseClaimCode(s string) (string, error) {
	if len(s) > 32 {
		return "", Errorf(CodeInvalidInput, "claimCode is %d characters of %s (got more than 32)", ClaimCodeLen, ClaimAlphabet)
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '-':
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		if r >= utf8.RuneSelf || strings.IndexByte(ClaimAlphabet, byte(r)) < 0 {
			return "", Errorf(CodeInvalidInput, "claimCode may only hold %s (got %q; there is no 0, O, 1, I, L or U)", ClaimAlphabet, r)
		}
		b.WriteRune(r)
	}
	if b.Len() != ClaimCodeLen {
		return "", Errorf(CodeInvalidInput, "claimCode is %d characters of %s (got %d)", ClaimCodeLen, ClaimAlphabet, b.Len())
	}
	return b.String(), nil
}

// ParseCustomerToken checks a customer token: TokenLen characters of
// unpadded base64url that decode to TokenBytes bytes (canonically: a
// token with other trailing bits is refused, so one token has one text).
func ParseCustomerToken(s string) (string, error) {
	if len(s) != TokenLen {
		return "", Errorf(CodeInvalidID, "customer token is %d characters", TokenLen)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(raw) != TokenBytes {
		return "", Errorf(CodeInvalidID, "customer token is %d characters of base64url", TokenLen)
	}
	return s, nil
}

// TokenHash returns the hex SHA-256 of a customer token: what read models
// index tokens by and what logs may show (never the token).
func TokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// SameClaimCode compares two claim codes in constant time.
func SameClaimCode(a, b string) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// ticketSource is NewTicketSource's state.
type ticketSource struct {
	inUse func(code string) bool

	randMu sync.Mutex // guards rand (a test's reader need not be safe for concurrent use)
	rand   io.Reader

	// mu guards the codes issued lately; it is never held while inUse
	// asks the read side, so one session's ticket does not queue every
	// other behind the board's lock.
	mu     sync.Mutex
	recent [1024]string // codes this source issued lately, oldest overwritten
	seen   map[string]struct{}
	next   int
}

// maxCodeDraws bounds the draws of a claim code that is in use; with a
// thousand open sessions a draw collides with odds of about 1 in 729,000.
const maxCodeDraws = 16

// NewTicketSource returns a ticket source reading randomness from r
// (crypto/rand.Reader in the server, a fixed stream in tests). A claim code
// is drawn again while inUse says an open session has it (the read
// side's answer, which covers every instance's sessions once folded) or
// this source issued it lately (sessions the read side has not folded
// yet). Two instances drawing the same code within the read side's lag
// remain possible (odds of about n in 729 million for n open sessions);
// the read side then resolves a claim-code search deterministically (see
// projections.Board.SessionsByClaimCode), and a hand-back checks the code
// against its own session, so it never hands over the wrong phone.
// inUse may be nil. It panics when r fails: without randomness no ticket
// is safe to issue.
func NewTicketSource(r io.Reader, inUse func(code string) bool) TicketSource {
	s := &ticketSource{rand: r, inUse: inUse, seen: make(map[string]struct{}, 1024)}
	return s.ticket
}

func (s *ticketSource) ticket() Ticket {
	var code string
	for i := 0; i < maxCodeDraws; i++ {
		code = s.code()
		last := i == maxCodeDraws-1
		if !last && s.inUse != nil && s.inUse(code) {
			continue
		}
		if s.remember(code, last) {
			break
		}
	}
	var raw [TokenBytes]byte
	s.read(raw[:])
	return Ticket{ClaimCode: code, Token: base64.RawURLEncoding.EncodeToString(raw[:])}
}

// remember records code among the codes issued lately and reports true,
// unless it is among them already (false; true with force).
func (s *ticketSource) remember(code string, force bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.seen[code]; dup {
		return force // remembered already
	}
	if old := s.recent[s.next]; old != "" {
		delete(s.seen, old)
	}
	s.recent[s.next] = code
	s.seen[code] = struct{}{}
	s.next = (s.next + 1) % len(s.recent)
	return true
}

// code draws one claim code without modulo bias (bytes ≥ 240 are drawn
// again: 240 is the largest multiple of 30 below 256).
func (s *ticketSource) code() string {
	var out [ClaimCodeLen]byte
	var buf [16]byte
	n := 0
	for n < ClaimCodeLen {
		s.read(buf[:])
		for _, b := range buf {
			if b < 240 && n < ClaimCodeLen {
				out[n] = ClaimAlphabet[int(b)%len(ClaimAlphabet)]
				n++
			}
		}
	}
	return string(out[:])
}

func (s *ticketSource) read(p []byte) {
	s.randMu.Lock()
	defer s.randMu.Unlock()
	if _, err := io.ReadFull(s.rand, p); err != nil {
		panic("domain: ticket randomness: " + err.Error())
	}
}

// opened is the SessionOpened of a session that opens now, with a ticket
// when the context has a source.
func (x Ctx) opened(by, widgetID, label string) SessionOpened {
	o := SessionOpened{By: by, WidgetID: widgetID, Label: label}
	if x.NewTicket != nil {
		t := x.NewTicket()
		o.ClaimCode, o.Token = t.ClaimCode, t.Token
	}
	return o
}

// CheckLabel checks a customer label: optional, one line of at most
// MaxLabelLen characters of plain text; surrounding spaces are dropped.
func CheckLabel(label string) (string, error) {
	label = strings.TrimSpace(label)
	if utf8.RuneCountInString(label) > MaxLabelLen {
		return "", Errorf(CodeInvalidInput, "label is longer than %d characters", MaxLabelLen)
	}
	if err := CheckText("label", label, false); err != nil {
		return "", err
	}
	return label, nil
}

// CheckIn is a staff check-in: the widget handed out ("" when the booth
// runs on tickets alone) and the customer's label ("" for none).
type CheckIn struct {
	WidgetID string
	Label    string
}

// CheckInWith opens a session by staff before the first reading, with
// the widget and label of in (see Service.CheckInWith).
func (c *Charger) CheckInWith(x Ctx, in CheckIn) ([]Event, error) {
	if c.Session != nil {
		return nil, Errorf(CodeSessionOpen, "charger %s already has an open session (%s)", c.ID, c.Session.ID)
	}
	return []Event{x.event(c.ID, x.NewID(), x.opened(OpenedByStaff, in.WidgetID, in.Label))}, nil
}

// Claim is how the person collecting a phone proves it is theirs: the
// widget they hand back (scanned), the claim code from their ticket, or a
// lead's override with a reason (a lost widget and a forgotten code).
type Claim struct {
	WidgetID       string
	ClaimCode      string
	OverrideReason string
	// Override is set on the override route only (a role allowed to).
	Override bool
	// Required refuses a hand-back with no claim at all
	// (--handback-verify); without it such a hand-back is recorded as
	// VerifiedByNone.
	Required bool
}

// verify checks the claim against the open session and returns how it
// was verified and the override's reason.
func (cl Claim) verify(s *OpenSession) (by, reason string, err error) {
	if cl.Override {
		reason = strings.TrimSpace(cl.OverrideReason)
		if reason == "" {
			return "", "", Errorf(CodeInvalidInput, "overrideReason is required: say how the owner was checked (\"ID checked: passport\")")
		}
		if utf8.RuneCountInString(reason) > MaxReferenceLen {
			return "", "", Errorf(CodeInvalidInput, "overrideReason is longer than %d characters", MaxReferenceLen)
		}
		if err := CheckText("overrideReason", reason, false); err != nil {
			return "", "", err
		}
		return VerifiedByOverride, reason, nil
	}
	if cl.OverrideReason != "" {
		return "", "", Errorf(CodeInvalidInput, "overrideReason is taken by POST /api/sessions/{id}/handback-override only (a lead's)")
	}
	if cl.WidgetID == "" && cl.ClaimCode == "" {
		if cl.Required {
			return "", "", Errorf(CodeClaimRequired, "give widgetId (scan the widget handed back) or claimCode (from the customer's ticket); a lead can override with a reason")
		}
		return VerifiedByNone, "", nil
	}
	if cl.WidgetID != "" {
		if err := ValidateDeviceID("widget", cl.WidgetID); err != nil {
			return "", "", err
		}
		if s.WidgetID == "" {
			return "", "", Errorf(CodeClaimMismatch, "session %s was checked in without a widget: give its claim code", s.ID)
		}
		if cl.WidgetID != s.WidgetID {
			return "", "", Errorf(CodeClaimMismatch, "widget %s is not this session's widget", cl.WidgetID)
		}
		by = VerifiedByWidget
	}
	if cl.ClaimCode != "" {
		code, err := ParseClaimCode(cl.ClaimCode)
		if err != nil {
			return "", "", err
		}
		if s.ClaimCode == "" {
			return "", "", Errorf(CodeClaimMismatch, "session %s has no claim code: scan its widget or ask a lead to override", s.ID)
		}
		if !SameClaimCode(code, s.ClaimCode) {
			return "", "", Errorf(CodeClaimMismatch, "claim code %s is not this session's", code)
		}
		if by == "" {
			by = VerifiedByClaimCode
		}
	}
	return by, "", nil
}

// HandBackClaimed is HandBack with the claim checked first: a claim that
// does not match refuses with claim_mismatch and decides nothing. The
// handed_back event records how the claim was verified.
func (c *Charger) HandBackClaimed(x Ctx, t Tariff, sessionID, waiveReason string, cl Claim) ([]Event, error) {
	s, err := c.openSession(sessionID)
	if err != nil {
		return nil, err
	}
	by, reason, err := cl.verify(s)
	if err != nil {
		return nil, err
	}
	evs, err := c.HandBack(x, t, sessionID, waiveReason)
	if err != nil {
		return nil, err
	}
	for i, e := range evs {
		if h, ok := e.Data.(HandedBack); ok {
			h.VerifiedBy, h.OverrideReason = by, reason
			evs[i].Data = h
		}
	}
	return evs, nil
}

// SetTickets makes sessions opened from now on get a ticket from t (see
// NewTicketSource). Call it before serving.
func (s *Service) SetTickets(t TicketSource) { s.tickets = t }

// CheckInWith opens a session by staff on a charger with no open session.
// With a widget given, that widget is the session's and is paired with
// the charger first (moved from the charger it was paired with, unless
// that charger has an open session: widget_taken); without one the
// session gets the widget the pairing table gives the charger, if any.
func (s *Service) CheckInWith(ctx context.Context, chargerID string, in CheckIn) ([]Event, error) {
	if err := ValidateDeviceID("charger", chargerID); err != nil {
		return nil, err
	}
	label, err := CheckLabel(in.Label)
	if err != nil {
		return nil, err
	}
	in.Label = label
	if in.WidgetID != "" {
		if err := ValidateDeviceID("widget", in.WidgetID); err != nil {
			return nil, err
		}
		if err := s.handOut(ctx, chargerID, in.WidgetID); err != nil {
			return nil, err
		}
	}
	return s.onChargerPaired(ctx, chargerID, func(c *Charger, x Ctx, paired string) ([]Event, error) {
		if in.WidgetID == "" {
			return c.CheckInWith(x, CheckIn{WidgetID: paired, Label: in.Label})
		}
		return c.CheckInWith(x, in)
	})
}

// handOut pairs widgetID with chargerID for a check-in: refused when the
// charger already has an open session or the widget's current charger
// does. Each check reads one charger on its own (no two charger slots
// are held at once); a check-in that loses a race after the pairing moved
// is refused by the charger's own decision, leaving the widget paired
// with the charger it was handed out for.
func (s *Service) handOut(ctx context.Context, chargerID, widgetID string) error {
	hasSession := func(id string) (bool, error) {
		open := false
		_, err := s.OnCharger(ctx, id, func(c *Charger, _ Ctx) ([]Event, error) {
			open = c.Session != nil
			return nil, nil
		})
		return open, err
	}
	if open, err := hasSession(chargerID); err != nil || open {
		if err == nil {
			err = Errorf(CodeSessionOpen, "charger %s already has an open session", chargerID)
		}
		return err
	}
	other := ""
	if _, err := s.OnPairings(ctx, func(p *Pairings, _ Ctx) ([]Event, error) {
		other = p.ByWidget[widgetID]
		return nil, nil
	}); err != nil {
		return err
	}
	if other != "" && other != chargerID {
		if open, err := hasSession(other); err != nil || open {
			if err == nil {
				err = Errorf(CodeWidgetTaken, "widget %s is out with the open session on charger %s", widgetID, other)
			}
			return err
		}
	}
	_, err := s.OnPairings(ctx, func(p *Pairings, x Ctx) ([]Event, error) {
		return p.Set(x, chargerID, widgetID, true)
	})
	return err
}
