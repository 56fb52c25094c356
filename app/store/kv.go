package store

import (
	"context"
	"time"
)

// KV is a fiber.Storage over the kv table, so CSRF tokens and rate-limit
// counters are shared by every app server. fiber.Storage's contract has no
// context and wants (nil, nil) for a missing key, unlike the rest of the
// store. Its errors are classified like the rest (a database it cannot
// reach is fault.Unavailable), but Fiber's middleware drops them: the web
// layer's CSRF storage keeps them (see web.csrfProtection).
type KV struct {
	s   *Store
	now func() time.Time
}

// KV returns the key/value storage; now is the clock used for expiry.
func (s *Store) KV(now func() time.Time) *KV { return &KV{s: s, now: now} }

func kvCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 5*time.Second)
}

// Get returns the value, or nil if the key is missing or expired.
func (k *KV) Get(key string) ([]byte, error) {
	ctx, cancel := kvCtx()
	defer cancel()
	var vals [][]byte
	err := k.s.db.NewSelect().Table("kv").Column("value").Where("key = ?", key).
		Where("(expires_at IS NULL OR expires_at > ?)", k.now()).Scan(ctx, &vals)
	if err != nil {
		return nil, wrap("kv get", err)
	}
	if len(vals) == 0 {
		return nil, nil
	}
	return vals[0], nil
}

// Set stores a value; exp 0 means no expiry.
func (k *KV) Set(key string, val []byte, exp time.Duration) error {
	if key == "" || len(val) == 0 {
		return nil
	}
	ctx, cancel := kvCtx()
	defer cancel()
	var expires *time.Time
	if exp > 0 {
		t := k.now().Add(exp)
		expires = &t
	}
	_, err := k.s.db.NewRaw(`INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`,
		key, val, expires).Exec(ctx)
	return wrap("kv set", err)
}

// Delete removes a key.
func (k *KV) Delete(key string) error {
	ctx, cancel := kvCtx()
	defer cancel()
	_, err := k.s.db.NewDelete().Table("kv").Where("key = ?", key).Exec(ctx)
	return wrap("kv delete", err)
}

// Reset removes every key.
func (k *KV) Reset() error {
	ctx, cancel := kvCtx()
	defer cancel()
	_, err := k.s.db.NewDelete().Table("kv").Where("TRUE").Exec(ctx)
	return wrap("kv reset", err)
}

// Close does nothing: the database belongs to the Store.
func (k *KV) Close() error { return nil }
