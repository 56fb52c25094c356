package org

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/store"
)

// Large organisations' trend and evaluation are served from snapshots
// (docs/coverage.md, "Large organisations"): both are worked out from the
// organisation's whole history, which at tens of thousands of people is a
// million rows and seconds of work. An organisation whose figures rest on
// at least SnapshotRows rows gets them from a snapshot at most
// SnapshotMaxAge old; an older one is still served while a fresh one is
// worked out in the background. Smaller organisations are always worked
// out as they are asked for, and keep no snapshot.
const (
	SnapshotRows   = 20000
	SnapshotMaxAge = 15 * time.Minute
)

// CoverageOption changes how the coverage service works.
type CoverageOption func(*Coverage)

// WithSnapshots serves from snapshots the figures that rest on at least
// rows rows, for at most maxAge (tests make every organisation large).
func WithSnapshots(rows int, maxAge time.Duration) CoverageOption {
	return func(c *Coverage) { c.snapRows, c.snapAge = rows, maxAge }
}

// WithLog is where the service reports a background refresh that failed.
func WithLog(log *slog.Logger) CoverageOption {
	return func(c *Coverage) { c.log = log }
}

// snapshotScope is the key of one view's snapshot: whose teams it covers
// (every team for an admin) and how it was narrowed. Views with the same
// key show the same figures, so they may share a snapshot.
func snapshotScope(sc Scope, team *uuid.UUID, module string) string {
	var b strings.Builder
	if sc.Admin {
		b.WriteString("teams=*")
	} else {
		ids := make([]string, len(sc.Teams))
		for i, t := range sc.Teams {
			ids[i] = t.String()
		}
		slices.Sort(ids)
		b.WriteString("teams=" + strings.Join(ids, ","))
	}
	if team != nil {
		b.WriteString(";team=" + team.String())
	}
	if module != "" {
		b.WriteString(";module=" + module)
	}
	return b.String()
}

// snapshotted is work's figures for the view key of kind: from the
// organisation's snapshot when it has one resting on enough rows (its
// time as asOf, refreshed in the background when older than the maximum
// age), else worked out now (asOf zero), and kept as a snapshot when
// they rest on enough rows. work returns the figures and how many rows
// they were worked out from.
func snapshotted[T any](ctx context.Context, c *Coverage, a Actor, kind, key string,
	work func(context.Context) (T, int, error)) (figures T, asOf time.Time, err error) {
	snap, err := a.Org.Snapshot(ctx, kind, key)
	switch {
	case err == nil && snap.Rows >= c.snapRows:
		if json.Unmarshal(snap.Data, &figures) == nil {
			if c.now().Sub(snap.ComputedAt) > c.snapAge {
				refresh(c, a, kind, key, work)
			}
			return figures, snap.ComputedAt, nil
		}
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return figures, time.Time{}, err
	}
	figures, err = workOut(ctx, c, a, kind, key, false, work)
	return figures, time.Time{}, err
}

// refresh works out a fresh snapshot of kind and key in the background,
// unless this server is already doing so.
func refresh[T any](c *Coverage, a Actor, kind, key string, work func(context.Context) (T, int, error)) {
	flight := a.Org.ID().String() + "|" + kind + "|" + key
	if _, busy := c.refreshing.LoadOrStore(flight, true); busy {
		return
	}
	go func() {
		defer c.refreshing.Delete(flight)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if _, err := workOut(ctx, c, a, kind, key, true, work); err != nil {
			c.log.Warn("coverage snapshot not refreshed", "org", a.Org.ID(), "kind", kind, "err", err)
		}
	}()
}

// workOut runs work and keeps its figures as the snapshot of kind and key
// when they rest on enough rows, or always when replacing one.
func workOut[T any](ctx context.Context, c *Coverage, a Actor, kind, key string, replace bool,
	work func(context.Context) (T, int, error)) (T, error) {
	start := c.now()
	figures, rows, err := work(ctx)
	if err != nil || (rows < c.snapRows && !replace) {
		return figures, err
	}
	data, err := json.Marshal(figures)
	if err != nil {
		return figures, fmt.Errorf("org: snapshot of the %s: %w", kind, err)
	}
	return figures, a.Org.SaveSnapshot(ctx, store.Snapshot{Kind: kind, Scope: key, ComputedAt: start,
		Took: c.now().Sub(start), Rows: rows, Data: data})
}
