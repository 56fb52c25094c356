package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// AuditEntry is one line of the append-only audit log: who did what, to
// whom, when and from where. Detail never holds tokens or secrets.
type AuditEntry struct {
	bun.BaseModel `bun:"table:audit_log,alias:a"`

	ID        int64          `bun:"id,pk,autoincrement"`
	OrgID     *uuid.UUID     `bun:"org_id,type:uuid"`
	At        time.Time      `bun:"at"`
	ActorID   *uuid.UUID     `bun:"actor_id,type:uuid"`
	Action    string         `bun:"action"`
	SubjectID *uuid.UUID     `bun:"subject_id,type:uuid"`
	Detail    map[string]any `bun:"detail,type:jsonb"`
	IP        string         `bun:"ip"`

	// ActorName and SubjectName are filled by AuditLog for display.
	ActorName   string `bun:"actor_name,scanonly"`
	SubjectName string `bun:"subject_name,scanonly"`
}

// Audit appends an entry to the organisation's log. Call it on the
// transaction that makes the change (Org.InTx), so the change and its entry
// are kept or lost together.
func (o *Org) Audit(ctx context.Context, e AuditEntry) error {
	e.OrgID = &o.id
	return o.run(ctx, func(db bun.IDB) error { return insertAudit(ctx, db, e) })
}

// Audit appends an entry that belongs to no organisation (a sign-in with a
// passkey nobody has).
func (g *Global) Audit(ctx context.Context, e AuditEntry) error {
	e.OrgID = nil
	return g.run(ctx, func(db bun.IDB) error { return insertAudit(ctx, db, e) })
}

func insertAudit(ctx context.Context, db bun.IDB, e AuditEntry) error {
	if e.Detail == nil {
		e.Detail = map[string]any{}
	}
	// No RETURNING: the cross-organisation policy lets an org-less entry
	// be written but not read back.
	_, err := db.NewInsert().Model(&e).Returning("NULL").Exec(ctx)
	return wrap("append audit entry", err)
}

// AuditFilter narrows the audit log view.
type AuditFilter struct {
	Action   string     // exact action, e.g. "signin.failed"; empty: all
	PersonID *uuid.UUID // as actor or subject
	Since    time.Time  // inclusive; zero: no bound
	Until    time.Time  // exclusive; zero: no bound
	Limit    int        // at most this many, newest first (default 200)
}

// AuditLog lists the organisation's audit entries, newest first.
func (o *Org) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	var es []AuditEntry
	err := o.run(ctx, func(db bun.IDB) error { return o.auditQuery(db, &es, f).Scan(ctx) })
	return es, wrap("list audit log", err)
}

func (o *Org) auditQuery(db bun.IDB, es *[]AuditEntry, f AuditFilter) *bun.SelectQuery {
	q := db.NewSelect().Model(es).
		ColumnExpr("a.*").
		ColumnExpr("coalesce(actor.name, '') AS actor_name").
		ColumnExpr("coalesce(subject.name, '') AS subject_name").
		Join("LEFT JOIN people AS actor ON actor.id = a.actor_id AND actor.org_id = a.org_id").
		Join("LEFT JOIN people AS subject ON subject.id = a.subject_id AND subject.org_id = a.org_id").
		Where("a.org_id = ?", o.id)
	if f.Action != "" {
		q = q.Where("a.action = ?", f.Action)
	}
	if f.PersonID != nil {
		q = q.Where("(a.actor_id = ? OR a.subject_id = ?)", *f.PersonID, *f.PersonID)
	}
	if !f.Since.IsZero() {
		q = q.Where("a.at >= ?", f.Since)
	}
	if !f.Until.IsZero() {
		q = q.Where("a.at < ?", f.Until)
	}
	return q.OrderExpr("a.at DESC, a.id DESC").Limit(int64(f.Limit))
}
