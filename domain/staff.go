package domain

import (
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// KindStaff is the aggregate of the staff list and the dashboard
// sessions.
const KindStaff = "staff"

// StaffKey is the one aggregate holding the staff list, so that names are
// unique across instances; its subject is <prefix>.staff.all.
var StaffKey = StreamKey{Kind: KindStaff, ID: "all"}

// Staff roles, as stored (the HTTP edge decides what each may do).
const (
	StaffRoleStaff = "staff"
	StaffRoleLead  = "lead"
	StaffRoleOps   = "ops"
	StaffRoleAdmin = "admin"
)

// BootstrapAdminID is the actor id of the bootstrap credential
// (--staff-token); no member has it.
const BootstrapAdminID = "admin"

// MaxStaffName bounds a member's name, in characters.
const MaxStaffName = 64

// Error codes of the staff list.
const (
	CodeStaffNameTaken = "staff_name_taken"
	CodeStaffDisabled  = "staff_disabled"
)

// StaffMember is one member of the staff list.
type StaffMember struct {
	ID        string
	Name      string
	Role      string
	TokenHash string
	PINHash   string
	Enabled   bool
	AddedAt   time.Time
}

// Staff is the staff list as an aggregate, folded with Apply. It keeps no
// sessions: signing in needs only the member, signing out nothing.
type Staff struct {
	Version uint64
	ByID    map[string]*StaffMember
}

// NewStaff returns the empty list.
func NewStaff() *Staff { return &Staff{ByID: map[string]*StaffMember{}} }

func (s *Staff) version() uint64 { return s.Version }

// Apply folds a staff event.
func (s *Staff) Apply(e Event) {
	if e.Seq > s.Version {
		s.Version = e.Seq
	}
	switch p := e.Data.(type) {
	case StaffAdded:
		s.ByID[p.StaffID] = &StaffMember{ID: p.StaffID, Name: p.Name, Role: p.Role, TokenHash: p.TokenHash,
			PINHash: p.PINHash, Enabled: true, AddedAt: e.Time}
	case StaffChanged:
		if m := s.ByID[p.StaffID]; m != nil {
			ApplyStaffChange(&m.Name, &m.Role, &m.PINHash, &m.TokenHash, p)
		}
	case StaffDisabled:
		if m := s.ByID[p.StaffID]; m != nil {
			m.Enabled = false
		}
	case StaffEnabled:
		if m := s.ByID[p.StaffID]; m != nil {
			m.Enabled = true
		}
	}
}

// ApplyStaffChange applies a StaffChanged to a member's fields (shared
// with the read model, so both fold a change alike).
func ApplyStaffChange(name, role, pinHash, tokenHash *string, p StaffChanged) {
	if p.Name != "" {
		*name = p.Name
	}
	if p.Role != "" {
		*role = p.Role
	}
	if p.PINCleared {
		*pinHash = ""
	}
	if p.PINHash != "" {
		*pinHash = p.PINHash
	}
	if p.TokenHash != "" {
		*tokenHash = p.TokenHash
	}
}

// Get returns a member.
func (s *Staff) Get(id string) (StaffMember, bool) {
	m, ok := s.ByID[id]
	if !ok {
		return StaffMember{}, false
	}
	return *m, true
}

// List returns the members sorted by name.
func (s *Staff) List() []StaffMember {
	out := make([]StaffMember, 0, len(s.ByID))
	for _, m := range s.ByID {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out
}

// ValidateStaffRole checks a role name.
func ValidateStaffRole(role string) error {
	switch role {
	case StaffRoleStaff, StaffRoleLead, StaffRoleOps, StaffRoleAdmin:
		return nil
	}
	return Errorf(CodeInvalidInput, "role must be one of staff, lead, ops, admin (got %.20q)", role)
}

// ValidateStaffName checks a member's name: 1 to MaxStaffName characters
// of single-line text (CheckText), without leading or trailing spaces.
func ValidateStaffName(name string) error {
	if err := CheckText("name", name, false); err != nil {
		return err
	}
	if strings.TrimSpace(name) == "" {
		return Errorf(CodeInvalidInput, "name is required")
	}
	if strings.TrimSpace(name) != name {
		return Errorf(CodeInvalidInput, "name must not start or end with spaces")
	}
	if n := utf8.RuneCountInString(name); n > MaxStaffName {
		return Errorf(CodeInvalidInput, "name is %d characters; at most %d", n, MaxStaffName)
	}
	return nil
}

// nameTaken reports whether another member than id has name, ignoring
// case. Disabled members keep their names, so the audit stays unambiguous.
func (s *Staff) nameTaken(name, id string) bool {
	for _, m := range s.ByID {
		if m.ID != id && strings.EqualFold(m.Name, name) {
			return true
		}
	}
	return false
}

// Add decides a new member with the given id (a fresh ULID from the
// caller), name, role and credential hashes.
func (s *Staff) Add(x Ctx, id, name, role, tokenHash, pinHash string) ([]Event, error) {
	if err := ValidateStaffName(name); err != nil {
		return nil, err
	}
	if err := ValidateStaffRole(role); err != nil {
		return nil, err
	}
	if id == "" || id == BootstrapAdminID || tokenHash == "" {
		return nil, Errorf(CodeInvalidInput, "a staff member needs an id and a token")
	}
	if _, dup := s.ByID[id]; dup {
		return nil, Errorf(CodeConflict, "staff member %s exists", id)
	}
	if s.nameTaken(name, id) {
		return nil, Errorf(CodeStaffNameTaken, "a staff member is already called %q (names are unique, ignoring case; a disabled member keeps theirs)", name)
	}
	return []Event{staffEvent(x, StaffAdded{StaffID: id, Name: name, Role: role, TokenHash: tokenHash, PINHash: pinHash})}, nil
}

// Change decides a change to a member: name and role as given ("" keeps
// them), the PIN and token hashes as in StaffChanged. A change that
// changes nothing yields no events.
func (s *Staff) Change(x Ctx, c StaffChanged) ([]Event, error) {
	m, ok := s.ByID[c.StaffID]
	if !ok {
		return nil, Errorf(CodeNotFound, "no staff member %s", c.StaffID)
	}
	if c.Name != "" {
		if err := ValidateStaffName(c.Name); err != nil {
			return nil, err
		}
		if s.nameTaken(c.Name, m.ID) {
			return nil, Errorf(CodeStaffNameTaken, "a staff member is already called %q (names are unique, ignoring case)", c.Name)
		}
		if c.Name == m.Name {
			c.Name = ""
		}
	}
	if c.Role != "" {
		if err := ValidateStaffRole(c.Role); err != nil {
			return nil, err
		}
		if c.Role == m.Role {
			c.Role = ""
		}
	}
	if c.PINCleared && (m.PINHash == "" || c.PINHash != "") {
		c.PINCleared = false
	}
	if c == (StaffChanged{StaffID: c.StaffID}) {
		return nil, nil
	}
	return []Event{staffEvent(x, c)}, nil
}

// Disable decides that a member may no longer act; disabling a disabled
// member yields no events.
func (s *Staff) Disable(x Ctx, id string) ([]Event, error) {
	m, ok := s.ByID[id]
	if !ok {
		return nil, Errorf(CodeNotFound, "no staff member %s", id)
	}
	if !m.Enabled {
		return nil, nil
	}
	return []Event{staffEvent(x, StaffDisabled{StaffID: id})}, nil
}

// Enable decides that a disabled member may act again.
func (s *Staff) Enable(x Ctx, id string) ([]Event, error) {
	m, ok := s.ByID[id]
	if !ok {
		return nil, Errorf(CodeNotFound, "no staff member %s", id)
	}
	if m.Enabled {
		return nil, nil
	}
	return []Event{staffEvent(x, StaffEnabled{StaffID: id})}, nil
}

// SignIn decides a dashboard session for an enabled member (or the
// bootstrap admin, BootstrapAdminID, with a hash of its credential),
// ending at expires.
func (s *Staff) SignIn(x Ctx, staffID, sessionHash, method, credential string, expires time.Time) ([]Event, error) {
	if sessionHash == "" || !expires.After(x.Now) {
		return nil, Errorf(CodeInvalidInput, "a session needs a hash and an expiry in the future")
	}
	if staffID != BootstrapAdminID {
		m, ok := s.ByID[staffID]
		if !ok {
			return nil, Errorf(CodeNotFound, "no staff member %s", staffID)
		}
		if !m.Enabled {
			return nil, Errorf(CodeStaffDisabled, "staff member %s is disabled", m.Name)
		}
	}
	return []Event{staffEvent(x, StaffSignedIn{SessionHash: sessionHash, StaffID: staffID, Expires: expires.UTC(), Method: method, Credential: credential})}, nil
}

// SignOut decides the end of a session.
func (s *Staff) SignOut(x Ctx, staffID, sessionHash string) ([]Event, error) {
	if sessionHash == "" {
		return nil, Errorf(CodeInvalidInput, "no session to end")
	}
	return []Event{staffEvent(x, StaffSignedOut{SessionHash: sessionHash, StaffID: staffID})}, nil
}

func staffEvent(x Ctx, p Payload) Event { return NewEvent(x.NewID(), x.Now, "", "", p) }
