package projections

import (
	"encoding/json"
	"sort"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// ticketModel keeps every session's customer token and the index from a
// token's hash to its session: what the customer page reads. The tokens
// stay in this model; SessionView never carries one.
type ticketModel struct {
	bySession map[string]*ticketEntry
	byHash    map[string]string // domain.TokenHash(token) → session id
}

// ticketEntry is one session's token.
type ticketEntry struct {
	Token string `json:"token"`
}

func newTicketModel() *ticketModel {
	return &ticketModel{bySession: map[string]*ticketEntry{}, byHash: map[string]string{}}
}

// Name implements ReadModel.
func (m *ticketModel) Name() string { return "ticket" }

// Apply implements ReadModel.
func (m *ticketModel) Apply(e domain.Event, _ *Update) {
	if d, ok := e.Data.(domain.SessionOpened); ok && d.Token != "" {
		m.bySession[e.SessionID] = &ticketEntry{Token: d.Token}
		m.byHash[domain.TokenHash(d.Token)] = e.SessionID
	}
}

// Snapshot implements ReadModel: session → token.
func (m *ticketModel) Snapshot() any { return copyEntries(m.bySession, shallow[ticketEntry]) }

// Restore implements ReadModel, rebuilding the hash index.
func (m *ticketModel) Restore(data json.RawMessage) error {
	by, err := decodeEntries[ticketEntry](data)
	if err != nil {
		return err
	}
	n := newTicketModel()
	n.bySession = by
	for id, t := range by {
		n.byHash[domain.TokenHash(t.Token)] = id
	}
	*m = *n
	return nil
}

// Reset implements ReadModel.
func (m *ticketModel) Reset() { *m = *newTicketModel() }

// Entries implements ReadModel: one entry per session with a token.
func (m *ticketModel) Entries(put func(string, any)) { putEntries(m.bySession, put) }

// SessionByToken returns the session whose customer token is token. The
// lookup is by the token's hash, so the map holds no token as a key.
func (b *Board) SessionByToken(token string, now time.Time) (SessionView, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	id, ok := b.tickets.byHash[domain.TokenHash(token)]
	if !ok {
		return SessionView{}, false
	}
	s := b.sessions.byID[id]
	if s == nil {
		return SessionView{}, false
	}
	return b.view(s, now), true
}

// TicketToken returns a session's customer token ("" for a session opened
// without a ticket), for the printed ticket's link.
func (b *Board) TicketToken(sessionID string) string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if t := b.tickets.bySession[sessionID]; t != nil {
		return t.Token
	}
	return ""
}

// ClaimCodeInUse reports whether an open session has claim code code
// (domain.NewTicketSource draws again when it does).
func (b *Board) ClaimCodeInUse(code string) bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.sessions.codes[code] > 0
}

// SessionsByClaimCode returns the open sessions with claim code code, the
// one opened first (lowest stream sequence) first: the deterministic
// answer when two instances drew the same code before either folded the
// other's session.
func (b *Board) SessionsByClaimCode(code string, now time.Time) []SessionView {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []SessionView
	for _, s := range b.sessions.open {
		if s.ClaimCode == code {
			out = append(out, b.view(s, now))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}
