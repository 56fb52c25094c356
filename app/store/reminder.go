package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Reminder is one reminder email made for a person (migration
// 20261203120000_reminders): sent, or, with no SMTP server configured,
// only listed for the organisation's admins. There is at most one per
// person, course, kind and period.
type Reminder struct {
	bun.BaseModel `bun:"table:reminders,alias:rm"`

	ID       uuid.UUID `bun:"id,pk,type:uuid,default:gen_random_uuid()"`
	OrgID    uuid.UUID `bun:"org_id,type:uuid"`
	PersonID uuid.UUID `bun:"person_id,type:uuid"`
	// ModuleID is the course ("" for a manager's digest).
	ModuleID string `bun:"module_id"`
	Kind     string `bun:"kind"`
	// Period tells one occurrence of a kind from the next (a due date, an
	// overdue week, a digest's ISO week, a day).
	Period      string     `bun:"period"`
	DueAt       *time.Time `bun:"due_at"`
	Email       string     `bun:"email"`
	Subject     string     `bun:"subject"`
	Body        string     `bun:"body"`
	Sent        bool       `bun:"sent"`
	RequestedBy *uuid.UUID `bun:"requested_by,type:uuid"`
	CreatedAt   time.Time  `bun:"created_at"`

	// Name is the person's name (filled by Reminders).
	Name string `bun:"name,scanonly"`
}

// AddReminder records r unless the organisation already has a reminder of
// the same person, course, kind and period; it reports whether r was
// added. Inside a transaction that has not committed, a second one adding
// the same reminder waits for the first and then adds nothing, so two
// workers can never both record (and send) it.
func (o *Org) AddReminder(ctx context.Context, r Reminder) (bool, error) {
	r.ID, r.OrgID = uuid.New(), o.id
	var added bool
	err := o.run(ctx, func(db bun.IDB) error {
		res, err := db.NewInsert().Model(&r).On("CONFLICT (org_id, person_id, module_id, kind, period) DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		added = n == 1
		return err
	})
	return added, wrap("add reminder", err)
}

// Reminders lists the organisation's reminders, newest first, at most
// limit of them.
func (o *Org) Reminders(ctx context.Context, limit int) ([]Reminder, error) {
	var rs []Reminder
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&rs).ColumnExpr("rm.*").ColumnExpr("p.name").
			Join("JOIN people p ON p.org_id = rm.org_id AND p.id = rm.person_id").
			Where("rm.org_id = ?", o.id).Order("rm.created_at DESC", "rm.id").Limit(int64(limit)).Scan(ctx)
	})
	return rs, wrap("list reminders", err)
}

// RemindersSince lists the organisation's reminders of one kind made at
// or after since (for "at most weekly").
func (o *Org) RemindersSince(ctx context.Context, kind string, since time.Time) ([]Reminder, error) {
	var rs []Reminder
	err := o.run(ctx, func(db bun.IDB) error {
		return db.NewSelect().Model(&rs).Where("rm.org_id = ? AND rm.kind = ? AND rm.created_at >= ?", o.id, kind, since).
			Order("rm.created_at").Scan(ctx)
	})
	return rs, wrap("list recent reminders", err)
}

// WithSQLTx runs fn with the handle's database transaction (a new one
// bound to the organisation when the handle has none): for the job queue,
// which writes its jobs in the transaction of the change that causes them,
// so a change rolled back leaves no job. fn must touch nothing of the
// organisation's but through the handle.
func (o *Org) WithSQLTx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	return o.InTx(ctx, func(h *Org) error {
		tx, ok := h.tx.(bun.Tx)
		if !ok {
			return errors.New("store: no database transaction")
		}
		return fn(ctx, tx.Tx)
	})
}

// SetDigestOff turns the weekly digest of the person's teams' overdue
// people off (or on again). Their own reminders are not affected.
func (m *Member) SetDigestOff(ctx context.Context, off bool) error {
	return m.run(ctx, func(db bun.IDB) error {
		res, err := db.NewUpdate().Table("people").Set("digest_off = ?", off).
			Where("org_id = ? AND id = ?", m.o.id, m.id).Exec(ctx)
		return affected("set digest", res, err)
	})
}
