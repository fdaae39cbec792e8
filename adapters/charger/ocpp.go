package charger

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"sync"
	"time"

	"github.com/chargebooth/chargebooth/adapters/ocpp"
	"github.com/chargebooth/chargebooth/domain"
	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"
)

// Id-tag modes (OCPPConfig.IDTags).
const (
	IDTagsOpen = "open"
	IDTagsList = "list"
)

// Boot policies for chargers not on the allow list.
const (
	PolicyAccept  = "accept"
	PolicyPending = "pending"
	PolicyReject  = "reject"
)

// OCPPConfig configures the OCPP 1.6J side of the charger endpoint.
type OCPPConfig struct {
	HeartbeatInterval time.Duration
	// Allow lists the chargers whose boot is Accepted; nil accepts all.
	// Until its boot is Accepted a charger is answered SecurityError for
	// every CALL but BootNotification.
	Allow *AllowList
	// Unknown is the boot answer for a charger not on Allow: PolicyPending
	// or PolicyReject.
	Unknown string
	// Rate is how many OCPP messages a second one charger connection may
	// send (ocpp.DefaultRate when 0), Burst how many at once
	// (ocpp.DefaultBurst when 0). Over it a CALL is answered GenericError
	// and not served.
	Rate  rate.Limit
	Burst int
	// Meter bounds one MeterValues message (samples, value length); zero
	// fields take the ocpp package's defaults.
	Meter ocpp.MeterLimits
	// ReadLimit is the largest OCPP frame read (ocpp.DefaultReadLimit when
	// 0): a StopTransaction carrying hours of transactionData is larger
	// than the simple protocol's frames.
	ReadLimit int64
	// IDTags is IDTagsOpen (every id tag is Accepted) or IDTagsList
	// (Authorize and StartTransaction answer from the id-tag list; an
	// unknown tag is Invalid).
	IDTags string
	// Refused, when set, hears every OCPP CALL refused by a limit or by
	// the boot rule, with its reason (ocpp.RefusedRate, RefusedBoot,
	// RefusedMeter): for a metric.
	Refused func(chargerID, reason string)
	// Configuration is applied after every Accepted BootNotification
	// (--ocpp-config): GetConfiguration for its keys, ChangeConfiguration
	// for each value that differs; the results are an event.
	Configuration ocpp.Configuration
	// ConfigCallTimeout bounds each call of it (DefaultConfigCallTimeout).
	ConfigCallTimeout time.Duration
	// Called, when set, hears how every server-initiated call ended
	// (answered, call_error, invalid_answer, timeout, failed) and after
	// how long: for metrics. It must be cheap and safe for concurrent use.
	Called func(action, outcome string, d time.Duration)
}

// EnableOCPP makes the endpoint take sockets that negotiate ocpp1.6.
func (s *Server) EnableOCPP(cfg OCPPConfig) {
	b := &ocppBackend{s: s, cfg: cfg}
	o := &ocppOpener{s: s, called: cfg.Called, readLimit: cfg.ReadLimit}
	if len(cfg.Configuration) > 0 {
		perCall := cfg.ConfigCallTimeout
		if perCall <= 0 {
			perCall = DefaultConfigCallTimeout
		}
		o.booted = (&bootConfigurer{s: s, want: cfg.Configuration, perCall: perCall}).booted
	}
	s.cfg.OCPP = o
	o.router = ocpp.NewRouter(b, ocpp.Config{
		HeartbeatInterval: cfg.HeartbeatInterval,
		Logger:            s.cfg.Log,
		Rate:              cfg.Rate,
		Burst:             cfg.Burst,
		Meter:             cfg.Meter,
		Refused:           cfg.Refused,
	})
	s.edge.SetSubprotocols(ocpp.Subprotocol)
}

// AllowList is the set of charger ids let in (--charger-allow). A nil
// *AllowList lets every charger in. It is safe for concurrent use, and
// Replace changes it while the server runs.
type AllowList struct {
	mu  sync.RWMutex
	ids map[string]bool
}

