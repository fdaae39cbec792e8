package domain

import "context"

// OnStaff runs decide against the staff list and stores what it decides.
// decide must not call the Service (the staff slot is taken alone).
func (s *Service) OnStaff(ctx context.Context, decide func(*Staff, Ctx) ([]Event, error)) ([]Event, error) {
	return run(ctx, s, &s.staff, StaffKey, NewStaff, decide)
}

// StaffList returns the staff list as this instance last read it, read
// first when it may be behind (always when other instances share the
// stream).
func (s *Service) StaffList(ctx context.Context) ([]StaffMember, error) {
	sl := &s.staff
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if !sl.loaded {
		sl.agg = NewStaff()
	}
	if !sl.loaded || sl.stale || s.shared {
		if err := catchUp(ctx, s, sl, StaffKey); err != nil {
			return nil, err
		}
	}
	return sl.agg.List(), nil
}
