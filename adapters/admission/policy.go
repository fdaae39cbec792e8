package admission

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/chargebooth/chargebooth/projections"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"
)

// Mode is the device policy.
type Mode string

// Device policies.
const (
	// ModeOpen lets any id connect (demos and tests).
	ModeOpen Mode = "open"
	// ModeEnrolled lets only the devices the booth knows connect: those
	// in the pairing table or on the enrolment list.
	ModeEnrolled Mode = "enrolled"
	// ModeAuthenticated is ModeEnrolled where each device also presents its
	// secret (chargers: HTTP Basic; widgets: ?key= or X-Widget-Key).
	ModeAuthenticated Mode = "authenticated"
)

// ParseMode reads a --devices value.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeOpen, ModeEnrolled, ModeAuthenticated:
		return m, nil
	}
	return "", fmt.Errorf("--devices must be open, enrolled or authenticated, not %q", s)
}

// WidgetKeyHeader is the header a widget may send its key in (instead of
// the ?key= query parameter).
const WidgetKeyHeader = "X-Widget-Key"

// Defaults for Config.
const (
	DefaultReplaceEvery = 2 * time.Second
	// maxTracked bounds the replacement and verification memories.
	maxTracked = 10000
)

// Config is a device policy.
type Config struct {
	Mode Mode
	// Board answers what the booth knows of a device.
	Board *projections.Board
	// ChargerAuth, when set, checks a charger's Basic credentials against
	// another list (the --charger-auth file) in the authenticated mode; it
	// is tried when the enrolled secret does not match or there is none.
	ChargerAuth func(r *http.Request, id string) bool
	// Vouch, when set, reports whether the request's own credential (a
	// TLS client certificate) proves it is the device; then no secret is
	// asked for.
	Vouch func(kind string, r *http.Request, id string) bool
	// NewPerMinute caps the ids of each kind seen for the first time (not
	// enrolled, paired or shown by the board) per minute; 0: no cap.
	NewPerMinute int
	// MaxUnenrolled caps how many devices of each kind that are neither
	// enrolled nor paired the board may show before a new one is refused;
	// 0: no cap.
	MaxUnenrolled int
	// ReplaceEvery is how often a socket holding a live id may be replaced
	// by a new one; DefaultReplaceEvery when 0, no throttle when negative.
	ReplaceEvery time.Duration
	// Ready, when set, tells whether the board has caught up with the
	// stream (nil error). Until it has, a device the board does not know
	// yet may only be behind: it is refused with 503 (enrolled and
	// authenticated modes) or admitted without the new-id caps (open).
	Ready func() error
	// Allowed, when set, tells whether a charger asking to connect with r
	// is on the allow list (--charger-allow); one that is not is refused
	// with 403 whatever the mode. The caller decides which protocols it
	// covers (OCPP chargers are left to their BootNotification's answer).
	Allowed func(r *http.Request, chargerID string) bool
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Refused, when set, hears every refusal: the device kind and a short
	// cause ("starting", "not_enrolled", "unauthorized",
	// "replaced_too_often", "new_ids", "unenrolled_cap", "not_allowed"), for a metric.
	Refused func(kind, cause string)
}

// Policy is a Config at work; it is safe for concurrent use.
type Policy struct {
	cfg Config

	mu       sync.Mutex                   // guards what follows
	replaced map[string]time.Time         // kind/id → last replacement of a live socket
	newIDs   map[string]*rate.Limiter     // kind → new ids
	verified map[string][sha256.Size]byte // kind/id → digest of the hash and secret last verified
}

