package metrics

import (
	"strings"
	"sync"
)

// MaxLabelValues is how many distinct label values (or value combinations)
// one labelled family keeps; further ones are counted under "other".
const MaxLabelValues = 64

// Overflow is the label value that stands for every value past
// MaxLabelValues, and for empty values.
const Overflow = "other"

// children caches the children of one labelled family and bounds how many
// distinct label-value combinations it may grow.
type children[T any] struct {
	get   func(lvs ...string) T
	cache sync.Map // joined label values -> T

	mu sync.Mutex // guards n
	n  int
}

func newChildren[T any](get func(lvs ...string) T) *children[T] {
	return &children[T]{get: get}
}

// with returns the child for the label values lvs, or the overflow child
// once MaxLabelValues combinations exist. Empty values read as Overflow.
func (c *children[T]) with(lvs ...string) T {
	for i, v := range lvs {
		if v == "" {
			lvs[i] = Overflow
		}
	}
	key := lvs[0]
	if len(lvs) > 1 {
		key = strings.Join(lvs, "\x00")
	}
	if v, ok := c.cache.Load(key); ok {
		return v.(T)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.cache.Load(key); ok {
		return v.(T)
	}
	if c.n >= MaxLabelValues {
		other := make([]string, len(lvs))
		for i := range other {
			other[i] = Overflow
		}
		return c.get(other...)
	}
	child := c.get(lvs...)
	c.cache.Store(key, child)
	c.n++
	return child
}
