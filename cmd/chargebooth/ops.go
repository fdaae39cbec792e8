package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/eventstore"
	"github.com/chargebooth/chargebooth/projections"
	"github.com/chargebooth/chargebooth/projections/runtime"
	"github.com/nats-io/nats.go"
)

// natsURLFile is where a running server with embedded NATS leaves its NATS
// address, so the ops tools find it.
const natsURLFile = "nats.url"

// opsStore is the store an ops tool reads: a running server's, through its
// NATS port, or a stopped one's data directory, opened here.
type opsStore struct {
	*eventstore.Store
	nc  *nats.Conn
	emb *eventstore.Embedded
}

func (o *opsStore) Close() {
	if o.Store != nil {
		o.Store.Close()
	}
	if o.nc != nil {
		o.nc.Close()
	}
	if o.emb != nil {
		o.emb.Shutdown()
	}
}

// openOps connects to --nats-url, else to the running server that left its
// address in the data directory, else opens the data directory itself. It
// says on stderr which one it uses.
func openOps(ctx context.Context, natsURL, dataDir string, auth *natsAuth, stderr io.Writer) (*opsStore, error) {
	o := &opsStore{}
	url := natsURL
	how := "NATS at " + natsURL
	if url == "" {
		if b, err := os.ReadFile(filepath.Join(dataDir, natsURLFile)); err == nil {
			url = strings.TrimSpace(string(b))
			how = "the running server's NATS at " + url
		}
	}
	if url != "" {
		opts, err := auth.options()
		if err != nil {
			return nil, err
		}
		if natsURL == "" {
			// The running server's embedded NATS: log in as it does.
			creds, err := dataDirCredentials(dataDir)
			if err != nil {
				return nil, err
			}
			if creds != nil {
				opts = append(opts, creds.Option())
			}
		}
		nc, err := nats.Connect(url, append(opts, nats.Timeout(2*time.Second), nats.Name("chargebooth ops"))...)
		if err == nil {
			o.nc = nc
		} else if natsURL != "" {
			return nil, fmt.Errorf("connect to %s: %w", natsURL, err)
		}
	}
	if o.nc == nil {
		dir := filepath.Join(dataDir, "jetstream")
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("no running server found and no data in %s", dataDir)
		}
		// A port of its own, locked like the server's (with fresh
		// credentials when the data directory keeps none).
		creds, err := dataDirCredentials(dataDir)
		if err != nil {
			return nil, err
		}
		if creds == nil {
			c := eventstore.NewCredentials()
			creds = &c
		}
		emb, err := eventstore.StartEmbedded(eventstore.EmbeddedConfig{DataDir: dir, Listen: "127.0.0.1:-1", Credentials: creds})
		if err != nil {
			return nil, fmt.Errorf("open data dir %s (is a server still using it?): %w", dataDir, err)
		}
		nc, err := eventstore.Connect(emb.ClientURL(), emb.ClientOptions()...)
		if err != nil {
			emb.Shutdown()
			return nil, err
		}
		o.emb, o.nc = emb, nc
		how = "the data directory " + dataDir + " (no server running)"
	}
	fmt.Fprintf(stderr, "reading from %s\n", how)
	st, err := eventstore.Open(ctx, o.nc, eventstore.Config{})
	if err != nil {
		o.Close()
		return nil, err
	}
	o.Store = st
	return o, nil
}