// New returns the policy of cfg.
func New(cfg Config) *Policy {
	if cfg.Mode == "" {
		cfg.Mode = ModeEnrolled
	}
	if cfg.ReplaceEvery == 0 {
		cfg.ReplaceEvery = DefaultReplaceEvery
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Policy{cfg: cfg, replaced: map[string]time.Time{}, newIDs: map[string]*rate.Limiter{},
		verified: map[string][sha256.Size]byte{}}
}

// Mode returns the policy's mode.
func (p *Policy) Mode() Mode { return p.cfg.Mode }

// Check decides whether a device of kind (domain.DeviceCharger or
// domain.DeviceWidget) may connect as id; live tells whether this
// instance holds a socket for id now (which the new one would replace).
// A status other than 0 refuses it with a plain-text reason; h receives
// WWW-Authenticate or Retry-After. It is a wsconn.Config.Check with the
// kind and live bound.
func (p *Policy) Check(kind string, h http.Header, r *http.Request, id string, live bool) (int, string) {
	status, cause, reason := p.check(kind, h, r, id, live)
	if status != 0 && p.cfg.Refused != nil {
		p.cfg.Refused(kind, cause)
	}
	return status, reason
}

func (p *Policy) check(kind string, h http.Header, r *http.Request, id string, live bool) (int, string, string) {
	a := p.cfg.Board.Admission(kind, id)
	catchingUp := p.cfg.Ready != nil && !a.Known() && p.cfg.Ready() != nil
	if catchingUp && p.cfg.Mode != ModeOpen {
		h.Set("Retry-After", "5")
		return http.StatusServiceUnavailable, "starting", "the booth is not ready yet (it is still reading its pairings and enrolments); retry in a few seconds"
	}
	if kind == domain.DeviceCharger && p.cfg.Allowed != nil && !p.cfg.Allowed(r, id) {
		return http.StatusForbidden, "not_allowed", fmt.Sprintf("charger %s is not on this booth's allow list (--charger-allow)", id)
	}
	if p.cfg.Mode != ModeOpen && !a.Known() {
		how := "pair it"
		if kind == domain.DeviceWidget {
			how = "pair it with a charger"
		}
		return http.StatusForbidden, "not_enrolled", fmt.Sprintf("%s %s is not enrolled on this booth; enrol it with PUT /api/devices/%ss/%s or %s", kind, id, kind, id, how)
	}
	if p.cfg.Mode == ModeAuthenticated {
		if status, reason := p.authenticate(kind, h, r, id, a); status != 0 {
			return status, "unauthorized", reason
		}
	}
	if live && !p.mayReplace(kind, id) {
		h.Set("Retry-After", strconv.Itoa(int((p.cfg.ReplaceEvery+time.Second-1)/time.Second)))
		return http.StatusTooManyRequests, "replaced_too_often", fmt.Sprintf("%s %s reconnected too often; retry in a few seconds", kind, id)
	}
	if a.Known() || a.Seen || catchingUp {
		return 0, "", ""
	}
	if p.cfg.MaxUnenrolled > 0 && a.Unenrolled >= p.cfg.MaxUnenrolled {
		return http.StatusForbidden, "unenrolled_cap", fmt.Sprintf("this booth already knows %d %ss that are not enrolled; %s %s was refused: enrol it with PUT /api/devices/%ss/%s, or retire idle ones", a.Unenrolled, kind, kind, id, kind, id)
	}
	if p.cfg.NewPerMinute > 0 && !p.allowNew(kind) {
		h.Set("Retry-After", "60")
		return http.StatusTooManyRequests, "new_ids", fmt.Sprintf("more than %d new %s ids connected in the last minute; %s %s was refused, retry in a minute or enrol it with PUT /api/devices/%ss/%s", p.cfg.NewPerMinute, kind, kind, id, kind, id)
	}
	return 0, "", ""
}

// authenticate checks the device's secret: 0 when it is right.
func (p *Policy) authenticate(kind string, h http.Header, r *http.Request, id string, a projections.Admission) (int, string) {
	if p.cfg.Vouch != nil && p.cfg.Vouch(kind, r, id) {
		return 0, ""
	}
	if kind == domain.DeviceCharger {
		h.Set("WWW-Authenticate", `Basic realm="chargebooth chargers"`)
		user, pass, ok := r.BasicAuth()
		if !ok {
			return http.StatusUnauthorized, fmt.Sprintf("charger %s sent no credentials; log in with HTTP Basic auth (user %s, password its secret)", id, id)
		}
		if subtle.ConstantTimeCompare([]byte(user), []byte(id)) != 1 {
			return http.StatusUnauthorized, fmt.Sprintf("charger %s credentials are wrong (the user name must be the charger id)", id)
		}
		if a.Enrolled && a.Device.HasSecret() && p.verify(kind, id, a.Device.SecretHash, pass) {
			return 0, ""
		}
		if p.cfg.ChargerAuth != nil && p.cfg.ChargerAuth(r, id) {
			return 0, ""
		}
		if !a.Device.HasSecret() && p.cfg.ChargerAuth == nil {
			return http.StatusUnauthorized, fmt.Sprintf("charger %s has no secret on this booth; give it one with PUT /api/devices/chargers/%s", id, id)
		}
		return http.StatusUnauthorized, fmt.Sprintf("charger %s credentials are wrong", id)
	}
	key := r.URL.Query().Get("key")
	if key == "" {
		key = r.Header.Get(WidgetKeyHeader)
	}
	if !a.Device.HasSecret() {
		return http.StatusUnauthorized, fmt.Sprintf("widget %s has no key on this booth; give it one with PUT /api/devices/widgets/%s", id, id)
	}
	if key == "" {
		return http.StatusUnauthorized, fmt.Sprintf("widget %s sent no key; connect with ?key=<its key> or the %s header", id, WidgetKeyHeader)
	}
	if !p.verify(kind, id, a.Device.SecretHash, key) {
		return http.StatusUnauthorized, fmt.Sprintf("widget %s key is wrong", id)
	}
	return 0, ""
}

// verify compares a secret with its bcrypt hash. A pair verified before is
// remembered (by a digest, never the secret), so a device that reconnects
// costs no second bcrypt; a wrong secret always costs one.
func (p *Policy) verify(kind, id, hash, secret string) bool {
	k := domain.DeviceKey(kind, id)
	d := sha256.Sum256([]byte(hash + "\x00" + secret))
	p.mu.Lock()
	known, ok := p.verified[k]
	p.mu.Unlock()
	if ok && subtle.ConstantTimeCompare(known[:], d[:]) == 1 {
		return true
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(secret)) != nil {
		return false
	}
	p.mu.Lock()
	if len(p.verified) >= maxTracked {
		clear(p.verified)
	}
	p.verified[k] = d
	p.mu.Unlock()
	return true
}

// mayReplace reports whether a live socket of id may be replaced now, and
// if so remembers when.
func (p *Policy) mayReplace(kind, id string) bool {
	if p.cfg.ReplaceEvery < 0 {
		return true
	}
	now := p.cfg.Now()
	k := domain.DeviceKey(kind, id)
	p.mu.Lock()
	defer p.mu.Unlock()
	if last, ok := p.replaced[k]; ok && now.Sub(last) < p.cfg.ReplaceEvery {
		return false
	}
	if len(p.replaced) >= maxTracked {
		for key, t := range p.replaced {
			if now.Sub(t) >= p.cfg.ReplaceEvery {
				delete(p.replaced, key)
			}
		}
		if len(p.replaced) >= maxTracked {
			clear(p.replaced)
		}
	}
	p.replaced[k] = now
	return true
}

// allowNew takes one of kind's new-id tokens.
func (p *Policy) allowNew(kind string) bool {
	p.mu.Lock()
	lim, ok := p.newIDs[kind]
	if !ok {
		lim = rate.NewLimiter(rate.Every(time.Minute/time.Duration(p.cfg.NewPerMinute)), p.cfg.NewPerMinute)
		p.newIDs[kind] = lim
	}
	p.mu.Unlock()
	return lim.AllowN(p.cfg.Now(), 1)
}
