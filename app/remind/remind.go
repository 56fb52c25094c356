// Package remind sends reminder emails about required courses
// (docs/coverage.md, "Reminders"): to a learner when a course falls due in
// 7 days, on the due date, and weekly while it is overdue; to a team's
// managers, a weekly digest of their teams' overdue people; and one an org
// admin or a manager sends from the coverage pages.
//
// River (a job queue on PostgreSQL) schedules and sends them. A daily
// periodic job, which only River's elected leader among the app servers
// enqueues, finds who is due in each organisation and enqueues one job per
// reminder in that organisation's transaction; a manual reminder's job is
// enqueued in the transaction of its audit entry. Jobs are unique by
// person, course, kind and period, and the reminders table (one row per
// reminder, written in the transaction that completes the job) makes sure
// none is sent twice even after River has forgotten the job. A failed
// delivery rolls that transaction back and River retries it with backoff.
// Without an SMTP server the row is the reminder: admins see it on
// /admin/reminders.
package remind

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"github.com/upstand/upstand/app/catalogue"
	"github.com/upstand/upstand/app/mail"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// The kinds of reminder (store.Reminder.Kind).
const (
	// DueSoon: the course falls due within 7 days (sent once per due
	// date, normally 7 days before it).
	DueSoon = "due_soon"
	// DueToday: the course falls due today.
	DueToday = "due_today"
	// Overdue: the due date (or the refresher's) has passed; at most once
	// a week.
	Overdue = "overdue"
	// Digest: a manager's weekly list of their teams' overdue people.
	Digest = "digest"
	// Manual: sent by an org admin or a manager from the coverage pages,
	// at most once a day per person and course.
	Manual = "manual"
)

// Queue is River's queue for reminders.
const Queue = "reminders"

// CoveragePath is the coverage dashboard, linked from managers' digests.
const CoveragePath = "/coverage"

// ReminderArgs is the job that sends (or lists) one reminder. The
// fields marked unique are River's unique key: a second job for the same
// person, course, kind and period is not inserted while the first is
// queued, running or kept as completed.
type ReminderArgs struct {
	OrgID    uuid.UUID `json:"org_id" river:"unique"`
	PersonID uuid.UUID `json:"person_id" river:"unique"`
	// Module is the course; "" for a digest.
	Module string `json:"module" river:"unique"`
	// Type is the kind of reminder (Kind is River's name for the job's
	// type).
	Type   string `json:"type" river:"unique"`
	Period string `json:"period" river:"unique"`
	// RequestedBy is who sent a manual reminder.
	RequestedBy *uuid.UUID `json:"requested_by,omitempty"`
}

// Kind is the job's kind in River.
func (ReminderArgs) Kind() string { return "reminder" }

