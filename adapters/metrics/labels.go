package metrics

import (
	"maps"
	"strings"
	"sync"
	"sync/atomic"
)

// MaxLabelValues is how many distinct label values (or value combinations)
// one labelled family keeps; further ones are counted under Overflow.
const MaxLabelValues = 64

// Overflow is the label value that stands for every value past
// MaxLabelValues, and for empty values.
const Overflow = "other"

// children caches the children of one labelled family and bounds how many
// distinct label-value combinations it may grow. Lookups are lock-free and
// allocation-free: the cache is an immutable map replaced on each (rare)
// insert.
type children[T any] struct {
	get   func(lvs ...string) T
	cache atomic.Pointer[map[string]T] // joined label values -> child

	mu sync.Mutex // serialises inserts into cache
}

func newChildren[T any](get func(lvs ...string) T) *children[T] {
	c := &children[T]{get: get}
	c.cache.Store(&map[string]T{})
	return c
}

// one returns the child for a single label value v.
func (c *children[T]) one(v string) T {
	if child, ok := (*c.cache.Load())[v]; ok {
		return child
	}
	return c.insert(v, []string{v})
}

// with returns the child for the label values lvs, or the overflow child
// once MaxLabelValues combinations exist. Empty values read as Overflow.
func (c *children[T]) with(lvs ...string) T {
	key := strings.Join(lvs, "\x00")
	if child, ok := (*c.cache.Load())[key]; ok {
		return child
	}
	return c.insert(key, lvs)
}

// insert adds the child for lvs under key, unless the family is full.
func (c *children[T]) insert(key string, lvs []string) T {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := *c.cache.Load()
	if child, ok := old[key]; ok {
		return child
	}
	if len(old) >= MaxLabelValues {
		other := make([]string, len(lvs))
		for i := range other {
			other[i] = Overflow
		}
		return c.get(other...)
	}
	clean := make([]string, len(lvs))
	for i, v := range lvs {
		clean[i] = v
		if v == "" {
			clean[i] = Overflow
		}
	}
	child := c.get(clean...)
	next := make(map[string]T, len(old)+1)
	maps.Copy(next, old)
	next[key] = child
	c.cache.Store(&next)
	return child
}
