package httpapi

import (
	"net/http"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// PIN hashes in the tests are cheap: the race detector makes bcrypt's
// default cost take a second.
func init() { pinCost = bcrypt.MinCost }

// Exports for the external tests (fuzzers of the parsers, the error
// mapping).
var (
	DecodePayment      = decodePayment
	ParseClientMessage = parseClientMessage
	ErrorResponse      = errorResponse
	DecodeVoid         = decodeVoid
	DecodeRefund       = decodeRefund
	DecodeOpenShift    = decodeOpenShift
	DecodeCloseShift   = decodeCloseShift
	WantsHTML          = wantsHTML
)

// Exports of the staff sign-in (fuzzers, the throttle's bound).
var (
	DecodeLogin        = decodeLogin
	ParseSessionCookie = parseSessionCookie
	MaxCookie          = maxCookie
)

// NewThrottle exposes the failure throttle, remembering at most max
// addresses: fail counts a failure of an address, wait says how long it
// must wait, size how many it remembers.
func NewThrottle(burst int, every time.Duration, max int) (fail func(string, time.Time), wait func(string, time.Time) time.Duration, size func() int) {
	t := newThrottle(burst, every)
	t.max = max
	return t.fail, t.wait, t.size
}

// PatternOf returns the pattern of the API's own routing that serves r
// ("" for none): the contract check validates only what a registered
// route answers (GET /tickets/ticket.css is not GET /tickets/{id}).
func (a *API) PatternOf(r *http.Request) string {
	_, p := a.mux.Handler(r)
	return p
}

// RevokedSince is the check a live-feed client meets once registered.
func (a *API) RevokedSince(actor, session, token string) string {
	return a.revokedSince(actor, session, token)
}

// HashSecret is the hash the read models keep of a token or cookie.
var HashSecret = hashSecret
