package domain

import (
	"sort"
	"time"
)

// Device kinds in enrolments (the same words as the aggregate kinds).
const (
	DeviceCharger = KindCharger
	DeviceWidget  = KindWidget
)

// KindDevices is the aggregate of the enrolment list: the chargers and
// widgets the booth knows besides those in the pairing table.
const KindDevices = "devices"

// DevicesKey is the one aggregate holding the enrolment list. It has an
// id ("all") because the store takes id-less subjects only for the
// pairings and the notices; its subject is <prefix>.devices.all.
var DevicesKey = StreamKey{Kind: KindDevices, ID: "all"}

// Device is one enrolled charger or widget.
type Device struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	// SecretHash is the bcrypt hash of the device's secret ("" when it has
	// none). The domain never sees the secret itself.
	SecretHash string    `json:"secretHash,omitempty"`
	EnrolledAt time.Time `json:"enrolledAt"`
}

// Devices is the enrolment list as an aggregate: one entry per kind and
// id. It is folded with Apply and decides with Enrol and Unenrol.
type Devices struct {
	Version uint64
	ByKey   map[string]Device // DeviceKey(kind, id) → device
}

// NewDevices returns the empty list.
func NewDevices() *Devices { return &Devices{ByKey: map[string]Device{}} }

func (d *Devices) version() uint64 { return d.Version }

// DeviceKey is the key of a device in Devices.ByKey: "<kind>/<id>".
func DeviceKey(kind, id string) string { return kind + "/" + id }

// ValidateDeviceKind checks a device kind: DeviceCharger or DeviceWidget.
func ValidateDeviceKind(kind string) error {
	if kind != DeviceCharger && kind != DeviceWidget {
		return Errorf(CodeInvalidInput, "device kind must be %q or %q (got %.20q)", DeviceCharger, DeviceWidget, kind)
	}
	return nil
}

// Apply folds an enrolment event.
func (d *Devices) Apply(e Event) {
	if e.Seq > d.Version {
		d.Version = e.Seq
	}
	switch p := e.Data.(type) {
	case DeviceEnrolled:
		d.ByKey[DeviceKey(p.Kind, p.DeviceID)] = Device{Kind: p.Kind, ID: p.DeviceID, SecretHash: p.SecretHash, EnrolledAt: e.Time}
	case DeviceUnenrolled:
		delete(d.ByKey, DeviceKey(p.Kind, p.DeviceID))
	}
}

// Get returns one enrolled device.
func (d *Devices) Get(kind, id string) (Device, bool) {
	dev, ok := d.ByKey[DeviceKey(kind, id)]
	return dev, ok
}

// List returns the devices sorted by kind, then id.
func (d *Devices) List() []Device {
	out := make([]Device, 0, len(d.ByKey))
	for _, dev := range d.ByKey {
		out = append(out, dev)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Enrol enrols a device, or changes its secret. secretHash is the bcrypt
// hash of its new secret; "" keeps the secret it has (none for a new
// device). Enrolling a device as it is yields no events.
func (d *Devices) Enrol(x Ctx, kind, id, secretHash string) ([]Event, error) {
	if err := ValidateDeviceKind(kind); err != nil {
		return nil, err
	}
	if err := ValidateDeviceID(kind, id); err != nil {
		return nil, err
	}
	old, ok := d.Get(kind, id)
	if secretHash == "" {
		secretHash = old.SecretHash
	}
	if ok && old.SecretHash == secretHash {
		return nil, nil
	}
	return []Event{deviceEvent(x, kind, id, DeviceEnrolled{Kind: kind, DeviceID: id, SecretHash: secretHash})}, nil
}

// Unenrol removes a device from the list; its live socket, if any, stays
// until it reconnects (the admission check runs before each upgrade).
func (d *Devices) Unenrol(x Ctx, kind, id string) ([]Event, error) {
	if err := ValidateDeviceKind(kind); err != nil {
		return nil, err
	}
	if _, ok := d.Get(kind, id); !ok {
		return nil, Errorf(CodeNotFound, "%s %s is not enrolled", kind, id)
	}
	return []Event{deviceEvent(x, kind, id, DeviceUnenrolled{Kind: kind, DeviceID: id})}, nil
}

// deviceEvent builds an enrolment event, naming the device in the
// envelope's charger or widget id so replay and the live feed find it.
func deviceEvent(x Ctx, kind, id string, p Payload) Event {
	e := NewEvent(x.NewID(), x.Now, "", "", p)
	if kind == DeviceCharger {
		e.ChargerID = id
	} else {
		e.WidgetID = id
	}
	return e
}
