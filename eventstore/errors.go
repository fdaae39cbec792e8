package eventstore

import (
	"errors"
	"fmt"
	"strings"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// JetStream API error codes (nats-server's server/errors.json) the store
// tells apart.
const (
	// errCodeWrongLastSeq and errCodeWrongLastSeqConstant are a failed
	// expected-last-sequence check: the numbered one from the stream
	// leader, the constant one from the clustered batch path.
	errCodeWrongLastSeq         jetstream.ErrorCode = 10071
	errCodeWrongLastSeqConstant jetstream.ErrorCode = 10164
	// errCodeInsufficientResources (JSInsufficientResourcesErr) is the
	// server's storage limit (max_file_store) reached.
	errCodeInsufficientResources jetstream.ErrorCode = 10023
	// errCodeStorageExceeded (JSStorageResourcesExceededErr) is a stream
	// that does not fit the server's storage limit.
	errCodeStorageExceeded jetstream.ErrorCode = 10047
	// errCodeStreamStoreFailed (JSStreamStoreFailedF) is a store that
	// failed to write; it means "full" when its description says the disk
	// had no space left.
	errCodeStreamStoreFailed jetstream.ErrorCode = 10077
	// errCodeAccountResources (JSAccountResourcesExceededErr) is the
	// account's storage limit reached.
	errCodeAccountResources jetstream.ErrorCode = 10002
)

// isConflict reports whether err is a failed optimistic-concurrency check.
func isConflict(err error) bool {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.ErrorCode == errCodeWrongLastSeq || apiErr.ErrorCode == errCodeWrongLastSeqConstant
}

// isFull reports whether err says the server had no room for the write:
// its storage limit, the account's, or the disk reached.
func isFull(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode {
		case errCodeInsufficientResources, errCodeStorageExceeded, errCodeAccountResources:
			return true
		case errCodeStreamStoreFailed:
			return strings.Contains(apiErr.Description, "no space left")
		}
	}
	return err != nil && strings.Contains(err.Error(), "no space left")
}

// isLocal reports errors that are the caller's fault rather than the
// store's: the store was reachable, the request itself was wrong.
func isLocal(err error) bool {
	return errors.Is(err, nats.ErrMaxPayload) || errors.Is(err, nats.ErrBadSubject) ||
		errors.Is(err, nats.ErrInvalidMsg) || errors.Is(err, jetstream.ErrInvalidOption)
}

// storeError is a store failure that means "not done": what was not done
// (op, such as "append charger.connected cb.charger.c1"), the domain error
// it means for the caller (domain.ErrUnavailable or domain.ErrFull), and
// the cause. errors.Is finds both the domain error and the cause.
type storeError struct {
	op    string
	kind  *domain.Error
	cause error
}

// Error reads "<op>: <the domain sentence>: <cause>", with the cause
// rendered without the "nats: " prefixes nats.go stacks up (a JetStream
// API error comes back as "nats: nats: API error: ...").
func (e *storeError) Error() string {
	return e.op + ": " + e.kind.Message + ": " + detail(e.cause)
}

// Unwrap returns the domain error and the cause.
func (e *storeError) Unwrap() []error { return []error{e.kind, e.cause} }

// detail renders a cause for a log line.
func detail(err error) string {
	if err == nil {
		return "unknown cause"
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return fmt.Sprintf("jetstream error %d: %s", apiErr.ErrorCode, apiErr.Description)
	}
	s := err.Error()
	for strings.HasPrefix(s, "nats: ") {
		s = strings.TrimPrefix(s, "nats: ")
	}
	return s
}

// unavailable wraps err so that errors.Is(err, domain.ErrUnavailable)
// holds, keeping err itself in the chain.
func unavailable(op string, err error) error {
	return &storeError{op: op, kind: domain.ErrUnavailable, cause: err}
}

// full wraps err so that errors.Is(err, domain.ErrFull) holds, keeping err
// itself in the chain.
func full(op string, err error) error {
	return &storeError{op: op, kind: domain.ErrFull, cause: err}
}

// classify maps an error of a NATS call to the domain's errors: a failed
// expected-sequence check becomes domain.ErrConflict, a write refused for
// lack of space wraps domain.ErrFull, anything else that means "the store
// did not answer or did not store" wraps domain.ErrUnavailable.
func classify(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case isConflict(err):
		return fmt.Errorf("%s: %w", op, domain.ErrConflict)
	case isFull(err):
		return full(op, err)
	case isLocal(err):
		return fmt.Errorf("%s: %w", op, err)
	default:
		// Timeouts (the caller's context included), no responders, closed or reconnecting connections, a missing
		// stream, no leader: the store did not do it.
		return unavailable(op, err)
	}
}
