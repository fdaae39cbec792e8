package httpapi

import (
	"net/http"
	"strings"

	"github.com/chargebooth/chargebooth/domain"
)

// Codes of this edge that the domain does not have.
const (
	codeBodyTooLarge     = "body_too_large"
	codeUnsupportedMedia = "unsupported_media_type"
	codeNotConnected     = "not_connected"
	codeNotOCPP          = "not_ocpp"
	codeTimeout          = "timeout"
	codeNotImplemented   = "not_implemented"
	codeRemoteFailed     = "remote_failed"
	codeForbiddenOrigin  = "forbidden_origin"
	codeUnknownAction    = "unknown_action"
)

// statusOf maps a domain error code to its HTTP status. This table is the
// only place the mapping lives.
func statusOf(code string) int {
	switch code {
	case domain.CodeNotFound:
		return http.StatusNotFound
	case domain.CodeUnauthorized:
		return http.StatusUnauthorized
	case domain.CodeSessionOpen, domain.CodeSessionClosed, domain.CodeNoSession, domain.CodeBalanceDue,
		domain.CodeWidgetTaken, domain.CodeIdempotencyUsed, domain.CodeClaimMismatch, domain.CodeConflict, domain.CodeTooManyNotices, codeNotConnected, codeNotOCPP:
		return http.StatusConflict
	case domain.CodeChargerOnline, domain.CodeChargerPaired, domain.CodeChargerEnrolled:
		return http.StatusConflict
	case domain.CodeStaffNameTaken:
		return http.StatusConflict
	case CodeTooManyAttempts:
		return http.StatusTooManyRequests
	case domain.CodeOverpayment, domain.CodeAlreadyVoided, domain.CodeRefundTooLarge, domain.CodeNoOpenShift,
		domain.CodeTillRequired, domain.CodeShiftOpen, domain.CodeShiftClosed:
		return http.StatusConflict
	case domain.CodeStoreDown:
		return http.StatusServiceUnavailable
	case domain.CodeStoreFull:
		return http.StatusInsufficientStorage
	case domain.CodeRateLimited:
		return http.StatusTooManyRequests
	case codeBodyTooLarge:
		return http.StatusRequestEntityTooLarge
	case codeUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case domain.CodeMalformedJSON:
		return http.StatusBadRequest
	case domain.CodeInternal, "":
		return http.StatusInternalServerError
	}
	if strings.HasPrefix(code, "invalid_") {
		return http.StatusBadRequest
	}
	// Any other domain code is a refusal the person can act on.
	return http.StatusBadRequest
}

// errorResponse maps err to what the staff see: the status, code and
// message of a domain error; for anything else 500 "internal error" (the
// caller logs it).
func errorResponse(err error) (status int, code, message string) {
	code = domain.ErrorCode(err)
	if code == domain.CodeInternal {
		return http.StatusInternalServerError, domain.CodeInternal, "internal error"
	}
	return statusOf(code), code, domain.ErrorMessage(err)
}

// fail answers err: a domain error with its code, status and message;
// anything else is logged and shown as "internal error".
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, code, msg := errorResponse(err)
	switch code {
	case domain.CodeInternal:
		a.log.Error("http internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	case domain.CodeStoreDown:
		a.log.Warn("http store unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
	case domain.CodeStoreFull:
		a.log.Warn("http store full", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeError(w, status, code, msg)
}