// NewAllowList returns the list of ids; a nil map (no list configured)
// returns nil, which allows every charger.
func NewAllowList(ids map[string]bool) *AllowList {
	if ids == nil {
		return nil
	}
	return &AllowList{ids: maps.Clone(ids)}
}

// Allowed reports whether chargerID is on the list; every id is on a nil
// list.
func (p *AllowList) Allowed(chargerID string) bool {
	if p == nil {
		return true
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.ids[chargerID]
}

// Replace makes ids the list (a reloaded file). Connections that booted
// keep the answer they got; their next boot, or a new connection, obeys
// the new list.
func (p *AllowList) Replace(ids map[string]bool) {
	p.mu.Lock()
	p.ids = maps.Clone(ids)
	p.mu.Unlock()
}

type ocppOpener struct {
	s         *Server
	router    *ocpp.Router
	readLimit int64
	booted    func(context.Context, *ocpp.Conn) // the boot configuration; nil when none
	called    func(action, outcome string, d time.Duration)
}

// ocppSession is an OCPP socket in the registry.
type ocppSession struct{ c *ocpp.Conn }

func (o ocppSession) Close(reason string) { o.c.Close(reason) }
func (o ocppSession) Protocol() string    { return ocpp.Subprotocol }

// Open implements OCPP.
func (o *ocppOpener) Open(chargerID string, ws *websocket.Conn, remote string) (Session, func(context.Context) string) {
	c := ocpp.NewConn(ws, ocpp.ConnConfig{ChargerID: chargerID, Router: o.router, Logger: o.s.cfg.Log, ReadLimit: o.readLimit,
		Journal: callJournal{s: o.s, called: o.called}, Booted: o.booted})
	return ocppSession{c}, func(ctx context.Context) string {
		_ = c.Serve(ctx) // its error is in Reason
		return c.Reason()
	}
}

// Remote commands answer these domain errors when they cannot be sent.
var (
	ErrNotConnected = domain.Errorf("not_connected", "the charger is not connected")
	ErrNotOCPP      = domain.Errorf("not_ocpp", "the charger does not speak OCPP; OCPP calls need OCPP 1.6J")
)

func (s *Server) ocppConn(chargerID string) (*ocpp.Conn, error) {
	sess, ok := s.Session(chargerID)
	if !ok {
		return nil, ErrNotConnected
	}
	o, ok := sess.(ocppSession)
	if !ok {
		return nil, ErrNotOCPP
	}
	return o.c, nil
}

// RemoteStart sends RemoteStartTransaction to a charger connected here and
// returns its answer.
func (s *Server) RemoteStart(ctx context.Context, chargerID, idTag string, connectorID int) (json.RawMessage, error) {
	c, err := s.ocppConn(chargerID)
	if err != nil {
		return nil, err
	}
	st, err := c.RemoteStart(ctx, idTag, connectorID)
	return remoteAnswer(st, err)
}

// RemoteStop sends RemoteStopTransaction to a charger connected here.
func (s *Server) RemoteStop(ctx context.Context, chargerID string, transactionID int) (json.RawMessage, error) {
	c, err := s.ocppConn(chargerID)
	if err != nil {
		return nil, err
	}
	st, err := c.RemoteStop(ctx, transactionID)
	return remoteAnswer(st, err)
}

func remoteAnswer(st ocpp.RemoteStatus, err error) (json.RawMessage, error) {
	if errors.Is(err, ocpp.ErrTimeout) {
		return nil, errors.Join(context.DeadlineExceeded, err)
	}
	if errors.Is(err, ocpp.ErrClosed) {
		return nil, ErrNotConnected
	}
	var ce *ocpp.CallError
	if errors.As(err, &ce) {
		b, _ := json.Marshal(map[string]string{"errorCode": string(ce.Code), "errorDescription": ce.Description})
		return b, nil
	}
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(map[string]string{"status": string(st)})
	return b, nil
}

// ocppBackend turns OCPP actions into domain commands.
type ocppBackend struct {
	s   *Server
	cfg OCPPConfig
}

var _ ocpp.Backend = (*ocppBackend)(nil)

func (b *ocppBackend) store(ctx context.Context, chargerID string, decide func(*domain.Charger, domain.Ctx) ([]domain.Event, error)) error {
	ctx, cancel := context.WithTimeout(ctx, b.s.cfg.StoreTimeout)
	defer cancel()
	_, err := b.s.cfg.Service.OnCharger(ctx, chargerID, decide)
	return storeErr(err)
}

// decide is the boot answer for chargerID under the allow list.
func (b *ocppBackend) decide(chargerID string) ocpp.BootDecision {
	if b.cfg.Allow.Allowed(chargerID) {
		return ocpp.BootAccepted
	}
	if b.cfg.Unknown == PolicyPending {
		return ocpp.BootPending
	}
	return ocpp.BootRejected
}

// BootStatus lets a charger that did not boot on its connection be served
// when no allow list is configured (every boot would be Accepted), or when
// it is on the list and its last boot stored (the charger projection's
// ChargerBooted, which survives restarts and is shared by instances) was
// Accepted: a charger reconnecting without a new BootNotification, as many
// do. A charger off the list gets the policy's answer, whatever it got
// before; one on the list that never booted must boot.
func (b *ocppBackend) BootStatus(_ context.Context, chargerID string) ocpp.BootDecision {
	if b.cfg.Allow == nil {
		return ocpp.BootAccepted
	}
	if d := b.decide(chargerID); d != ocpp.BootAccepted {
		return d
	}
	if b.s.cfg.Board == nil {
		return ""
	}
	info, ok := b.s.cfg.Board.Charger(chargerID, b.s.cfg.Service.Now())
	if ok && info.Meta != nil && info.Meta.Status == string(ocpp.BootAccepted) {
		return ocpp.BootAccepted
	}
	return ""
}

func (b *ocppBackend) Boot(ctx context.Context, chargerID string, info ocpp.BootInfo) (ocpp.BootDecision, error) {
	decision := b.decide(chargerID)
	serial := info.ChargePointSerialNumber
	if serial == "" {
		serial = info.ChargeBoxSerialNumber
	}
	err := b.store(ctx, chargerID, func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return c.Record(x, domain.ChargerBooted{Vendor: info.Vendor, Model: info.Model, Serial: serial,
			Firmware: info.FirmwareVersion, Status: string(decision)}), nil
	})
	return decision, err
}

