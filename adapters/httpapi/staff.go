package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
	"golang.org/x/crypto/bcrypt"
)

// PIN bounds: 4 to 8 digits.
const (
	minPIN = 4
	maxPIN = 8
)

// pinCost is the bcrypt cost of PIN hashes (lowered by the tests only).
var pinCost = bcrypt.DefaultCost

// hashPIN checks a PIN (4 to 8 digits) and returns its bcrypt hash.
func hashPIN(pin string) (string, error) {
	if len(pin) < minPIN || len(pin) > maxPIN {
		return "", domain.Errorf(domain.CodeInvalidInput, "pin must be %d to %d digits", minPIN, maxPIN)
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return "", domain.Errorf(domain.CodeInvalidInput, "pin must be %d to %d digits", minPIN, maxPIN)
		}
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pin), pinCost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// StaffMemberJSON is a member as the API shows it: never a hash.
type StaffMemberJSON struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Role    string    `json:"role"`
	Enabled bool      `json:"enabled"`
	HasPIN  bool      `json:"hasPin"`
	AddedAt time.Time `json:"addedAt"`
	// Token is shown once: when the member is added or their token rotated.
	Token string `json:"token,omitempty"`
}

func memberJSON(m domain.StaffMember) StaffMemberJSON {
	return StaffMemberJSON{ID: m.ID, Name: m.Name, Role: m.Role, Enabled: m.Enabled, HasPIN: m.PINHash != "", AddedAt: m.AddedAt}
}

func viewJSON(v projections.StaffView) StaffMemberJSON {
	return StaffMemberJSON{ID: v.ID, Name: v.Name, Role: v.Role, Enabled: v.Enabled, HasPIN: v.HasPIN(), AddedAt: v.AddedAt}
}

// AddStaff adds a staff member through svc (stamped with ctx's actor) and
// returns them with their token, the only time it is shown. pin may be
// empty (the member then signs in with the token only).
func AddStaff(ctx context.Context, svc *domain.Service, name, role, pin string) (StaffMemberJSON, []domain.Event, error) {
	token, err := newStaffSecret()
	if err != nil {
		return StaffMemberJSON{}, nil, err
	}
	pinHash := ""
	if pin != "" {
		if pinHash, err = hashPIN(pin); err != nil {
			return StaffMemberJSON{}, nil, err
		}
	}
	var id string
	events, err := svc.OnStaff(ctx, func(s *domain.Staff, x domain.Ctx) ([]domain.Event, error) {
		id = x.NewID()
		return s.Add(x, id, name, role, hashSecret(token), pinHash)
	})
	if err != nil {
		return StaffMemberJSON{}, nil, err
	}
	out := StaffMemberJSON{ID: id, Name: name, Role: role, Enabled: true, HasPIN: pinHash != "", Token: token}
	if len(events) > 0 {
		out.AddedAt = events[0].Time
	}
	return out, events, nil
}

// DisableStaff disables a member through svc.
func DisableStaff(ctx context.Context, svc *domain.Service, id string) ([]domain.Event, error) {
	return svc.OnStaff(ctx, func(s *domain.Staff, x domain.Ctx) ([]domain.Event, error) { return s.Disable(x, id) })
}

type addStaffRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
	PIN  string `json:"pin,omitempty"`
}

type changeStaffRequest struct {
	Name        *string `json:"name,omitempty"`
	Role        *string `json:"role,omitempty"`
	PIN         *string `json:"pin,omitempty"` // "" clears it; null, like absent, keeps it
	Enabled     *bool   `json:"enabled,omitempty"`
	RotateToken bool    `json:"rotateToken,omitempty"`
}

func (a *API) listStaff(w http.ResponseWriter, _ *http.Request) {
	out := []StaffMemberJSON{}
	for _, v := range a.cfg.Board.Staff() {
		out = append(out, viewJSON(v))
	}
	writeJSON(w, http.StatusOK, map[string]any{"staff": out})
}

func (a *API) addStaff(w http.ResponseWriter, r *http.Request) {
	var req addStaffRequest
	if err := decodeRequest(w, r, &req, false); err != nil {
		a.fail(w, r, err)
		return
	}
	m, events, err := AddStaff(r.Context(), a.cfg.Service, req.Name, req.Role, req.PIN)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.waitApplied(r.Context(), events)
	w.Header().Set("Location", "/api/staff/"+m.ID)
	writeJSON(w, http.StatusCreated, m)
}

func (a *API) changeStaff(w http.ResponseWriter, r *http.Request) {
	var req changeStaffRequest
	if err := decodeRequest(w, r, &req, false); err != nil {
		a.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	c := domain.StaffChanged{StaffID: id}
	if req.Name != nil {
		if *req.Name == "" {
			a.fail(w, r, domain.Errorf(domain.CodeInvalidInput, "name must not be empty"))
			return
		}
		c.Name = *req.Name
	}
	if req.Role != nil {
		if err := domain.ValidateStaffRole(*req.Role); err != nil {
			a.fail(w, r, err)
			return
		}
		c.Role = *req.Role
	}
	if req.PIN != nil {
		if *req.PIN == "" {
			c.PINCleared = true
		} else {
			h, err := hashPIN(*req.PIN)
			if err != nil {
				a.fail(w, r, err)
				return
			}
			c.PINHash = h
		}
	}
	token := ""
	if req.RotateToken {
		var err error
		if token, err = newStaffSecret(); err != nil {
			a.fail(w, r, err)
			return
		}
		c.TokenHash = hashSecret(token)
	}
	var m domain.StaffMember
	events, err := a.cfg.Service.OnStaff(r.Context(), func(s *domain.Staff, x domain.Ctx) ([]domain.Event, error) {
		evs, err := s.Change(x, c)
		if err != nil {
			return nil, err
		}
		if req.Enabled != nil {
			var more []domain.Event
			if *req.Enabled {
				more, err = s.Enable(x, id)
			} else {
				more, err = s.Disable(x, id)
			}
			if err != nil {
				return nil, err
			}
			evs = append(evs, more...)
		}
		m, _ = s.Get(id)
		return evs, nil
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.waitApplied(r.Context(), events)
	out := memberJSON(m)
	if v, ok := a.cfg.Board.StaffMember(id); ok {
		out = viewJSON(v)
	}
	out.Token = token
	writeJSON(w, http.StatusOK, out)
}

func (a *API) disableStaff(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	events, err := DisableStaff(r.Context(), a.cfg.Service, id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.waitApplied(r.Context(), events)
	v, _ := a.cfg.Board.StaffMember(id)
	writeJSON(w, http.StatusOK, viewJSON(v))
}
