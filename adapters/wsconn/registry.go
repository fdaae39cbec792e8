package wsconn

import "sync"

// registry holds the one live socket per id; a newer one replaces an
// older one.
type registry[S comparable] struct {
	mu    sync.RWMutex // guards conns
	conns map[string]S
}

// swap registers s for id and returns the socket it replaced, if any.
func (r *registry[S]) swap(id string, s S) (old S, replaced bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old, replaced = r.conns[id]
	r.conns[id] = s
	return old, replaced
}

// remove unregisters s if it is still the one registered for id.
func (r *registry[S]) remove(id string, s S) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if cur, ok := r.conns[id]; ok && cur == s {
		delete(r.conns, id)
		return true
	}
	return false
}

func (r *registry[S]) get(id string) (S, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.conns[id]
	return s, ok
}

func (r *registry[S]) each(f func(S)) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, s := range r.conns {
		f(s)
	}
}

func (r *registry[S]) len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.conns)
}

func (r *registry[S]) all() []S {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]S, 0, len(r.conns))
	for _, s := range r.conns {
		out = append(out, s)
	}
	return out
}
