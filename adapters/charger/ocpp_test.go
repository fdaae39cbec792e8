package charger_test

import (
	"sync"
	"testing"

	"github.com/chargebooth/chargebooth/adapters/charger"
)

func TestAllowList(t *testing.T) {
	ids := map[string]bool{"c1": true, "c2": true}
	list := charger.NewAllowList(ids)
	ids["c3"] = true // the list keeps its own copy
	tests := []struct {
		name string
		list *charger.AllowList
		id   string
		want bool
	}{
		{"listed", list, "c1", true},
		{"not listed", list, "c3", false},
		{"case matters", list, "C1", false},
		{"no list allows all", charger.NewAllowList(nil), "anything", true},
		{"empty list allows none", charger.NewAllowList(map[string]bool{}), "c1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.list.Allowed(tt.id); got != tt.want {
				t.Errorf("Allowed(%q): got %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestAllowListReplace(t *testing.T) {
	list := charger.NewAllowList(map[string]bool{"c1": true})
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 100 {
			list.Allowed("c1")
		}
	})
	list.Replace(map[string]bool{"c2": true})
	wg.Wait()
	if list.Allowed("c1") || !list.Allowed("c2") {
		t.Errorf("after Replace: got c1 %v, c2 %v; want false, true", list.Allowed("c1"), list.Allowed("c2"))
	}
}
