package charger

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
	"github.com/chargebooth/chargebooth/domain"
)

func TestStoreError(t *testing.T) {
	noResponders := errors.New("nats: no responders available for request")
	tests := []struct {
		name     string
		err      error
		wantCode string
		wantMsg  string
		wantOCPP error // what storeErr marks it with; nil means unmarked
	}{
		{
			name:     "full",
			err:      fmt.Errorf("append charger.soc_reported: %w: %w", domain.ErrFull, errors.New("nats: insufficient resources")),
			wantCode: "store_full",
			wantMsg:  "the event store is full; the reading was not stored",
			wantOCPP: ocpp.ErrStoreFull,
		},
		{
			name:     "unavailable",
			err:      fmt.Errorf("append charger.soc_reported: %w: %w", domain.ErrUnavailable, noResponders),
			wantCode: "store_unavailable",
			wantMsg:  "the event store is unavailable; the reading was not stored",
			wantOCPP: ocpp.ErrStoreUnavailable,
		},
		{
			name:     "timed out",
			err:      errors.Join(domain.ErrUnavailable, context.DeadlineExceeded),
			wantCode: "store_unavailable",
			wantMsg:  "the event store is unavailable; the reading was not stored",
			wantOCPP: ocpp.ErrStoreUnavailable,
		},
		{
			name:     "full and unavailable says full",
			err:      errors.Join(domain.ErrUnavailable, domain.ErrFull),
			wantCode: "store_full",
			wantMsg:  "the event store is full; the reading was not stored",
			wantOCPP: ocpp.ErrStoreFull,
		},
		{
			name:     "domain refusal",
			err:      domain.Errorf(domain.CodeInvalidSoC, "soc must be a number from 0 to 100"),
			wantCode: "invalid_soc",
			wantMsg:  "soc must be a number from 0 to 100",
		},
		{
			name:     "conflict",
			err:      fmt.Errorf("append: %w", domain.ErrConflict),
			wantCode: "conflict",
			wantMsg:  domain.ErrConflict.Message,
		},
		{
			name:     "internal",
			err:      errors.New("decode: unexpected EOF"),
			wantCode: "internal",
			wantMsg:  "internal error",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := storeError(tt.err, "reading")
			if code != tt.wantCode || msg != tt.wantMsg {
				t.Errorf("storeError: got %q %q, want %q %q", code, msg, tt.wantCode, tt.wantMsg)
			}
			got := storeErr(tt.err)
			if !errors.Is(got, tt.err) {
				t.Errorf("storeErr: got %v, want it to wrap %v", got, tt.err)
			}
			for _, mark := range []error{ocpp.ErrStoreFull, ocpp.ErrStoreUnavailable} {
				if want := mark == tt.wantOCPP; errors.Is(got, mark) != want {
					t.Errorf("storeErr: errors.Is(%v, %v) = %v, want %v", got, mark, !want, want)
				}
			}
		})
	}
	if storeErr(nil) != nil {
		t.Error("storeErr(nil) is not nil")
	}
}