// Heartbeat stores nothing: the router touched the charger already (every
// message refreshes its lastSeen, see Touch).
func (b *ocppBackend) Heartbeat(context.Context, string) error { return nil }

// Touch moves the charger's lastSeen on this instance's board.
func (b *ocppBackend) Touch(chargerID string, at time.Time) {
	if b.s.cfg.Board != nil {
		b.s.cfg.Board.Touch(chargerID, at)
	}
}

func (b *ocppBackend) ConnectorStatus(ctx context.Context, chargerID string, connectorID int, status, errorCode, info string, ts time.Time) error {
	return b.store(ctx, chargerID, func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		at := ts.UTC()
		return c.Record(x, domain.ConnectorStatus{ConnectorID: connectorID, Status: status, ErrorCode: errorCode, Info: info, Timestamp: &at}), nil
	})
}

// Authorize answers from the id-tag list with IDTags "list", else
// Accepted.
func (b *ocppBackend) Authorize(ctx context.Context, _ string, idTag string) (ocpp.Authorization, error) {
	return b.authorize(ctx, idTag)
}

func (b *ocppBackend) authorize(ctx context.Context, idTag string) (ocpp.Authorization, error) {
	if b.cfg.IDTags != IDTagsList {
		return ocpp.Authorization{Status: ocpp.IDTagAccepted}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, b.s.cfg.StoreTimeout)
	defer cancel()
	list, err := b.s.cfg.Service.IDTagList(ctx)
	if err != nil {
		return ocpp.Authorization{}, storeErr(err)
	}
	t, ok := list.ByTag[idTag]
	if !ok {
		return ocpp.Authorization{Status: ocpp.IDTagInvalid}, nil
	}
	a := ocpp.Authorization{Status: ocpp.IDTagStatus(t.Effective(b.s.cfg.Service.Now())), Parent: t.Parent}
	if t.Expiry != nil {
		a.Expiry = *t.Expiry
	}
	return a, nil
}

