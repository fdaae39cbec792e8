package projections

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/chargebooth/chargebooth/domain"
)

// AuditRow is one event a person caused: who, when, what.
type AuditRow struct {
	Seq       uint64       `json:"seq"`
	Time      time.Time    `json:"time"`
	Actor     domain.Actor `json:"actor"`
	Type      string       `json:"type"`
	ChargerID string       `json:"chargerId,omitempty"`
	WidgetID  string       `json:"widgetId,omitempty"`
	SessionID string       `json:"sessionId,omitempty"`
	Summary   string       `json:"summary"`
}

// auditModel keeps every event that carries an actor, in stream order
// (rows only appended, as the payments ledger).
type auditModel struct {
	rows []AuditRow
}

func newAuditModel() *auditModel { return &auditModel{} }

// Name implements ReadModel.
func (m *auditModel) Name() string { return "audit" }

// Apply implements ReadModel.
func (m *auditModel) Apply(e domain.Event, _ *Update) {
	if e.Actor == nil {
		return
	}
	m.rows = append(m.rows, AuditRow{Seq: e.Seq, Time: e.Time, Actor: *e.Actor, Type: e.Type,
		ChargerID: e.ChargerID, WidgetID: e.WidgetID, SessionID: e.SessionID, Summary: Summary(e)})
}

// Snapshot implements ReadModel.
func (m *auditModel) Snapshot() any { return m.rows[:len(m.rows):len(m.rows)] }

// Restore implements ReadModel.
func (m *auditModel) Restore(data json.RawMessage) error {
	var rows []AuditRow
	if err := json.Unmarshal(data, &rows); err != nil {
		return err
	}
	m.rows = rows
	return nil
}

// Reset implements ReadModel.
func (m *auditModel) Reset() { m.rows = nil }

// Entries implements ReadModel: one entry per row, by sequence.
func (m *auditModel) Entries(put func(string, any)) {
	for _, r := range m.rows {
		put(fmt.Sprint(r.Seq), r)
	}
}

// Audit returns the rows in [from, to) (by event time), of one actor id
// when actor is not "", newest first, at most limit of them (0: all).
func (b *Board) Audit(from, to time.Time, actor string, limit int) []AuditRow {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := []AuditRow{}
	for i := len(b.audit.rows) - 1; i >= 0; i-- {
		r := b.audit.rows[i]
		if r.Time.Before(from) || !r.Time.Before(to) || actor != "" && r.Actor.ID != actor {
			continue
		}
		out = append(out, r)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seq > out[j].Seq })
	return out
}

// Summary is a one-line account of an event for people (the audit, the
// replay): never a credential's hash.
func Summary(e domain.Event) string {
	switch d := e.Data.(type) {
	case domain.PaymentRecorded:
		s := fmt.Sprintf("payment %s %s %s", FormatCents(d.AmountCents), d.Currency, d.Method)
		if d.Reference != "" {
			s += fmt.Sprintf(" ref %q", d.Reference)
		}
		return s
	case domain.HandedBack:
		if d.Waived {
			return fmt.Sprintf("handed back, %s of %s waived: %q", FormatCents(d.AmountDueCents-d.PaidCents), FormatCents(d.AmountDueCents), d.WaiveReason)
		}
		return fmt.Sprintf("handed back, paid %s of %s", FormatCents(d.PaidCents), FormatCents(d.AmountDueCents))
	case domain.SessionOpened:
		return "checked in (session opened by " + d.By + ")"
	case domain.PairingSet:
		return fmt.Sprintf("paired charger %s with widget %s", d.ChargerID, d.WidgetID)
	case domain.PairingRemoved:
		return fmt.Sprintf("unpaired charger %s from widget %s", d.ChargerID, d.WidgetID)
	case domain.NoticeScheduled:
		return fmt.Sprintf("notice scheduled for %s: %q", d.At.Format(time.RFC3339), d.Text)
	case domain.DeviceEnrolled:
		return fmt.Sprintf("enrolled %s %s", d.Kind, d.DeviceID)
	case domain.DeviceUnenrolled:
		return fmt.Sprintf("unenrolled %s %s", d.Kind, d.DeviceID)
	case domain.ChargerRetired:
		return "retired the charger: " + d.Reason
	case domain.StaffAdded:
		return fmt.Sprintf("added staff member %q as %s", d.Name, d.Role)
	case domain.StaffChanged:
		s := "changed staff member " + d.StaffID + ":"
		if d.Name != "" {
			s += fmt.Sprintf(" name %q", d.Name)
		}
		if d.Role != "" {
			s += " role " + d.Role
		}
		if d.PINHash != "" {
			s += " new PIN"
		}
		if d.PINCleared {
			s += " PIN removed"
		}
		if d.TokenHash != "" {
			s += " token rotated"
		}
		return s
	case domain.StaffDisabled:
		return "disabled staff member " + d.StaffID
	case domain.StaffEnabled:
		return "enabled staff member " + d.StaffID
	case domain.StaffSignedIn:
		return fmt.Sprintf("signed in (%s) until %s", d.Method, d.Expires.Format(time.RFC3339))
	case domain.StaffSignedOut:
		return "signed out"
	}
	return e.Type
}
