package charger

import (
	"context"
	"errors"
	"fmt"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
	"github.com/chargebooth/chargebooth/domain"
)

// storeError returns the code and message of the Error frame answering a
// frame whose what ("reading") was not stored because of err: a full or
// unavailable store says so and that the what was not stored; any other
// error keeps its domain code and message.
func storeError(err error, what string) (code, msg string) {
	switch {
	case errors.Is(err, domain.ErrFull):
		return domain.CodeStoreFull, fmt.Sprintf("the event store is full; the %s was not stored", what)
	case errors.Is(err, domain.ErrUnavailable):
		return domain.CodeStoreDown, fmt.Sprintf("the event store is unavailable; the %s was not stored", what)
	}
	return domain.ErrorCode(err), domain.ErrorMessage(err)
}

// storeErr marks a store failure for the OCPP router, which answers it
// with an InternalError saying what was not stored: ocpp.ErrStoreFull for
// a full store, ocpp.ErrStoreUnavailable for an unavailable one (a store
// that did not answer in time included).
func storeErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, domain.ErrFull):
		return errors.Join(ocpp.ErrStoreFull, err)
	case errors.Is(err, domain.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded):
		return errors.Join(ocpp.ErrStoreUnavailable, err)
	}
	return err
}
