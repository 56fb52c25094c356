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

// Audit appends an entry.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	if e.Detail == nil {
		e.Detail = map[string]any{}
	}
	_, err := s.db.NewInsert().Model(&e).Exec(ctx)
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
func (s *Store) AuditLog(ctx context.Context, orgID uuid.UUID, f AuditFilter) ([]AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	var es []AuditEntry
	q := s.db.NewSelect().Model(&es).
		ColumnExpr("a.*").
		ColumnExpr("coalesce(actor.name, '') AS actor_name").
		ColumnExpr("coalesce(subject.name, '') AS subject_name").
		Join("LEFT JOIN people AS actor ON actor.id = a.actor_id AND actor.org_id = a.org_id").
		Join("LEFT JOIN people AS subject ON subject.id = a.subject_id AND subject.org_id = a.org_id").
		Where("a.org_id = ?", orgID)
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
	err := q.OrderExpr("a.at DESC, a.id DESC").Limit(int64(f.Limit)).Scan(ctx)
	return es, wrap("list audit log", err)
}
