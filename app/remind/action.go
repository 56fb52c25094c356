package remind

import (
	"context"
	"database/sql"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// Sent is what a manual reminder did.
type Sent struct {
	Person store.Person
	Course string
	// Already: this person was sent a reminder about this course from
	// the coverage pages today; nothing new was queued.
	Already bool
	// Listed: no SMTP server is configured, so the reminder is listed
	// on /admin/reminders instead of emailed.
	Listed bool
}

// Remind queues a reminder to a person about a course they are due soon,
// overdue or expired in, sent by an org admin or by a manager of one of
// the person's teams (org.Coverage.RemindTarget says who may). The job is
// queued in the transaction of the audit entry: both or neither. One a
// day per person and course: a second the same day queues nothing.
func (s *Service) Remind(ctx context.Context, a org.Actor, personID uuid.UUID, module string) (Sent, error) {
	p, _, err := s.cfg.Coverage.RemindTarget(ctx, a, personID, module)
	if err != nil {
		return Sent{}, err
	}
	cat, err := s.cfg.Catalogues.Of(ctx, a.Org)
	if err != nil {
		return Sent{}, err
	}
	now := s.cfg.Now()
	out := Sent{Person: p, Course: courseTitle(cat, module), Listed: !s.cfg.Mail.Enabled()}
	args := ReminderArgs{OrgID: a.Org.ID(), PersonID: p.ID, Module: module, Type: Manual, Period: day(now).Format(dateForm),
		RequestedBy: a.Ref()}
	err = a.Org.InTx(ctx, func(tx *store.Org) error {
		return tx.WithSQLTx(ctx, func(ctx context.Context, sqlTx *sql.Tx) error {
			res, err := s.client.InsertTx(ctx, sqlTx, args, nil)
			if err != nil {
				return err
			}
			if res.UniqueSkippedAsDuplicate {
				out.Already = true
				return nil
			}
			return org.Record(ctx, tx, a, org.ReminderSend, &p.ID, map[string]any{"course": out.Course}, now)
		})
	})
	return out, err
}

// KindWords are the kinds of reminder as the admin page shows them.
var KindWords = map[string]string{
	DueSoon:  "Due within 7 days",
	DueToday: "Due today",
	Overdue:  "Overdue",
	Digest:   "Weekly digest",
	Manual:   "Sent from coverage",
}

// Row is a reminder as the admin page lists it.
type Row struct {
	store.Reminder
	Course string // "" for a digest
	What   string
}

// Listing is the organisation's reminders, newest first.
type Listing struct {
	Rows []Row
	// MailOn: reminders are emailed; otherwise they are only listed here,
	// for the admins to pass on.
	MailOn bool
	// Limit is how many the page shows at most.
	Limit int
}

// ListLimit is how many reminders the admin page lists.
const ListLimit = 200

// Listed is the organisation's latest reminders, for its org admins.
func (s *Service) Listed(ctx context.Context, a org.Actor) (Listing, error) {
	sc, err := s.cfg.Coverage.ScopeOf(ctx, a)
	if err != nil {
		return Listing{}, err
	}
	if !sc.Admin {
		return Listing{}, org.ErrNoCoverage
	}
	rs, err := a.Org.Reminders(ctx, ListLimit)
	if err != nil {
		return Listing{}, err
	}
	cat, err := s.cfg.Catalogues.Of(ctx, a.Org)
	if err != nil {
		return Listing{}, err
	}
	out := Listing{MailOn: s.cfg.Mail.Enabled(), Limit: ListLimit}
	for _, r := range rs {
		row := Row{Reminder: r, What: KindWords[r.Kind]}
		if r.ModuleID != "" {
			row.Course = courseTitle(cat, r.ModuleID)
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

// MailOn reports whether reminders are emailed.
func (s *Service) MailOn() bool { return s.cfg.Mail.Enabled() }
