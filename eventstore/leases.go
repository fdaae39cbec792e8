package eventstore

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/chargebooth/chargebooth/domain"
	"github.com/nats-io/nats.go/jetstream"
)

var _ domain.Leases = (*Leases)(nil)

// Defaults of LeaseConfig.
const (
	// DefaultLeaseBucket is the KV bucket holding instance leases.
	DefaultLeaseBucket = "cb-leases"
	// DefaultLeaseTTL is how long a lease lasts without renewal.
	DefaultLeaseTTL = 15 * time.Second
	// DefaultLeaseForget is how long an expired lease is still reported.
	DefaultLeaseForget = time.Hour
)

// LeaseConfig configures OpenLeases. The zero value is the default.
type LeaseConfig struct {
	// Bucket is the KV bucket's name; empty means DefaultLeaseBucket.
	Bucket string
	// TTL is how long a lease lasts after its last renewal; Hold renews
	// it every TTL/3. 0 means DefaultLeaseTTL.
	TTL time.Duration
	// Forget is how long a lease that expired or was released is still
	// reported by Expired before it is removed from the bucket; 0 means
	// DefaultLeaseForget. Survivors must call Expired more often.
	Forget time.Duration
	// Now is the clock leases' ages are measured with; nil means
	// time.Now. A renewal's time is the server's, so the instances'
	// clocks should agree with it to well within the TTL.
	Now domain.Clock
}

// Leases implements domain.Leases with a JetStream KV bucket: one key per
// instance, put by Hold every TTL/3 and deleted when Hold ends. The bucket
// has no MaxAge: a lease whose holder died stays in it, and is known to
// have expired because its last put (the entry's Created time) is older
// than the TTL. Leases expired or released longer than Forget ago are
// purged by Expired, so the bucket does not grow with instances that come
// and go.
type Leases struct {
	kv     jetstream.KeyValue
	stream jetstream.Stream // the bucket's stream, for purges
	cfg    LeaseConfig
	log    *slog.Logger // the store's
}

// OpenLeases creates the lease bucket beside st's stream (with its replica
// count and storage), or updates it, and returns the leases in it.
func OpenLeases(ctx context.Context, st *Store, cfg LeaseConfig) (*Leases, error) {
	if cfg.Bucket == "" {
		cfg.Bucket = DefaultLeaseBucket
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultLeaseTTL
	}
	if cfg.Forget <= 0 {
		cfg.Forget = DefaultLeaseForget
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	kv, err := st.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      cfg.Bucket,
		Description: "chargebooth instance leases",
		History:     1,
		Storage:     st.cfg.storage(),
		Replicas:    st.cfg.Replicas,
	})
	if err != nil {
		return nil, classify("lease bucket "+cfg.Bucket, err)
	}
	stream, err := st.js.Stream(ctx, "KV_"+cfg.Bucket)
	if err != nil {
		return nil, classify("lease bucket "+cfg.Bucket, err)
	}
	return &Leases{kv: kv, stream: stream, cfg: cfg, log: st.cfg.Log}, nil
}

// TTL returns how long a lease lasts without renewal.
func (l *Leases) TTL() time.Duration { return l.cfg.TTL }

// Hold renews instance's lease every TTL/3 until ctx ends, then deletes
// it, so that the other instances see it released at once. A renewal that
// fails is logged and tried again at the next tick. It returns nil when
// ctx ends, or an error at once for an empty instance name.
func (l *Leases) Hold(ctx context.Context, instance string) error {
	if instance == "" {
		return errors.New("hold lease: no instance name")
	}
	renew := func() {
		c, cancel := context.WithTimeout(ctx, l.cfg.TTL/3)
		defer cancel()
		if err := l.Renew(c, instance); err != nil && ctx.Err() == nil {
			l.log.Warn("lease not renewed", "instance", instance, "err", err)
		}
	}
	renew()
	t := time.NewTicker(l.cfg.TTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if err := l.kv.Delete(c, leaseKey(instance)); err != nil {
				l.log.Warn("lease not released; it expires by itself", "instance", instance, "in", l.cfg.TTL, "err", err)
			}
			return nil
		case <-t.C:
			renew()
		}
	}
}

// Renew puts instance's lease once: it lasts TTL from now. Hold calls it;
// an instance that renews once and then dies leaves a lease that expires.
func (l *Leases) Renew(ctx context.Context, instance string) error {
	if _, err := l.kv.Put(ctx, leaseKey(instance), []byte(instance)); err != nil {
		return classify("renew lease "+instance, err)
	}
	return nil
}

// Expired returns, sorted, the instances whose lease was released (Hold
// ended) or was last renewed more than TTL ago, as of now. Leases expired
// longer than Forget ago are purged and no longer reported.
func (l *Leases) Expired(ctx context.Context) ([]string, error) {
	w, err := l.kv.WatchAll(ctx, jetstream.MetaOnly())
	if err != nil {
		return nil, classify("expired leases", err)
	}
	defer w.Stop()
	now := l.cfg.Now()
	var out, forget []string
	for {
		var e jetstream.KeyValueEntry
		select {
		case <-ctx.Done():
			return nil, unavailable("expired leases", ctx.Err())
		case e = <-w.Updates():
		}
		if e == nil {
			break
		}
		name, ok := instanceOf(e.Key())
		if !ok {
			continue
		}
		age := now.Sub(e.Created())
		if e.Operation() == jetstream.KeyValuePut && age <= l.cfg.TTL {
			continue
		}
		if age > l.cfg.Forget+l.cfg.TTL {
			forget = append(forget, e.Key())
			continue
		}
		out = append(out, name)
	}
	w.Stop()
	for _, key := range forget {
		if err := l.stream.Purge(ctx, jetstream.WithPurgeSubject("$KV."+l.cfg.Bucket+"."+key)); err != nil {
			l.log.Warn("old lease not purged", "key", key, "err", err)
		}
	}
	sort.Strings(out)
	return out, nil
}

// leaseKey returns the KV key of an instance: its name when that is a
// valid key, else "=" and its name in unpadded base64url.
func leaseKey(instance string) string {
	if validLeaseKey(instance) && !strings.HasPrefix(instance, "=") {
		return instance
	}
	return "=" + base64.RawURLEncoding.EncodeToString([]byte(instance))
}

// instanceOf is the inverse of leaseKey.
func instanceOf(key string) (string, bool) {
	enc, ok := strings.CutPrefix(key, "=")
	if !ok {
		return key, true
	}
	b, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// validLeaseKey reports whether s is a KV key made of the characters
// nats.go accepts, with no empty token.
func validLeaseKey(s string) bool {
	if s == "" || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '/' || c == '=' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}
