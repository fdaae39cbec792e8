package projections

import (
	"encoding/json"
	"sort"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// DeviceView is one enrolled charger or widget. SecretHash is for the
// admission check only; the API shows HasSecret.
type DeviceView struct {
	Kind       string    `json:"kind"`
	ID         string    `json:"id"`
	SecretHash string    `json:"secretHash,omitempty"`
	EnrolledAt time.Time `json:"enrolledAt"`
}

// HasSecret reports whether the device must present a secret in the
// authenticated mode.
func (d DeviceView) HasSecret() bool { return d.SecretHash != "" }

// deviceModel is the enrolment list (domain.Devices, on the read side):
// the admission check and GET /api/devices read it.
type deviceModel struct {
	byKey map[string]*DeviceView // domain.DeviceKey(kind, id)
}

func newDeviceModel() *deviceModel { return &deviceModel{byKey: map[string]*DeviceView{}} }

// Name implements ReadModel.
func (m *deviceModel) Name() string { return "device" }

// Apply implements ReadModel.
func (m *deviceModel) Apply(e domain.Event, _ *Update) {
	switch d := e.Data.(type) {
	case domain.DeviceEnrolled:
		m.byKey[domain.DeviceKey(d.Kind, d.DeviceID)] = &DeviceView{Kind: d.Kind, ID: d.DeviceID, SecretHash: d.SecretHash, EnrolledAt: e.Time}
	case domain.DeviceUnenrolled:
		delete(m.byKey, domain.DeviceKey(d.Kind, d.DeviceID))
	}
}

// get returns an enrolled device, or nil.
func (m *deviceModel) get(kind, id string) *DeviceView { return m.byKey[domain.DeviceKey(kind, id)] }

// Snapshot implements ReadModel.
func (m *deviceModel) Snapshot() any { return copyEntries(m.byKey, shallow[DeviceView]) }

// Restore implements ReadModel.
func (m *deviceModel) Restore(data json.RawMessage) error {
	byKey, err := decodeEntries[DeviceView](data)
	if err != nil {
		return err
	}
	m.byKey = byKey
	return nil
}

// Reset implements ReadModel.
func (m *deviceModel) Reset() { m.byKey = map[string]*DeviceView{} }

// Entries implements ReadModel: one entry per device.
func (m *deviceModel) Entries(put func(string, any)) { putEntries(m.byKey, put) }

// Devices lists the enrolled devices, chargers first, each sorted by id.
func (b *Board) Devices() []DeviceView {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]DeviceView, 0, len(b.devices.byKey))
	for _, d := range b.devices.byKey {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind == domain.DeviceCharger
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Device returns one enrolled device.
func (b *Board) Device(kind, id string) (DeviceView, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if d := b.devices.get(kind, id); d != nil {
		return *d, true
	}
	return DeviceView{}, false
}

// Admission is what the board knows of a device that asks to connect.
type Admission struct {
	// Enrolled is set when the device is on the enrolment list; Device is
	// its entry then.
	Enrolled bool
	Device   DeviceView
	// Paired is set when the device is in the pairing table.
	Paired bool
	// Seen is set when the board shows the device (a charger or widget
	// that connected and was not retired).
	Seen bool
	// Unenrolled counts the devices of the same kind the board shows that
	// are neither enrolled nor paired; it is filled only for a device that
	// is none of Enrolled, Paired and Seen (a new id).
	Unenrolled int
}

// Known reports whether the device is enrolled or paired.
func (a Admission) Known() bool { return a.Enrolled || a.Paired }

// Admission returns what the board knows of a device of kind
// (domain.DeviceCharger or domain.DeviceWidget) for the admission check.
func (b *Board) Admission(kind, id string) Admission {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var a Admission
	if d := b.devices.get(kind, id); d != nil {
		a.Enrolled, a.Device = true, *d
	}
	if kind == domain.DeviceCharger {
		_, a.Paired = b.pairs.byCharger[id]
		a.Seen = b.chargers.byID[id] != nil
	} else {
		_, a.Paired = b.pairs.byWidget[id]
		a.Seen = b.widgets.byID[id] != nil
	}
	if a.Enrolled || a.Paired || a.Seen {
		return a
	}
	if kind == domain.DeviceCharger {
		for cid := range b.chargers.byID {
			if _, p := b.pairs.byCharger[cid]; !p && b.devices.get(kind, cid) == nil {
				a.Unenrolled++
			}
		}
	} else {
		for wid := range b.widgets.byID {
			if _, p := b.pairs.byWidget[wid]; !p && b.devices.get(kind, wid) == nil {
				a.Unenrolled++
			}
		}
	}
	return a
}

// IdleCharger is a charger the retire policy may forget.
type IdleCharger struct {
	ChargerID string
	LastSeen  time.Time // zero when it was never seen (only ever paired)
}

// IdleChargers lists the chargers that are offline, have no open session,
// are neither paired nor enrolled and were last seen before cutoff (or
// never), sorted by id.
func (b *Board) IdleChargers(cutoff time.Time) []IdleCharger {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []IdleCharger
	for id, c := range b.chargers.byID {
		if c.Online || c.SessionID != "" || !c.LastSeen.Before(cutoff) {
			continue
		}
		if _, p := b.pairs.byCharger[id]; p || b.devices.get(domain.DeviceCharger, id) != nil {
			continue
		}
		out = append(out, IdleCharger{ChargerID: id, LastSeen: c.LastSeen})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ChargerID < out[j].ChargerID })
	return out
}
