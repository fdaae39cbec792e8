package domain

import "context"

// OnShifts runs decide against the till shifts. decide must not call the
// Service (the shifts slot is taken alone).
func (s *Service) OnShifts(ctx context.Context, decide func(*Shifts, Ctx) ([]Event, error)) ([]Event, error) {
	return run(ctx, s, &s.shifts, ShiftsKey, NewShifts, decide)
}
