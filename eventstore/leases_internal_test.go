package eventstore

import "testing"

// FuzzLeaseKey checks that every instance name makes a valid KV key that
// reads back as the name.
func FuzzLeaseKey(f *testing.F) {
	for _, s := range []string{"a", "chargebooth-1", "host:4222", "=x", "a..b", ".a", "ü", "", "a b", "=YQ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		key := leaseKey(name)
		if !validLeaseKey(key) {
			t.Fatalf("key %q of %q is not a valid key", key, name)
		}
		got, ok := instanceOf(key)
		if !ok || got != name {
			t.Fatalf("instance of key %q: got %q, %v; want %q", key, got, ok, name)
		}
	})
}
