package remind

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/textproto"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/mail"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// system is the reminders acting in an organisation: as the operator
// would, on the handle of the transaction they run in, so every read
// joins it.
func system(tx *store.Org) org.Actor { return org.Actor{Org: tx, IP: "reminders"} }

// reminderWorker sends (or lists) one reminder.
type reminderWorker struct {
	river.WorkerDefaults[ReminderArgs]
	s *Service
}

// Work checks the reminder is still due, records it, sends it and
// completes the job, all in one transaction of the organisation's: the
// record is the claim (a second worker with the same reminder waits on it
// and then finds it there), and a delivery that fails rolls the record
// back, so River's retry, with backoff, sends it later. A reminder that
// is no longer due (the course was completed, the person left) completes
// with nothing sent.
func (w *reminderWorker) Work(ctx context.Context, job *river.Job[ReminderArgs]) error {
	s := w.s
	a := job.Args
	now := s.cfg.Now()
	outcome := JobSkipped
	err := s.cfg.Store.Org(a.OrgID).InTx(ctx, func(tx *store.Org) error {
		msg, row, ok, err := s.compose(ctx, tx, a, now)
		if err != nil || !ok {
			return err
		}
		row.Sent = s.cfg.Mail.Enabled()
		added, err := tx.AddReminder(ctx, row)
		if err != nil || !added {
			return err
		}
		if row.Sent {
			if err := s.cfg.Mail.Send(ctx, msg); err != nil {
				var refused *textproto.Error
				if errors.As(err, &refused) && refused.Code >= 500 {
					// A permanent refusal (no such mailbox): trying again
					// will not help.
					outcome = JobCancelled
					return river.JobCancel(err)
				}
				return err
			}
			outcome = JobSent
		} else {
			outcome = JobListed
		}
		return tx.WithSQLTx(ctx, func(ctx context.Context, sqlTx *sql.Tx) error {
			_, err := river.JobCompleteTx[*riverdatabasesql.Driver](ctx, sqlTx, job)
			return err
		})
	})
	if err != nil && outcome != JobCancelled {
		outcome = JobFailed
	}
	kind := "reminder"
	if a.Type == Digest {
		kind = "digest"
	}
	s.cfg.Events.JobWorked(kind, outcome, job.Attempt)
	return err
}

// skip is compose's answer for a reminder that is no longer due.
func skip() (mail.Message, store.Reminder, bool, error) {
	return mail.Message{}, store.Reminder{}, false, nil
}

// gone reports whether err means the reminder's person or course is no
// longer there to remind: not found, no longer required, not due.
func gone(err error) bool {
	return errors.Is(err, org.ErrNoCoverage) || errors.Is(err, store.ErrNotFound) || fault.KindOf(err) == fault.Invalid
}

// compose is the reminder's email and record, as of now; false when it is
// no longer due.
func (s *Service) compose(ctx context.Context, tx *store.Org, a ReminderArgs, now time.Time) (mail.Message, store.Reminder, bool, error) {
	o, err := tx.Organisation(ctx)
	if err != nil {
		return mail.Message{}, store.Reminder{}, false, err
	}
	cat, err := s.cfg.Catalogues.Of(ctx, tx)
	if err != nil {
		return mail.Message{}, store.Reminder{}, false, err
	}
	if a.Type == Digest {
		return s.composeDigest(ctx, tx, o, cat, a, now)
	}
	p, d, err := s.cfg.Coverage.RemindTarget(ctx, system(tx), a.PersonID, a.Module)
	if gone(err) {
		return skip()
	}
	if err != nil {
		return mail.Message{}, store.Reminder{}, false, err
	}
	due, _ := dueOf(d)
	if a.Type != Manual {
		// A retry days later is sent only while it still tells the truth:
		// the same due date, and the same stage of it (an overdue
		// reminder may go out in a later week than it was queued for).
		kind, period, ok := kindOf(d, now)
		if !ok || kind != a.Type || periodDue(period) != periodDue(a.Period) {
			return skip()
		}
	}
	msg := s.learnerEmail(p, o.Name, courseTitle(cat, a.Module), a.Module, a.Type, due, now)
	return msg, store.Reminder{PersonID: p.ID, ModuleID: a.Module, Kind: a.Type, Period: a.Period, DueAt: &due, Email: p.Email,
		Subject: msg.Subject, Body: msg.Text, RequestedBy: a.RequestedBy, CreatedAt: now}, true, nil
}

