package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/chargebooth/chargebooth/adapters/httpapi"
	"github.com/chargebooth/chargebooth/domain"
)

// TestErrorResponse checks the mapping of errors to what staff see,
// store failures included (the store itself is never mocked: the mapping
// is a pure function).
func TestErrorResponse(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{
			name:       "store full",
			err:        fmt.Errorf("append payment.recorded: %w: %w", domain.ErrFull, errors.New("nats: insufficient resources")),
			wantStatus: http.StatusInsufficientStorage,
			wantCode:   "store_full",
			wantMsg:    domain.ErrFull.Message,
		},
		{
			name:       "store unavailable",
			err:        fmt.Errorf("append payment.recorded: %w: %w", domain.ErrUnavailable, errors.New("nats: no responders available for request")),
			wantStatus: http.StatusServiceUnavailable,
			wantCode:   "store_unavailable",
			wantMsg:    "the event store is unavailable; nothing was stored",
		},
		{
			name:       "store timed out",
			err:        errors.Join(domain.ErrUnavailable, context.DeadlineExceeded),
			wantStatus: http.StatusServiceUnavailable,
			wantCode:   "store_unavailable",
			wantMsg:    "the event store is unavailable; nothing was stored",
		},
		{
			name:       "conflict",
			err:        fmt.Errorf("append: %w", domain.ErrConflict),
			wantStatus: http.StatusConflict,
			wantCode:   "conflict",
			wantMsg:    domain.ErrConflict.Message,
		},
		{
			name:       "refusal",
			err:        domain.Errorf(domain.CodeBalanceDue, "500 cents are still owed"),
			wantStatus: http.StatusConflict,
			wantCode:   "balance_due",
			wantMsg:    "500 cents are still owed",
		},
		{
			name:       "invalid input",
			err:        domain.Errorf(domain.CodeInvalidAmount, "amountCents must be positive"),
			wantStatus: http.StatusBadRequest,
			wantCode:   "invalid_amount",
			wantMsg:    "amountCents must be positive",
		},
		{
			name:       "not found",
			err:        domain.Errorf(domain.CodeNotFound, "no such session"),
			wantStatus: http.StatusNotFound,
			wantCode:   "not_found",
			wantMsg:    "no such session",
		},
		{
			name:       "internal",
			err:        errors.New("decode session.opened: unexpected EOF"),
			wantStatus: http.StatusInternalServerError,
			wantCode:   "internal",
			wantMsg:    "internal error",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, code, msg := httpapi.ErrorResponse(tt.err)
			if status != tt.wantStatus || code != tt.wantCode || msg != tt.wantMsg {
				t.Errorf("got %d %q %q, want %d %q %q", status, code, msg, tt.wantStatus, tt.wantCode, tt.wantMsg)
			}
		})
	}
}