// InsertOpts: the reminders queue, unique by the args marked unique.
func (ReminderArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// ScanArgs is the daily job that finds who is due and enqueues their
// reminders.
type ScanArgs struct{}

// Kind is the job's kind in River.
func (ScanArgs) Kind() string { return "reminder_scan" }

// InsertOpts: the reminders queue, at most one scan an hour (servers
// restarting together each ask for one on start).
func (ScanArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}

// Config is what the service needs.
type Config struct {
	Store      *store.Store
	Coverage   *org.Coverage
	Catalogues *catalogue.Catalogues
	// DB is the application's pool (whose connections run as the
	// application role): River reads and writes its jobs through it.
	DB *sql.DB
	// Listener, if set, gives River connections to LISTEN on, so a new job
	// or a change of leader is noticed at once; without it River polls
	// (a new job waits up to a second, a new leader up to five).
	Listener *pgxpool.Pool
	// Mail sends; nil lists reminders instead (no SMTP server).
	Mail    *mail.Sender
	BaseURL *url.URL
	Now     func() time.Time
	Log     *slog.Logger
	// Workers is how many reminders one server sends at once (2 when 0).
	Workers int
	// Schedule is when the daily scan runs: 06:00 UTC when nil. NoScan
	// leaves the scan out (tests that enqueue by hand).
	Schedule river.PeriodicSchedule
	NoScan   bool
	// RetryPolicy overrides River's backoff (attempt⁴ seconds, with
	// jitter); for tests.
	RetryPolicy river.ClientRetryPolicy
	// ID names this server's River client (River makes one when empty).
	ID string
	// Events is told what each job came to (metrics.Metrics is one);
	// nil tells no one.
	Events Events
}

// Events hears what each job came to, when it has come to it: kind is
// "reminder", "digest" or "scan"; attempt counts from 1, so a greater one
// is a retry of a job that failed before.
type Events interface {
	JobWorked(kind, outcome string, attempt int)
}

// What one working of a job came to (Events' outcome).
const (
	JobSent      = "sent"      // emailed
	JobListed    = "listed"    // recorded for /admin/reminders (no SMTP server)
	JobSkipped   = "skipped"   // no longer due, or sent already
	JobDone      = "done"      // a scan that queued what was due
	JobFailed    = "failed"    // an error: River retries it with backoff, up to its attempts
	JobCancelled = "cancelled" // refused for good (no such mailbox): not retried
)

// noEvents is Events for no one.
type noEvents struct{}

func (noEvents) JobWorked(string, string, int) {}

// Service is the reminders: the River client that schedules, sends and
// retries them, the manual action and the admins' list.
type Service struct {
	cfg    Config
	client *river.Client[*sql.Tx]
}

// Daily is a schedule that fires every day at the given hour, UTC.
type Daily int

// Next is the next hour-o'clock after t.
func (h Daily) Next(t time.Time) time.Time {
	t = t.UTC()
	next := time.Date(t.Year(), t.Month(), t.Day(), int(h), 0, 0, 0, time.UTC)
	if !next.After(t) {
		next = next.AddDate(0, 0, 1)
	}
	return next
}

// New builds the service and its River client; Start starts working jobs.
// Without Start the service still enqueues (the web tests' servers).
func New(cfg Config) (*Service, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Workers == 0 {
		cfg.Workers = 2
	}
	if cfg.Schedule == nil {
		cfg.Schedule = Daily(6)
	}
	if cfg.Events == nil {
		cfg.Events = noEvents{}
	}
	s := &Service{cfg: cfg}
	workers := river.NewWorkers()
	river.AddWorker(workers, &reminderWorker{s: s})
	river.AddWorker(workers, &scanWorker{s: s})
	driver := riverdatabasesql.New(cfg.DB)
	if cfg.Listener != nil {
		driver = riverdatabasesql.NewWithPgxListener(cfg.DB, cfg.Listener)
	}
	rc := &river.Config{
		ID:          cfg.ID,
		Logger:      slog.New(warnings{cfg.Log.Handler()}),
		Queues:      map[string]river.QueueConfig{Queue: {MaxWorkers: cfg.Workers}},
		Workers:     workers,
		RetryPolicy: cfg.RetryPolicy,
		PollOnly:    cfg.Listener == nil,
		// Reindexing needs the tables' owner; the application role is
		// not (docs/operations.md says when to reindex by hand).
		ReindexerIndexNames: []string{},
	}
	if !cfg.NoScan {
		rc.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(cfg.Schedule,
			func() (river.JobArgs, *river.InsertOpts) { return ScanArgs{}, nil },
			// River's periodic schedule lives in the leader's memory: a
			// new leader (a restart, say) asks for a scan at once, or a
			// day could pass with none.
			&river.PeriodicJobOpts{ID: "reminder_scan", RunOnStart: true})}
	}
	client, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, fmt.Errorf("remind: %w", err)
	}
	s.client = client
	return s, nil
}

// Start works jobs until Stop; ctx is for starting only.
func (s *Service) Start(ctx context.Context) error {
	if err := s.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("remind: start the job queue: %w", err)
	}
	return nil
}

// Stop lets running jobs finish until ctx ends, then cancels them (a
// cancelled delivery is retried later, by this server or another).
func (s *Service) Stop(ctx context.Context) error {
	err := s.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return s.client.StopAndCancel(stop)
	}
	return err
}

// Client is the River client, for tests that watch jobs.
func (s *Service) Client() *river.Client[*sql.Tx] { return s.client }

// warnings passes on River's warnings and errors only: its information
// lines (a leader elected, a queue started) would drown the server's log.
type warnings struct{ slog.Handler }

func (w warnings) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && w.Handler.Enabled(ctx, l)
}
func (w warnings) WithAttrs(as []slog.Attr) slog.Handler { return warnings{w.Handler.WithAttrs(as)} }
func (w warnings) WithGroup(name string) slog.Handler    { return warnings{w.Handler.WithGroup(name)} }