// dataDirCredentials returns the embedded NATS credentials the data
// directory keeps, nil when it keeps none (a server that never started
// there, or one older than the credentials), or why they cannot be used.
func dataDirCredentials(dataDir string) (*eventstore.Credentials, error) {
	c, err := eventstore.LoadCredentials(credentialsPath(dataDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// parseTime accepts RFC 3339, "2006-01-02 15:04", or a date.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: use RFC 3339 (2026-07-04T21:00:00Z), \"2026-07-04 21:00\" or 2026-07-04", s)
}

type timeFlag struct{ t *time.Time }

func (f timeFlag) String() string {
	if f.t == nil || f.t.IsZero() {
		return ""
	}
	return f.t.Format(time.RFC3339)
}

func (f timeFlag) Set(s string) error {
	t, err := parseTime(s)
	if err == nil {
		*f.t = t
	}
	return err
}

func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chargebooth replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var session, chargerID, natsURL, dataDir string
	var from, to time.Time
	var asJSON bool
	fs.StringVar(&session, "session", "", "the session to replay")
	fs.StringVar(&chargerID, "charger", "", "the charger to replay")
	fs.Var(timeFlag{&from}, "from", "only events at or after this time")
	fs.Var(timeFlag{&to}, "to", "only events before this time")
	fs.BoolVar(&asJSON, "json", false, "one JSON event a line")
	fs.StringVar(&natsURL, "nats-url", "", "NATS of a running server (default: found through the data dir)")
	fs.StringVar(&dataDir, "data-dir", "./data", "data directory")
	var auth natsAuth
	auth.flags(fs)
	if err := parseWithEnv(fs, args); err != nil {
		return err
	}
	if (session == "") == (chargerID == "") {
		fmt.Fprintln(stderr, "replay needs exactly one of --session ID or --charger ID")
		return errUsage
	}
	o, err := openOps(ctx, natsURL, dataDir, &auth, stderr)
	if err != nil {
		return err
	}
	defer o.Close()
	keep := func(e domain.Event) bool {
		if !from.IsZero() && e.Time.Before(from) || !to.IsZero() && !e.Time.Before(to) {
			return false
		}
		return session == "" || e.SessionID == session
	}
	var events []domain.Event
	if chargerID != "" {
		all, err := o.Load(ctx, domain.ChargerKey(chargerID), 0)
		if err != nil {
			return err
		}
		for _, e := range all {
			if keep(e) {
				events = append(events, e)
			}
		}
	} else {
		err = o.ReadAll(ctx, 1, func(e domain.Event) error {
			if keep(e) {
				events = append(events, e)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if len(events) == 0 {
		what := "charger " + chargerID
		if session != "" {
			what = "session " + session
		}
		return &exitError{code: 1, msg: "no events found for " + what + rangeText(from, to)}
	}
	enc := json.NewEncoder(stdout)
	for _, e := range events {
		if asJSON {
			if err := enc.Encode(e); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintln(stdout, timelineLine(e))
	}
	return nil
}

func rangeText(from, to time.Time) string {
	switch {
	case !from.IsZero() && !to.IsZero():
		return fmt.Sprintf(" between %s and %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	case !from.IsZero():
		return " from " + from.Format(time.RFC3339)
	case !to.IsZero():
		return " before " + to.Format(time.RFC3339)
	}
	return ""
}

// timelineLine renders one event for a person: time, type, what, who.
func timelineLine(e domain.Event) string {
	what := ""
	switch d := e.Data.(type) {
	case domain.SoCReported:
		what = fmt.Sprintf("soc %g → %s", d.SoC, d.Status)
		if d.ReadingID != "" {
			what += " (reading " + d.ReadingID + ")"
		}
		if d.ReceivedAt != nil {
			what += ", sampled then, received " + d.ReceivedAt.Format(time.RFC3339)
		}
		if d.TimeNote != "" {
			what += ", " + d.TimeNote
		}
	case domain.SessionOpened:
		what = "session opened by " + d.By
		if d.WidgetID != "" {
			what += ", widget " + d.WidgetID
		}
		what += ticketText(d) // never the customer token
	case domain.SessionCharged:
		what = "charged"
	case domain.PaymentRecorded:
		what = fmt.Sprintf("paid %s %s by %s", projections.FormatCents(d.AmountCents), d.Currency, d.Method)
		if d.Reference != "" {
			what += " ref " + d.Reference
		}
		what += paymentExtra(d)
	case domain.HandedBack:
		what = fmt.Sprintf("handed back; due %s, paid %s", projections.FormatCents(d.AmountDueCents), projections.FormatCents(d.PaidCents))
		if d.Waived {
			what += ", waived: " + d.WaiveReason
		}
		what += claimText(d)
	case domain.ChargerConnected:
		what = fmt.Sprintf("connected (%s) on %s from %s", d.Protocol, d.Instance, d.Remote)
	case domain.ChargerDisconnected:
		what = fmt.Sprintf("disconnected from %s: %s", d.Instance, d.Reason)
	case domain.SessionOverdue:
		what = "overdue: charged at " + d.ChargedAt.Format(time.RFC3339) + ", not collected after " + d.CollectAfter
	case domain.TransactionStarted:
		what = fmt.Sprintf("OCPP transaction %d started, connector %d, idTag %s", d.TransactionID, d.ConnectorID, d.IDTag)
		if d.IDTagStatus != "" {
			what += " " + d.IDTagStatus + ": no session"
		}
	case domain.TransactionStopped:
		what = fmt.Sprintf("OCPP transaction %d stopped, meter %d", d.TransactionID, d.MeterStop)
		if d.Superseded != 0 {
			what += fmt.Sprintf(", superseded by transaction %d", d.Superseded)
		}
		if d.NotOpen {
			what += ", not open on the charger: changed nothing"
		}
	case domain.SampleRefused:
		what = fmt.Sprintf("sample refused: %s = %q: %s", d.Measurand, d.Value, d.Reason)
	case domain.MeterSampled:
		what = fmt.Sprintf("%s = %s %s", d.Measurand, d.Value, d.Unit)
	case domain.ConnectorStatus:
		what = fmt.Sprintf("connector %d %s (%s)", d.ConnectorID, d.Status, d.ErrorCode)
	case domain.ChargerBooted:
		what = fmt.Sprintf("booted: %s %s serial %s firmware %s", d.Vendor, d.Model, d.Serial, d.Firmware)
	case domain.Opaque:
		if d.Quarantined() {
			what = fmt.Sprintf("QUARANTINED (%s: %s), not folded: %s", d.Code, d.Detail, d.Raw)
		} else {
			what = "UNKNOWN to this build: " + d.String()
		}
	default:
		if text, ok := ocppLine(e.Data); ok {
			what = text
			break
		}
		var ok bool
		if what, ok = moneyLine(e); ok { // corrections, shifts, unclaimed (ops_money.go)
			break
		}
		if what = projections.Summary(e); what == e.Type {
			b, _ := json.Marshal(e.Data)
			what = string(b)
		}
	}
	who := e.ChargerID
	if e.WidgetID != "" {
		who += " widget " + e.WidgetID
	}
	sess := ""
	if e.SessionID != "" {
		sess = "  session " + e.SessionID
	}
	by := ""
	if e.Actor != nil {
		by = fmt.Sprintf("  by %s (%s, %s)", e.Actor.Name, e.Actor.ID, e.Actor.Role)
	}
	return fmt.Sprintf("%s  #%-6d %-28s %-10s %s%s%s", e.Time.UTC().Format("2006-01-02T15:04:05.000Z"), e.Seq, e.Type, who, what, sess, by)
}

// foldAll folds the whole stream into a fresh board.
func foldAll(ctx context.Context, st *eventstore.Store, t domain.Tariff) (*projections.Board, error) {
	b := projections.NewBoard(t)
	if err := st.ReadAll(ctx, 1, b.Apply); err != nil {
		return nil, fmt.Errorf("fold the stream: %w", err)
	}
	return b, nil
}

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chargebooth report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var natsURL, dataDir, format, shift string
	var from, to time.Time
	var t domain.Tariff
	fs.StringVar(&shift, "shift", "", "print this till shift's cash-up instead of a range's reconciliation")
	fs.Var(timeFlag{&from}, "from", "start of the range (required)")
	fs.Var(timeFlag{&to}, "to", "end of the range, exclusive (required)")
	fs.StringVar(&format, "format", "json", "json or csv")
	fs.StringVar(&natsURL, "nats-url", "", "NATS of a running server (default: found through the data dir)")
	fs.StringVar(&dataDir, "data-dir", "./data", "data directory")
	var auth natsAuth
	auth.flags(fs)
	fs.Int64Var(&t.FlatCents, "price-cents", 500, "the server's flat fee (prices open sessions)")
	fs.Int64Var(&t.HourlyCents, "hourly-cents", 0, "the server's price per started hour")
	fs.Int64Var(&t.CapCents, "cap-cents", 0, "the server's cap")
	fs.StringVar(&t.Currency, "currency", "EUR", "the server's currency")
	if err := parseWithEnv(fs, args); err != nil {
		return err
	}
	if shift == "" && (from.IsZero() || to.IsZero() || !from.Before(to)) {
		fmt.Fprintln(stderr, "report needs --from and --to, with --from before --to (or --shift ID)")
		return errUsage
	}
	if format != "json" && format != "csv" {
		fmt.Fprintln(stderr, "--format must be json or csv")
		return errUsage
	}
	o, err := openOps(ctx, natsURL, dataDir, &auth, stderr)
	if err != nil {
		return err
	}
	defer o.Close()
	if shift != "" {
		return reportShift(ctx, o.Store, t, shift, format, stdout)
	}
	b, err := foldAll(ctx, o.Store, t)
	if err != nil {
		return err
	}
	return writeReport(stdout, b.Reconcile(from, to, time.Now()), format)
}

// csvReport is a report that can be written as CSV as well as JSON.
type csvReport interface{ CSV() []byte }

// writeReport writes r to stdout as CSV when format is "csv", else as
// indented JSON.
func writeReport(stdout io.Writer, r csvReport, format string) error {
	if format == "csv" {
		_, err := stdout.Write(r.CSV())
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func runRebuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chargebooth rebuild", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var natsURL, dataDir string
	var t domain.Tariff
	fs.StringVar(&natsURL, "nats-url", "", "NATS of a running server (default: found through the data dir)")
	fs.StringVar(&dataDir, "data-dir", "./data", "data directory")
	var auth natsAuth
	auth.flags(fs)
	fs.Int64Var(&t.FlatCents, "price-cents", 500, "the server's flat fee")
	fs.Int64Var(&t.HourlyCents, "hourly-cents", 0, "the server's price per started hour")
	fs.Int64Var(&t.CapCents, "cap-cents", 0, "the server's cap")
	fs.StringVar(&t.Currency, "currency", "EUR", "the server's currency")
	if err := parseWithEnv(fs, args); err != nil {
		return err
	}
	o, err := openOps(ctx, natsURL, dataDir, &auth, stderr)
	if err != nil {
		return err
	}
	defer o.Close()
	full, err := foldAll(ctx, o.Store, t)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "folded %d events from sequence 1\n", full.Applied())
	for _, typ := range sortedCounts(full.Unknown()) {
		fmt.Fprintf(stdout, "skipped %d events this build cannot read: %s\n", full.Unknown()[typ], typ)
	}
	for _, typ := range sortedCounts(full.Quarantined()) {
		fmt.Fprintf(stdout, "quarantined %d events that break the domain's rules (see replay): %s\n", full.Quarantined()[typ], typ)
	}
	data, err := o.LoadCheckpoint(ctx, runtime.DefaultCheckpointName)
	if err != nil {
		return fmt.Errorf("read checkpoint: %w", err)
	}
	if data == nil {
		fmt.Fprintln(stdout, "no checkpoint to compare with; the projections fold from sequence 1 on every start")
		return nil
	}
	cp := projections.NewBoard(t)
	seq, err := cp.Restore(data)
	if err != nil {
		return &exitError{code: 1, msg: "checkpoint unusable (the server ignores it and folds from 1): " + err.Error()}
	}
	// Bring the checkpoint up to the same point, as a restart would.
	if err := o.ReadAll(ctx, seq+1, func(e domain.Event) error {
		if e.Seq > full.Applied() {
			return nil
		}
		return cp.Apply(e)
	}); err != nil {
		return err
	}
	diffs := projections.Diff(full, cp)
	fmt.Fprintf(stdout, "checkpoint at sequence %d, brought up to %d\n", seq, cp.Applied())
	if len(diffs) == 0 {
		fmt.Fprintln(stdout, "no differences: the checkpointed projections equal a full replay")
		return nil
	}
	for _, d := range diffs {
		fmt.Fprintln(stdout, "DIFF", d)
	}
	return &exitError{code: 1, msg: fmt.Sprintf("%d differences between the checkpoint and a full replay", len(diffs))}
}

var _ = errors.New

// sortedCounts returns the keys of counts, sorted.
func sortedCounts(counts map[string]uint64) []string {
	out := make([]string, 0, len(counts))
	for k := range counts {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}