// StartTransaction records the transaction; with IDTags "list" one whose
// tag is not Accepted opens no session (see domain.Charger.StartTransaction).
func (b *ocppBackend) StartTransaction(ctx context.Context, chargerID string, tx ocpp.StartTx) (int, ocpp.Authorization, error) {
	auth, err := b.authorize(ctx, tx.IDTag)
	if err != nil {
		return 0, auth, err
	}
	d := domain.TransactionStarted{ConnectorID: tx.ConnectorID, IDTag: tx.IDTag, MeterStart: tx.MeterStart, Timestamp: tx.Timestamp.UTC()}
	if auth.Status != ocpp.IDTagAccepted {
		d.IDTagStatus = string(auth.Status)
	}
	ctx, cancel := context.WithTimeout(ctx, b.s.cfg.StoreTimeout)
	defer cancel()
	_, id, err := b.s.cfg.Service.StartTransaction(ctx, chargerID, tx.EventID, d)
	return id, auth, storeErr(err)
}

func (b *ocppBackend) Reading(ctx context.Context, chargerID string, soc float64, eventID string, ts time.Time) error {
	err := b.s.StoreReading(ctx, chargerID, domain.Reading{SoC: soc, ReadingID: "ocpp:" + eventID, EventID: eventID,
		By: domain.OpenedByOCPP, SampledAt: ts})
	if err == nil {
		b.s.cfg.Observer.Reading("")
	} else {
		b.s.cfg.Observer.Reading(domain.ErrorCode(err))
	}
	return storeErr(err)
}

func (b *ocppBackend) MeterSample(ctx context.Context, chargerID string, smp ocpp.Sample) error {
	if smp.Refused != "" {
		return b.store(ctx, chargerID, func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
			return c.RecordOnce(x, smp.EventID, domain.SampleRefused{ConnectorID: smp.ConnectorID,
				Measurand: smp.Measurand, Value: smp.Value, Reason: smp.Refused, Timestamp: smp.Timestamp.UTC()}), nil
		})
	}
	return b.store(ctx, chargerID, func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return c.RecordOnce(x, smp.EventID, domain.MeterSampled{ConnectorID: smp.ConnectorID,
			Measurand: smp.Measurand, Value: smp.Value, Unit: smp.Unit, Timestamp: smp.Timestamp.UTC()}), nil
	})
}

// Notify records a firmware, diagnostics or security notification.
func (b *ocppBackend) Notify(ctx context.Context, chargerID string, n ocpp.Notification) error {
	var p domain.Payload
	switch n.Action {
	case "FirmwareStatusNotification":
		p = domain.FirmwareStatus{Status: n.Status}
	case "DiagnosticsStatusNotification":
		p = domain.DiagnosticsStatus{Status: n.Status}
	default:
		p = domain.SecurityEventNoted{Kind: n.Kind, Timestamp: n.Time.UTC(), TechInfo: n.TechInfo}
	}
	return b.store(ctx, chargerID, func(c *domain.Charger, x domain.Ctx) ([]domain.Event, error) {
		return c.Record(x, p), nil
	})
}

func (b *ocppBackend) StopTransaction(ctx context.Context, chargerID string, tx ocpp.StopTx) (ocpp.IDTagStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, b.s.cfg.StoreTimeout)
	defer cancel()
	_, err := b.s.cfg.Service.StopTransaction(ctx, chargerID, tx.EventID, domain.TransactionStopped{TransactionID: tx.TransactionID,
		MeterStop: tx.MeterStop, Reason: tx.Reason, Timestamp: tx.Timestamp.UTC()})
	if tx.IDTag == "" {
		return "", storeErr(err)
	}
	return ocpp.IDTagAccepted, storeErr(err)
}
