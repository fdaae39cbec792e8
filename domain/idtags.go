package domain

import (
	"context"
	"sort"
	"time"
	"unicode/utf8"
)

// KindIDTags is the aggregate of the OCPP id tags the booth authorizes
// (with --id-tags list).
const KindIDTags = "idtags"

// IDTagsKey is the one id-tag list; its subject is <prefix>.idtags.all.
var IDTagsKey = StreamKey{Kind: KindIDTags, ID: "all"}

// Event types of the id-tag list.
const (
	TypeIDTagSet     = "idtag.set"
	TypeIDTagRemoved = "idtag.removed"
)

func init() {
	Register[IDTagSet](TypeIDTagSet, 1)
	Register[IDTagRemoved](TypeIDTagRemoved, 1)
}

// The statuses an id tag can be given (OCPP 1.6 AuthorizationStatus, less
// ConcurrentTx, which is an answer, not a standing).
const (
	TagAccepted = "Accepted"
	TagBlocked  = "Blocked"
	TagExpired  = "Expired"
	TagInvalid  = "Invalid"
)

// IDTag is one id tag on the list.
type IDTag struct {
	Tag    string     `json:"idTag"`
	Status string     `json:"status"`
	Expiry *time.Time `json:"expiryDate,omitempty"`
	Parent string     `json:"parentIdTag,omitempty"`
}

// Effective is the tag's status at now: Expired once its expiry passed.
func (t IDTag) Effective(now time.Time) string {
	if t.Status == TagAccepted && t.Expiry != nil && !now.Before(*t.Expiry) {
		return TagExpired
	}
	return t.Status
}

// IDTagSet puts a tag on the list, or changes it.
type IDTagSet struct {
	Tag    string     `json:"idTag"`
	Status string     `json:"status"`
	Expiry *time.Time `json:"expiryDate,omitempty"`
	Parent string     `json:"parentIdTag,omitempty"`
}

// Entry returns the tag the event sets.
func (d IDTagSet) Entry() IDTag { return IDTag(d) }

// IDTagRemoved takes a tag off the list.
type IDTagRemoved struct {
	Tag string `json:"idTag"`
}

// EventType implements Payload.
func (IDTagSet) EventType() string { return TypeIDTagSet }

// EventType implements Payload.
func (IDTagRemoved) EventType() string { return TypeIDTagRemoved }

// ValidateIDTag checks an id tag as OCPP 1.6 carries it: 1 to 20
// printable characters (CiString20Type), no spaces.
func ValidateIDTag(tag string) error {
	if tag == "" || len(tag) > 20 || !utf8.ValidString(tag) {
		return Errorf(CodeInvalidInput, "an id tag is 1 to 20 characters (got %d bytes)", len(tag))
	}
	for _, r := range tag {
		if r <= ' ' || r == 0x7f {
			return Errorf(CodeInvalidInput, "an id tag has no spaces or control characters (got %q)", tag)
		}
	}
	return nil
}

// ValidateIDTagEntry checks a tag to put on the list.
func ValidateIDTagEntry(t IDTag) error {
	if err := ValidateIDTag(t.Tag); err != nil {
		return err
	}
	switch t.Status {
	case TagAccepted, TagBlocked, TagExpired, TagInvalid:
	default:
		return Errorf(CodeInvalidInput, "status must be Accepted, Blocked, Expired or Invalid (got %.20q)", t.Status)
	}
	if t.Parent != "" {
		if err := ValidateIDTag(t.Parent); err != nil {
			return Errorf(CodeInvalidInput, "parentIdTag: %v", err)
		}
	}
	return nil
}

// IDTags is the id-tag list as an aggregate.
type IDTags struct {
	Version uint64
	ByTag   map[string]IDTag
}

// NewIDTags returns the empty list.
func NewIDTags() *IDTags { return &IDTags{ByTag: map[string]IDTag{}} }

func (l *IDTags) version() uint64 { return l.Version }

// Apply folds an id-tag event.
func (l *IDTags) Apply(e Event) {
	if e.Seq > l.Version {
		l.Version = e.Seq
	}
	switch d := e.Data.(type) {
	case IDTagSet:
		l.ByTag[d.Tag] = d.Entry()
	case IDTagRemoved:
		delete(l.ByTag, d.Tag)
	}
}

// Set decides putting t on the list; the same entry again decides nothing.
func (l *IDTags) Set(x Ctx, t IDTag) ([]Event, error) {
	if err := ValidateIDTagEntry(t); err != nil {
		return nil, err
	}
	if t.Expiry != nil {
		e := t.Expiry.UTC()
		t.Expiry = &e
	}
	if old, ok := l.ByTag[t.Tag]; ok && sameTag(old, t) {
		return nil, nil
	}
	return []Event{x.event("", "", IDTagSet(t))}, nil
}

// Remove decides taking tag off the list: not_found when it is not on it.
func (l *IDTags) Remove(x Ctx, tag string) ([]Event, error) {
	if _, ok := l.ByTag[tag]; !ok {
		return nil, Errorf(CodeNotFound, "id tag %q is not on the list", tag)
	}
	return []Event{x.event("", "", IDTagRemoved{Tag: tag})}, nil
}

// List returns the tags sorted.
func (l *IDTags) List() []IDTag {
	out := make([]IDTag, 0, len(l.ByTag))
	for _, t := range l.ByTag {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Tag < out[j].Tag })
	return out
}

func sameTag(a, b IDTag) bool {
	sameExpiry := (a.Expiry == nil) == (b.Expiry == nil) && (a.Expiry == nil || a.Expiry.Equal(*b.Expiry))
	return a.Tag == b.Tag && a.Status == b.Status && a.Parent == b.Parent && sameExpiry
}

// OnIDTags runs decide against the id-tag list (taken alone).
func (s *Service) OnIDTags(ctx context.Context, decide func(*IDTags, Ctx) ([]Event, error)) ([]Event, error) {
	return run(ctx, s, &s.idtags, IDTagsKey, NewIDTags, decide)
}

// IDTagList returns the id-tag list, read first when it may be behind
// (always when other instances share the stream). It takes the list's
// slot alone.
func (s *Service) IDTagList(ctx context.Context) (*IDTags, error) {
	sl := &s.idtags
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if !sl.loaded {
		sl.agg = NewIDTags()
	}
	if !sl.loaded || sl.stale || s.shared {
		if err := catchUp(ctx, s, sl, IDTagsKey); err != nil {
			return nil, err
		}
	}
	cp := &IDTags{Version: sl.agg.Version, ByTag: make(map[string]IDTag, len(sl.agg.ByTag))}
	for k, v := range sl.agg.ByTag {
		cp.ByTag[k] = v
	}
	return cp, nil
}

// Validate implements Validator: a valid tag entry.
func (p IDTagSet) Validate() error { return ValidateIDTagEntry(p.Entry()) }

// Validate implements Validator: a valid tag.
func (p IDTagRemoved) Validate() error { return ValidateIDTag(p.Tag) }
