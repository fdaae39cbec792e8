package httpapi

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
	"golang.org/x/crypto/bcrypt"
)

// Bounds of a device secret given over the API (bcrypt reads 72 bytes).
const (
	minSecretLen = 12
	maxSecretLen = 72
)

// deviceRequest is the body of PUT /api/devices/{kind}/{id}: a secret to
// set, or generateSecret to have one made (and shown once). With neither,
// a new device gets a generated secret and an enrolled one keeps its own.
type deviceRequest struct {
	Secret         string `json:"secret"`
	GenerateSecret bool   `json:"generateSecret"`
}

// deviceJSON is one enrolled device; Secret only in the answer that made it.
type deviceJSON struct {
	Kind       string    `json:"kind"`
	ID         string    `json:"id"`
	HasSecret  bool      `json:"hasSecret"`
	EnrolledAt time.Time `json:"enrolledAt"`
	Secret     string    `json:"secret,omitempty"`
}

func toDeviceJSON(d projections.DeviceView) deviceJSON {
	return deviceJSON{Kind: d.Kind, ID: d.ID, HasSecret: d.HasSecret(), EnrolledAt: d.EnrolledAt}
}

// deviceKind reads {kind} ("chargers" or "widgets") and {id}.
func deviceKind(r *http.Request) (kind, id string, err error) {
	switch r.PathValue("kind") {
	case "chargers":
		kind = domain.DeviceCharger
	case "widgets":
		kind = domain.DeviceWidget
	default:
		return "", "", domain.Errorf(domain.CodeNotFound, "no such device list %.20q; use /api/devices/chargers/{id} or /api/devices/widgets/{id}", r.PathValue("kind"))
	}
	id = r.PathValue("id")
	return kind, id, domain.ValidateDeviceID(kind, id)
}

func (a *API) listDevices(w http.ResponseWriter, _ *http.Request) {
	chargers, widgets := []deviceJSON{}, []deviceJSON{}
	for _, d := range a.cfg.Board.Devices() {
		if d.Kind == domain.DeviceCharger {
			chargers = append(chargers, toDeviceJSON(d))
		} else {
			widgets = append(widgets, toDeviceJSON(d))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"chargers": chargers, "widgets": widgets})
}

func (a *API) getDevice(w http.ResponseWriter, r *http.Request) {
	kind, id, err := deviceKind(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	d, ok := a.cfg.Board.Device(kind, id)
	if !ok {
		a.fail(w, r, domain.Errorf(domain.CodeNotFound, "%s %s is not enrolled", kind, id))
		return
	}
	writeJSON(w, http.StatusOK, toDeviceJSON(d))
}

func (a *API) enrolDevice(w http.ResponseWriter, r *http.Request) {
	kind, id, err := deviceKind(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var req deviceRequest
	if err := decodeRequest(w, r, &req, true); err != nil {
		a.fail(w, r, err)
		return
	}
	secret, generated := req.Secret, false
	switch {
	case secret != "" && req.GenerateSecret:
		a.fail(w, r, domain.Errorf(domain.CodeInvalidInput, "give either secret or generateSecret, not both"))
		return
	case secret != "":
		if n := utf8.RuneCountInString(secret); n < minSecretLen || len(secret) > maxSecretLen {
			a.fail(w, r, domain.Errorf(domain.CodeInvalidInput, "secret must be %d to %d bytes long", minSecretLen, maxSecretLen))
			return
		}
	default:
		if secret, err = newSecret(); err != nil {
			a.fail(w, r, err)
			return
		}
		generated = true
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(secret), bcrypt.DefaultCost)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	used := false
	events, err := a.cfg.Service.OnDevices(r.Context(), func(d *domain.Devices, x domain.Ctx) ([]domain.Event, error) {
		old, enrolled := d.Get(kind, id)
		h := string(hash)
		if generated && !req.GenerateSecret && enrolled && old.SecretHash != "" {
			h = "" // re-enrolled as it is: keeps its secret
		}
		used = h != ""
		return d.Enrol(x, kind, id, h)
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.waitApplied(r.Context(), events)
	out := deviceJSON{Kind: kind, ID: id, HasSecret: true}
	if d, ok := a.cfg.Board.Device(kind, id); ok {
		out = toDeviceJSON(d)
	}
	if used && generated {
		out.Secret = secret // shown this once; only its hash is stored
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) unenrolDevice(w http.ResponseWriter, r *http.Request) {
	kind, id, err := deviceKind(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	events, err := a.cfg.Service.OnDevices(r.Context(), func(d *domain.Devices, x domain.Ctx) ([]domain.Event, error) {
		return d.Unenrol(x, kind, id)
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.waitApplied(r.Context(), events)
	w.WriteHeader(http.StatusNoContent)
}

// retireCharger is DELETE /api/chargers/{id}: the charger is forgotten now
// (see domain.Service.RetireCharger); 409 while it is online, has an open
// session, is paired or enrolled.
func (a *API) retireCharger(w http.ResponseWriter, r *http.Request) {
	c, ok := a.knownCharger(w, r)
	if !ok {
		return
	}
	events, err := a.cfg.Service.RetireCharger(r.Context(), c.ChargerID, "retired by staff", c.LastSeen)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.waitApplied(r.Context(), events)
	w.WriteHeader(http.StatusNoContent)
}

// newSecret returns a random device secret: 18 bytes, URL-safe base64
// (24 characters, fit for a query parameter).
func newSecret() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
