package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestWritePairingsFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prefix string
		n      int
		want   map[string]string
	}{
		{name: "one", prefix: "lg", n: 1, want: map[string]string{"lgc0001": "lgw0001"}},
		{name: "three", prefix: "b", n: 3, want: map[string]string{"bc0001": "bw0001", "bc0002": "bw0002", "bc0003": "bw0003"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "pairings.json")
			if err := writePairingsFile(path, tt.prefix, tt.n); err != nil {
				t.Fatalf("writePairingsFile: %v", err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]string
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("pairings file is not a JSON object: %v", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("pairings = %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("pairings[%s] = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestWritePairingsFileBadPath(t *testing.T) {
	t.Parallel()
	if err := writePairingsFile(filepath.Join(t.TempDir(), "no", "such", "dir.json"), "lg", 1); err == nil {
		t.Error("writePairingsFile into a missing directory: no error")
	}
}