// composeDigest is a manager's digest of this week, listing their teams'
// overdue people as of now.
func (s *Service) composeDigest(ctx context.Context, tx *store.Org, o store.Organisation, cat *content.Catalogue, a ReminderArgs, now time.Time) (mail.Message, store.Reminder, bool, error) {
	if a.Period != week(now) {
		return skip() // last week's, retried too late
	}
	p, err := tx.Person(ctx, a.PersonID)
	if gone(err) || (err == nil && (!p.Active || p.DigestOff)) {
		return skip()
	}
	if err != nil {
		return mail.Message{}, store.Reminder{}, false, err
	}
	teams, err := tx.ManagedTeams(ctx, p.ID)
	if err != nil {
		return mail.Message{}, store.Reminder{}, false, err
	}
	groups, err := tx.Groups(ctx, store.Teams)
	if err != nil {
		return mail.Message{}, store.Reminder{}, false, err
	}
	names := map[uuid.UUID]string{}
	for _, g := range groups {
		names[g.ID] = g.Name
	}
	var lines []lateLine
	for _, team := range teams {
		for _, status := range []string{store.StatusOverdue, store.StatusExpired} {
			ds, err := s.cfg.Coverage.People(ctx, system(tx), &team, "", status)
			if err != nil {
				return mail.Message{}, store.Reminder{}, false, err
			}
			for _, d := range ds {
				due, _ := dueOf(d)
				lines = append(lines, lateLine{Team: names[team], Name: d.Name, Course: courseTitle(cat, d.ModuleID), Due: due,
					Expired: status == store.StatusExpired})
			}
		}
	}
	if len(lines) == 0 {
		return skip()
	}
	slices.SortFunc(lines, func(x, y lateLine) int {
		return cmp.Or(cmp.Compare(x.Team, y.Team), cmp.Compare(x.Name, y.Name), cmp.Compare(x.Course, y.Course))
	})
	msg := s.digestEmail(p, o.Name, lines, now)
	return msg, store.Reminder{PersonID: p.ID, Kind: Digest, Period: a.Period, Email: p.Email, Subject: msg.Subject, Body: msg.Text,
		CreatedAt: now}, true, nil
}

// courseTitle is a course's title in the organisation's catalogue (its id
// when it is no longer served).
func courseTitle(cat *content.Catalogue, id string) string {
	if m, ok := cat.Module(id); ok {
		return m.Title
	}
	return id
}

// scanWorker is the daily scan of every organisation.
type scanWorker struct {
	river.WorkerDefaults[ScanArgs]
	s *Service
}

// Timeout: a large organisation's coverage takes a while; River's
// default (a minute) is for small jobs.
func (w *scanWorker) Timeout(*river.Job[ScanArgs]) time.Duration { return 30 * time.Minute }

// Work scans each organisation in turn; one that fails does not hold up
// the others, and the job is retried (a scan is idempotent: what it
// enqueued before is unique).
func (w *scanWorker) Work(ctx context.Context, job *river.Job[ScanArgs]) error {
	err := w.scan(ctx)
	outcome := JobDone
	if err != nil {
		outcome = JobFailed
	}
	w.s.cfg.Events.JobWorked("scan", outcome, job.Attempt)
	return err
}

func (w *scanWorker) scan(ctx context.Context) error {
	orgs, err := w.s.cfg.Store.Global().Organisations(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, o := range orgs {
		if _, err := w.s.Scan(ctx, o.ID); err != nil {
			errs = append(errs, fmt.Errorf("organisation %s: %w", o.ID, err))
		}
	}
	return errors.Join(errs...)
}

// batch is how many jobs one insert carries.
const batch = 1000

// Scan enqueues the reminders one organisation's people and managers are
// due at now, in the transaction that reads who is due, and returns how
// many jobs were new (the rest were queued or sent already).
func (s *Service) Scan(ctx context.Context, orgID uuid.UUID) (int, error) {
	now := s.cfg.Now()
	n := 0
	err := s.cfg.Store.Org(orgID).InTx(ctx, func(tx *store.Org) error {
		duties, err := s.cfg.Coverage.Outstanding(ctx, system(tx))
		if err != nil {
			return err
		}
		recent, err := tx.RemindersSince(ctx, Overdue, day(now).AddDate(0, 0, -7))
		if err != nil {
			return err
		}
		jobs := Due(orgID, duties, now, recent)
		managers, err := tx.TeamManagers(ctx)
		if err != nil {
			return err
		}
		off := map[uuid.UUID]bool{}
		for _, ms := range managers {
			for _, m := range ms {
				if _, ok := off[m]; ok {
					continue
				}
				p, err := tx.Person(ctx, m)
				if err != nil {
					return err
				}
				off[m] = !p.Active || p.DigestOff
			}
		}
		jobs = append(jobs, Digests(orgID, duties, managers, off, now)...)
		return tx.WithSQLTx(ctx, func(ctx context.Context, sqlTx *sql.Tx) error {
			for part := range slices.Chunk(jobs, batch) {
				params := make([]river.InsertManyParams, len(part))
				for i, j := range part {
					params[i] = river.InsertManyParams{Args: j}
				}
				res, err := s.client.InsertManyTx(ctx, sqlTx, params)
				if err != nil {
					return err
				}
				for _, r := range res {
					if !r.UniqueSkippedAsDuplicate {
						n++
					}
				}
			}
			return nil
		})
	})
	return n, err
}
