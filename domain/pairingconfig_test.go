package domain_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/chargebooth/chargebooth/domain"
)

func TestParsePairingsFile(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr string
	}{
		{name: "pairs", in: `{"c1234":"wABCD","c2":"w2"}`, want: map[string]string{"c1234": "wABCD", "c2": "w2"}},
		{name: "empty object", in: `{}`, want: map[string]string{}},
		{name: "null", in: `null`},
		{name: "spaces and newline", in: " {\n  \"c1\": \"w1\"\n}\n", want: map[string]string{"c1": "w1"}},
		{
			name:    "array",
			in:      `[["c1","w1"]]`,
			wantErr: `want a JSON object {"c1234":"wABCD"}: json: cannot unmarshal array into Go value of type map[string]string`,
		},
		{
			name:    "number value",
			in:      `{"c1":7}`,
			wantErr: `want a JSON object {"c1234":"wABCD"}: json: cannot unmarshal number into Go value of type string`,
		},
		{
			name:    "truncated",
			in:      `{"c1":"w1"`,
			wantErr: `want a JSON object {"c1234":"wABCD"}: unexpected end of JSON input`,
		},
		{
			name:    "empty file",
			in:      ``,
			wantErr: `want a JSON object {"c1234":"wABCD"}: unexpected end of JSON input`,
		},
		{
			name:    "widget named twice",
			in:      `{"c2":"w1","c1":"w1"}`,
			wantErr: `widget "w1" is named for both charger "c1" and charger "c2"; a widget belongs to one charger at most`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ParsePairingsFile([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error: got %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("error: got %v, want none", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPairingsConfigure(t *testing.T) {
	demo := domain.PairingSet{ChargerID: domain.DemoPair.ChargerID, WidgetID: domain.DemoPair.WidgetID}
	tests := []struct {
		name  string
		given []domain.Pair
		// emptied makes the given table not fresh though empty: its pairs
		// were all removed.
		emptied  bool
		file     map[string]string
		demo     bool
		then     []domain.Payload
		wantErr  string
		wantCode string
		table    []domain.Pair // the table after folding then
	}{
		{
			name:  "fresh store gets the demo pair",
			demo:  true,
			then:  []domain.Payload{demo},
			table: []domain.Pair{domain.DemoPair},
		},
		{
			name:  "no demo",
			demo:  false,
			table: []domain.Pair{},
		},
		{
			name:    "no demo once the table was used",
			emptied: true,
			demo:    true,
			table:   []domain.Pair{},
		},
		{
			name:  "demo pair kept beside the file",
			demo:  true,
			file:  map[string]string{"c1": "w1"},
			then:  []domain.Payload{domain.PairingSet{ChargerID: "c1", WidgetID: "w1"}, demo},
			table: []domain.Pair{{"c1", "w1"}, domain.DemoPair},
		},
		{
			name:  "file naming the demo charger overrides the demo",
			demo:  true,
			file:  map[string]string{"c1234": "w9"},
			then:  []domain.Payload{domain.PairingSet{ChargerID: "c1234", WidgetID: "w9"}},
			table: []domain.Pair{{"c1234", "w9"}},
		},
		{
			name:  "file naming the demo widget overrides the demo",
			demo:  true,
			file:  map[string]string{"c9": "wABCD"},
			then:  []domain.Payload{domain.PairingSet{ChargerID: "c9", WidgetID: "wABCD"}},
			table: []domain.Pair{{"c9", "wABCD"}},
		},
		{
			name:  "file on an existing table takes its widgets",
			given: []domain.Pair{{"c1", "w1"}, {"c2", "w2"}},
			demo:  true,
			file:  map[string]string{"c3": "w1", "c2": "w2"},
			then: []domain.Payload{
				domain.PairingRemoved{ChargerID: "c1", WidgetID: "w1"},
				domain.PairingSet{ChargerID: "c3", WidgetID: "w1"},
			},
			table: []domain.Pair{{"c2", "w2"}, {"c3", "w1"}},
		},
		{
			name:  "pairs in charger order see the previous ones",
			file:  map[string]string{"c2": "w1", "c1": "w2"},
			given: []domain.Pair{{"c1", "w1"}},
			then: []domain.Payload{
				domain.PairingSet{ChargerID: "c1", WidgetID: "w2"},
				domain.PairingSet{ChargerID: "c2", WidgetID: "w1"},
			},
			table: []domain.Pair{{"c1", "w2"}, {"c2", "w1"}},
		},
		{
			name:  "file already in place yields nothing",
			given: []domain.Pair{{"c1", "w1"}},
			demo:  true,
			file:  map[string]string{"c1": "w1"},
			table: []domain.Pair{{"c1", "w1"}},
		},
		{
			name:     "bad charger id",
			demo:     true,
			file:     map[string]string{"c1": "w1", "c/2": "w2"},
			wantErr:  "c/2 → w2: ",
			wantCode: domain.CodeInvalidID,
			table:    []domain.Pair{},
		},
		{
			name:     "bad widget id",
			file:     map[string]string{"c1": ""},
			wantErr:  "c1 → : ",
			wantCode: domain.CodeInvalidID,
			table:    []domain.Pair{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pairingsGiven(tt.given...)
			if tt.emptied {
				p = pairingsGiven(domain.Pair{ChargerID: "c0", WidgetID: "w0"})
				evs, err := p.Remove(ctxAt(0), "c0")
				checkCode(t, err, "")
				for _, e := range evs {
					p.Apply(e)
				}
			}
			got, err := p.Configure(ctxAt(0), tt.file, tt.demo)
			checkCode(t, err, tt.wantCode)
			if tt.wantErr != "" {
				if err == nil || len(err.Error()) < len(tt.wantErr) || err.Error()[:len(tt.wantErr)] != tt.wantErr {
					t.Errorf("error: got %v, want it to start with %q", err, tt.wantErr)
				}
				if len(got) != 0 {
					t.Errorf("events with an error: got %s, want none", fmtPayloads(payloads(got)))
				}
			}
			checkPayloads(t, got, tt.then)
			for _, e := range got {
				p.Apply(e)
			}
			if gotT := p.List(); !reflect.DeepEqual(gotT, tt.table) {
				t.Errorf("table: got %v, want %v", gotT, tt.table)
			}
			checkInverse(t, p)
		})
	}
}

// FuzzParsePairingsFile checks that any file either is refused or
// configures a table holding exactly its pairs.
func FuzzParsePairingsFile(f *testing.F) {
	for _, s := range []string{
		`{"c1234":"wABCD"}`,
		`{"x000":"y000","x001":"y001","x002":"y002"}`,
		`{}`, `null`, `[]`, `{"c1":"w1","c2":"w1"}`, `{"c1":"w1","c1":"w2"}`,
		`{"c/1":"w1"}`, `{"c1":""}`, `{"c1":7}`, "{\"c\u00e91\":\"w1\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := domain.ParsePairingsFile(b)
		if err != nil {
			return
		}
		// Round trip: the parsed file encodes and parses to itself.
		enc, err := json.Marshal(file)
		if err != nil {
			t.Fatalf("marshal %v: %v", file, err)
		}
		again, err := domain.ParsePairingsFile(enc)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", enc, err)
		}
		if len(again) != len(file) {
			t.Fatalf("re-parse of %s: got %v, want %v", enc, again, file)
		}
		p := pairingsGiven(domain.Pair{ChargerID: "c1", WidgetID: "w1"}, domain.Pair{ChargerID: "c2", WidgetID: "w2"})
		evs, err := p.Configure(ctxAt(0), file, true)
		if err != nil {
			if len(evs) != 0 {
				t.Fatalf("Configure failed with events: %v", err)
			}
			return
		}
		for _, e := range evs {
			p.Apply(e)
		}
		checkInverse(t, p)
		for c, w := range file {
			if got := p.ByCharger[c]; got != w {
				t.Errorf("after Configure: charger %q has %q, want %q", c, got, w)
			}
		}
	})
}
