package charger

import "sync"

// Session is a live charger socket in the registry.
type Session interface {
	// Close closes the socket, telling the charger why.
	Close(reason string)
	// Protocol is "json" or "ocpp1.6".
	Protocol() string
}

// registry holds the one live socket per charger id; a newer connection
// replaces an older one.
type registry struct {
	mu    sync.Mutex // guards conns
	conns map[string]Session
}

// swap registers s for id and returns the session it replaced, if any.
func (r *registry) swap(id string, s Session) Session {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.conns[id]
	r.conns[id] = s
	return old
}

// remove unregisters s if it is still the one registered for id.
func (r *registry) remove(id string, s Session) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.conns[id] == s {
		delete(r.conns, id)
		return true
	}
	return false
}

func (r *registry) get(id string) (Session, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.conns[id]
	return s, ok
}

func (r *registry) all() []Session {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Session, 0, len(r.conns))
	for _, s := range r.conns {
		out = append(out, s)
	}
	return out
}
