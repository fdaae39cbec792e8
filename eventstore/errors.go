package eventstore

import (
	"errors"
	"fmt"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// JetStream API error codes for a failed expected-last-sequence check: the
// numbered one from the stream leader, the constant one from the
// clustered batch path.
const (
	errCodeWrongLastSeq         jetstream.ErrorCode = 10071
	errCodeWrongLastSeqConstant jetstream.ErrorCode = 10164
)

// isConflict reports whether err is a failed optimistic-concurrency check.
func isConflict(err error) bool {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.ErrorCode == errCodeWrongLastSeq || apiErr.ErrorCode == errCodeWrongLastSeqConstant
}

// isLocal reports errors that are the caller's fault rather than the
// store's: the store was reachable, the request itself was wrong.
func isLocal(err error) bool {
	return errors.Is(err, nats.ErrMaxPayload) || errors.Is(err, nats.ErrBadSubject) ||
		errors.Is(err, nats.ErrInvalidMsg) || errors.Is(err, jetstream.ErrInvalidOption)
}

// unavailable wraps err so that errors.Is(err, domain.ErrUnavailable)
// holds, keeping err itself in the chain.
func unavailable(op string, err error) error {
	return fmt.Errorf("%s: %w: %w", op, domain.ErrUnavailable, err)
}

// classify maps an error of a NATS call to the domain's errors: a failed
// expected-sequence check becomes domain.ErrConflict, anything that means
// "the store did not answer or did not store" wraps domain.ErrUnavailable.
func classify(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case isConflict(err):
		return fmt.Errorf("%s: %w", op, domain.ErrConflict)
	case isLocal(err):
		return fmt.Errorf("%s: %w", op, err)
	default:
		// Timeouts (the caller's context included), no responders, closed
		// or reconnecting connections, a missing stream, no leader, full
		// storage: the store did not do it.
		return unavailable(op, err)
	}
}
