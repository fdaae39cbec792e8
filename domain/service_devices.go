package domain

import (
	"context"
	"time"
)

// OnDevices runs decide against the enrolment list. decide must not call
// the Service (see the lock order on Service: the devices slot is taken
// after a charger slot and the pairings slot, never before).
func (s *Service) OnDevices(ctx context.Context, decide func(*Devices, Ctx) ([]Event, error)) ([]Event, error) {
	return run(ctx, s, &s.devices, DevicesKey, NewDevices, decide)
}

// RetireCharger retires a charger (see Charger.Retire) unless it is paired
// or enrolled, and then drops its cached aggregate (Forget). It returns
// the stored events.
func (s *Service) RetireCharger(ctx context.Context, id, reason string, idleSince time.Time) ([]Event, error) {
	evs, err := s.OnCharger(ctx, id, func(c *Charger, x Ctx) ([]Event, error) {
		if w, err := s.widgetOf(ctx, id); err != nil {
			return nil, err
		} else if w != "" {
			return nil, Errorf(CodeChargerPaired, "charger %s is paired with widget %s; unpair it first (DELETE /api/pairings/%s)", id, w, id)
		}
		if enrolled, err := s.enrolled(ctx, DeviceCharger, id); err != nil {
			return nil, err
		} else if enrolled {
			return nil, Errorf(CodeChargerEnrolled, "charger %s is enrolled; unenrol it first (DELETE /api/devices/chargers/%s)", id, id)
		}
		return c.Retire(x, reason, idleSince)
	})
	if err == nil {
		s.Forget(id)
	}
	return evs, err
}

// enrolled reports whether a device is on the enrolment list, reading the
// list first as widgetOf reads the pairing table. It is called with a
// charger slot held.
func (s *Service) enrolled(ctx context.Context, kind, id string) (bool, error) {
	sl := &s.devices
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if !sl.loaded {
		sl.agg = NewDevices()
	}
	if !sl.loaded || sl.stale || s.shared {
		if err := catchUp(ctx, s, sl, DevicesKey); err != nil {
			return false, err
		}
	}
	_, ok := sl.agg.Get(kind, id)
	return ok, nil
}
