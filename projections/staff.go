package projections

import (
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// StaffView is one staff member as the read side knows them. The hashes
// are for the edge's credential checks only; the API never shows them.
type StaffView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Enabled   bool      `json:"enabled"`
	TokenHash string    `json:"tokenHash"`
	PINHash   string    `json:"pinHash,omitempty"`
	AddedAt   time.Time `json:"addedAt"`
}

// HasPIN reports whether the member may sign in with name and PIN.
func (v StaffView) HasPIN() bool { return v.PINHash != "" }

// StaffSessionView is one live dashboard session, keyed by the hash of
// its cookie.
type StaffSessionView struct {
	StaffID string    `json:"staffId"`
	Expires time.Time `json:"expires"`
	// Credential is the bootstrap admin's credential hash (see
	// domain.StaffSignedIn).
	Credential string `json:"credential,omitempty"`
}

// staffModel is the staff list and the dashboard sessions: the edge's
// credential checks read it, so a member disabled on one instance stops
// working on every instance as soon as its board applies the event.
// Sessions past their expiry are dropped as staff events arrive.
type staffModel struct {
	members  map[string]*StaffView        // id →
	sessions map[string]*StaffSessionView // session hash →
	byToken  map[string]string            // token hash → id (derived)
}

func newStaffModel() *staffModel {
	m := &staffModel{}
	m.Reset()
	return m
}

// Name implements ReadModel.
func (m *staffModel) Name() string { return "staff" }

// Apply implements ReadModel.
func (m *staffModel) Apply(e domain.Event, _ *Update) {
	switch d := e.Data.(type) {
	case domain.StaffAdded:
		m.members[d.StaffID] = &StaffView{ID: d.StaffID, Name: d.Name, Role: d.Role, Enabled: true,
			TokenHash: d.TokenHash, PINHash: d.PINHash, AddedAt: e.Time}
		m.byToken[d.TokenHash] = d.StaffID
	case domain.StaffChanged:
		v := m.members[d.StaffID]
		if v == nil {
			return
		}
		if d.TokenHash != "" {
			delete(m.byToken, v.TokenHash)
			m.byToken[d.TokenHash] = v.ID
			m.endSessions(v.ID)
		}
		domain.ApplyStaffChange(&v.Name, &v.Role, &v.PINHash, &v.TokenHash, d)
	case domain.StaffDisabled:
		if v := m.members[d.StaffID]; v != nil {
			v.Enabled = false
			m.endSessions(v.ID)
		}
	case domain.StaffEnabled:
		if v := m.members[d.StaffID]; v != nil {
			v.Enabled = true
		}
	case domain.StaffSignedIn:
		m.sessions[d.SessionHash] = &StaffSessionView{StaffID: d.StaffID, Expires: d.Expires, Credential: d.Credential}
	case domain.StaffSignedOut:
		delete(m.sessions, d.SessionHash)
	default:
		return
	}
	for h, s := range m.sessions {
		if !s.Expires.After(e.Time) {
			delete(m.sessions, h)
		}
	}
}

// endSessions drops every session of a member.
func (m *staffModel) endSessions(id string) {
	for h, s := range m.sessions {
		if s.StaffID == id {
			delete(m.sessions, h)
		}
	}
}

// staffState is the model's snapshot.
type staffState struct {
	Members  map[string]*StaffView        `json:"members"`
	Sessions map[string]*StaffSessionView `json:"sessions"`
}

// Snapshot implements ReadModel.
func (m *staffModel) Snapshot() any {
	return staffState{Members: copyEntries(m.members, shallow[StaffView]), Sessions: copyEntries(m.sessions, shallow[StaffSessionView])}
}

// Restore implements ReadModel.
func (m *staffModel) Restore(data json.RawMessage) error {
	var st struct {
		Members  json.RawMessage `json:"members"`
		Sessions json.RawMessage `json:"sessions"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return err
	}
	members, err := decodeEntries[StaffView](orNull(st.Members))
	if err != nil {
		return err
	}
	sessions, err := decodeEntries[StaffSessionView](orNull(st.Sessions))
	if err != nil {
		return err
	}
	m.members, m.sessions, m.byToken = members, sessions, map[string]string{}
	for id, v := range members {
		m.byToken[v.TokenHash] = id
	}
	return nil
}

func orNull(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}

// Reset implements ReadModel.
func (m *staffModel) Reset() {
	m.members, m.sessions, m.byToken = map[string]*StaffView{}, map[string]*StaffSessionView{}, map[string]string{}
}

// Entries implements ReadModel: one entry per member and per session.
func (m *staffModel) Entries(put func(string, any)) {
	for k, v := range m.members {
		put("member/"+k, *v)
	}
	for k, v := range m.sessions {
		put("session/"+k, *v)
	}
}

// Staff lists the staff members, sorted by name (ignoring case).
func (b *Board) Staff() []StaffView {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]StaffView, 0, len(b.staff.members))
	for _, v := range b.staff.members {
		out = append(out, *v)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out
}

// StaffMember returns one member by id.
func (b *Board) StaffMember(id string) (StaffView, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if v := b.staff.members[id]; v != nil {
		return *v, true
	}
	return StaffView{}, false
}

// StaffByToken returns the member whose token has the given hash.
func (b *Board) StaffByToken(tokenHash string) (StaffView, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if v := b.staff.members[b.staff.byToken[tokenHash]]; v != nil {
		return *v, true
	}
	return StaffView{}, false
}

// StaffByName returns the member with a name, ignoring case.
func (b *Board) StaffByName(name string) (StaffView, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, v := range b.staff.members {
		if strings.EqualFold(v.Name, name) {
			return *v, true
		}
	}
	return StaffView{}, false
}

// StaffSession returns the dashboard session whose cookie has the given
// hash, if it is live (not ended, not expired at now).
func (b *Board) StaffSession(sessionHash string, now time.Time) (StaffSessionView, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if s := b.staff.sessions[sessionHash]; s != nil && s.Expires.After(now) {
		return *s, true
	}
	return StaffSessionView{}, false
}
