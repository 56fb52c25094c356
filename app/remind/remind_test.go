package remind_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/fixture"
	"github.com/upstand/upstand/app/mail"
	"github.com/upstand/upstand/app/mail/mailtest"
	"github.com/upstand/upstand/app/metrics"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/remind"
	"github.com/upstand/upstand/app/store"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// world is an organisation with a team of learners, a course required of
// the team (due in 10 days from today), a manager of the team, and the
// services over it, on a fresh database.
type world struct {
	app, owner *bun.DB
	st         *store.Store
	svc        fixture.Services
	clock      *fixture.Clock
	org        store.Organisation
	admin      org.Actor
	team       store.Group
	learners   []store.Person
	manager    store.Person
	module     string
	due        time.Time // the due date, at noon
}

// people are everyone the course is required of: the team's learners and
// its manager, who is in it too.
func (w *world) people() int { return len(w.learners) + 1 }

func newWorld(t *testing.T, learners int) *world {
	t.Helper()
	ctx := context.Background()
	cat, err := content.Load(os.DirFS("../.."))
	if err != nil {
		t.Fatal(err)
	}
	// Noon, one to seven days from today, so that the due date (ten days
	// on) is a Wednesday and weeks fall the same way in every run. The
	// memberships' joining times are PostgreSQL's now(), earlier: the
	// requirement's own date decides the due date.
	now := time.Now().UTC()
	start := time.Date(now.Year(), now.Month(), now.Day()+1, 12, 0, 0, 0, time.UTC)
	for start.AddDate(0, 0, 10).Weekday() != time.Wednesday {
		start = start.AddDate(0, 0, 1)
	}
	w := &world{clock: fixture.NewClock(start)}
	w.app, w.owner = dbtest.NewWithAdmin(t)
	w.st = store.New(w.app)
	w.svc = fixture.NewServices(w.st, cat, w.clock.Now)
	o, admin, _, err := w.svc.Org.CreateOrganisation(ctx, "Rowan Trust", "Rowan Admin", "admin@rowan.example")
	if err != nil {
		t.Fatal(err)
	}
	w.org, w.admin = o, org.ActorFor(w.st, admin, "192.0.2.1")
	op := org.Operator(w.st, o.ID, "operator")
	if w.team, err = w.svc.Org.CreateGroup(ctx, op, store.Teams, "Ward 7"); err != nil {
		t.Fatal(err)
	}
	for i := range learners {
		p, _, err := w.svc.Org.Invite(ctx, op, store.PersonDetails{Name: fmt.Sprintf("Learner %02d", i), Email: fmt.Sprintf("l%02d@rowan.example", i),
			Teams: []uuid.UUID{w.team.ID}})
		if err != nil {
			t.Fatal(err)
		}
		w.learners = append(w.learners, p)
	}
	if w.manager, _, err = w.svc.Org.Invite(ctx, op, store.PersonDetails{Name: "Mo Manager", Email: "mo@rowan.example",
		Teams: []uuid.UUID{w.team.ID}}); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Coverage.SetManager(ctx, w.admin, w.team.ID, w.manager.ID, true); err != nil {
		t.Fatal(err)
	}
	w.module = cat.Modules[0].ID
	if _, err := w.svc.Coverage.AddRequirement(ctx, w.admin, org.RequirementInput{ModuleID: w.module, TeamID: &w.team.ID, DueDays: 10,
		Refresher: store.RefresherNever}); err != nil {
		t.Fatal(err)
	}
	w.due = w.clock.Now().AddDate(0, 0, 10)
	return w
}

// service is one app server's reminders over the world's database,
// sending to smtp (nil: no SMTP server).
func (w *world) service(t *testing.T, smtp *mailtest.Server, id string) *remind.Service {
	t.Helper()
	return w.serviceWith(t, smtp, remind.Config{NoScan: true, ID: id})
}

// serviceWith is service with more of the configuration given.
func (w *world) serviceWith(t *testing.T, smtp *mailtest.Server, cfg remind.Config) *remind.Service {
	t.Helper()
	var sender *mail.Sender
	if smtp != nil {
		var err error
		if sender, err = mail.New(mail.Config{Addr: smtp.Addr, From: "Upstand <upstand@rowan.example>", Now: w.clock.Now}); err != nil {
			t.Fatal(err)
		}
	}
	base, _ := url.Parse("https://learn.rowan.example")
	cfg.Store, cfg.Coverage, cfg.Catalogues, cfg.DB = w.st, w.svc.Coverage, w.svc.Catalogues, w.app.DB
	cfg.Mail, cfg.BaseURL, cfg.Now = sender, base, w.clock.Now
	s, err := remind.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// start works s's jobs until the test ends.
func start(t *testing.T, s *remind.Service) {
	t.Helper()
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(context.Background()); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
}

// waitFor reads events until n of the wanted kind came, and returns them.
func waitFor(t *testing.T, events <-chan *river.Event, kind river.EventKind, n int) []*river.Event {
	t.Helper()
	var got []*river.Event
	for len(got) < n {
		select {
		case e := <-events:
			if e.Kind == kind {
				got = append(got, e)
			}
		case <-t.Context().Done():
			t.Fatalf("%d of %d %s events", len(got), n, kind)
		}
	}
	return got
}

// jobs counts the reminder jobs in the queue (as the owner).
func (w *world) jobs(t *testing.T) int {
	t.Helper()
	n, err := w.owner.NewSelect().Table("river_job").Where("kind = 'reminder'").Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func (w *world) reminders(t *testing.T) []store.Reminder {
	t.Helper()
	rs, err := w.st.Org(w.org.ID).Reminders(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// A manual reminder's job is queued in the transaction of its audit
// entry: when the entry cannot be written, the change is rolled back and
// no job is left.
func TestReminderQueuedInTheChangesTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 1)
	s := w.service(t, nil, "")
	learner := w.learners[0]
	if _, err := w.owner.ExecContext(ctx, `CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'audit log unavailable'; END $$;
		CREATE TRIGGER refuse BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse()`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Remind(ctx, w.admin, learner.ID, w.module); err == nil || !strings.Contains(err.Error(), "audit log unavailable") {
		t.Fatalf("Remind with the audit log failing: %v", err)
	}
	if n := w.jobs(t); n != 0 {
		t.Fatalf("%d reminder jobs left by a rolled-back change", n)
	}
	// The scan's reads and its jobs share a transaction too.
	err := w.st.Org(w.org.ID).InTx(ctx, func(tx *store.Org) error {
		if err := tx.WithSQLTx(ctx, func(ctx context.Context, sqlTx *sql.Tx) error {
			_, err := s.Client().InsertTx(ctx, sqlTx, remind.ReminderArgs{OrgID: w.org.ID, PersonID: learner.ID, Module: w.module,
				Type: remind.DueSoon, Period: "2027-01-01"}, nil)
			return err
		}); err != nil {
			return err
		}
		return errors.New("the change fails after queueing")
	})
	if err == nil || w.jobs(t) != 0 {
		t.Fatalf("a job queued in a rolled-back transaction: %v, %d jobs", err, w.jobs(t))
	}

	if _, err := w.owner.ExecContext(ctx, `DROP TRIGGER refuse ON audit_log`); err != nil {
		t.Fatal(err)
	}
	sent, err := s.Remind(ctx, w.admin, learner.ID, w.module)
	if err != nil || sent.Already || !sent.Listed || sent.Person.ID != learner.ID {
		t.Fatalf("Remind: %+v %v", sent, err)
	}
	if n := w.jobs(t); n != 1 {
		t.Fatalf("%d jobs, want 1", n)
	}
	log, err := w.svc.Org.AuditLog(ctx, w.admin, store.AuditFilter{Action: string(org.ReminderSend)})
	if err != nil || len(log) != 1 || *log[0].SubjectID != learner.ID {
		t.Fatalf("audit: %+v %v", log, err)
	}
	// The same reminder again today queues nothing and writes no entry.
	if again, err := s.Remind(ctx, w.admin, learner.ID, w.module); err != nil || !again.Already {
		t.Fatalf("Remind again: %+v %v", again, err)
	}
	if n := w.jobs(t); n != 1 {
		t.Fatalf("%d jobs after a second reminder, want 1", n)
	}
}

// A reminder the SMTP server refuses is retried with backoff and sent
// once it accepts; nothing is recorded for the refused attempt.
func TestReminderRetriedWhenSMTPRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 1)
	smtp := mailtest.Start(t, mailtest.Options{})
	smtp.Refuse(true)
	meters := metrics.New(nil)
	s := w.serviceWith(t, smtp, remind.Config{NoScan: true, Events: meters})
	events, stop := s.Client().Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	defer stop()
	start(t, s)
	learner := w.learners[0]
	if _, err := s.Remind(ctx, w.admin, learner.ID, w.module); err != nil {
		t.Fatal(err)
	}
	failed := waitFor(t, events, river.EventKindJobFailed, 1)[0].Job
	if failed.State == rivertype.JobStateDiscarded || failed.State == rivertype.JobStateCancelled ||
		len(failed.Errors) != 1 || !strings.Contains(failed.Errors[0].Error, "451") {
		t.Fatalf("after a refusal: state %s, errors %+v", failed.State, failed.Errors)
	}
	if !failed.ScheduledAt.After(failed.Errors[0].At) {
		t.Errorf("retry at %s, not after the failure at %s: no backoff", failed.ScheduledAt, failed.Errors[0].At)
	}
	if n := len(w.reminders(t)); n != 0 || len(smtp.Messages()) != 0 {
		t.Fatalf("a refused reminder was recorded (%d) or delivered (%d)", n, len(smtp.Messages()))
	}

	// The server accepts again; River's own retry (after its backoff,
	// a second for the first retry) delivers. Should the retry come
	// before the server changed its mind, it fails again and is retried
	// again.
	smtp.Refuse(false)
	done := waitFor(t, events, river.EventKindJobCompleted, 1)[0].Job
	if done.ID != failed.ID || done.Attempt < 2 {
		t.Errorf("completed job %d at attempt %d, want %d at a later attempt", done.ID, done.Attempt, failed.ID)
	}
	msgs := smtp.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != learner.Email {
		t.Fatalf("messages: %+v", msgs)
	}
	body := msgs[0].Data
	for _, want := range []string{"Subject: A reminder from Rowan Trust", "https://learn.rowan.example/courses/" + w.module,
		"https://learn.rowan.example/account#reminders", "Hello Learner 00"} {
		if !strings.Contains(strings.ReplaceAll(body, "=\r\n", ""), want) {
			t.Errorf("the email lacks %q:\n%s", want, body)
		}
	}
	rs := w.reminders(t)
	if len(rs) != 1 || !rs[0].Sent || rs[0].Kind != remind.Manual || rs[0].RequestedBy == nil || *rs[0].RequestedBy != w.admin.PersonID {
		t.Fatalf("reminders: %+v", rs)
	}

	// The metrics tell the same story: failures, retries, one sent.
	rec := httptest.NewRecorder()
	meters.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	value := func(series string) int {
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\d+)$`).FindStringSubmatch(rec.Body.String())
		if m == nil {
			return 0
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	failures := done.Attempt - 1
	for series, want := range map[string]int{
		`upstand_reminder_jobs_total{kind="reminder",outcome="failed"}`: failures,
		`upstand_reminder_jobs_total{kind="reminder",outcome="sent"}`:   1,
		`upstand_reminder_job_retries_total{kind="reminder"}`:           failures,
	} {
		if got := value(series); got != want {
			t.Errorf("%s = %d, want %d\n%s", series, got, want, rec.Body.String())
		}
	}
}

// Two app servers scanning and working at the same time send every
// reminder exactly once, even when River is handed the same reminder
// several times over (as after its completed jobs are cleaned away).
func TestNeverSentTwiceWithTwoWorkers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 6)
	smtp := mailtest.Start(t, mailtest.Options{})
	a, b := w.service(t, smtp, "server-a"), w.service(t, smtp, "server-b")
	w.clock.Add(3 * 24 * time.Hour) // due in 7 days
	var wg sync.WaitGroup
	for _, s := range []*remind.Service{a, b, a, b} {
		wg.Go(func() {
			if _, err := s.Scan(ctx, w.org.ID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := w.jobs(t); n != w.people() {
		t.Fatalf("%d reminder jobs from four scans, want %d (one per person)", n, w.people())
	}
	// The same jobs twice more each, past River's unique key, as if its
	// cleaner had forgotten the first ones: the reminders table still
	// refuses them.
	for range 2 {
		if _, err := w.owner.ExecContext(ctx, `INSERT INTO river_job (args, kind, max_attempts, queue, state, priority, metadata)
			SELECT args, kind, max_attempts, queue, 'available', priority, metadata FROM river_job WHERE kind = 'reminder' AND unique_key IS NOT NULL`); err != nil {
			t.Fatal(err)
		}
	}
	total := 3 * w.people()
	ea, stopA := a.Client().Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	defer stopA()
	eb, stopB := b.Client().Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	defer stopB()
	merged := make(chan *river.Event, total*2)
	for _, ch := range []<-chan *river.Event{ea, eb} {
		go func() {
			for e := range ch {
				merged <- e
			}
		}()
	}
	start(t, a)
	start(t, b)
	done := waitFor(t, merged, river.EventKindJobCompleted, total)
	byClient := map[string]int{}
	for _, e := range done {
		byClient[e.Job.AttemptedBy[len(e.Job.AttemptedBy)-1]]++
	}
	msgs := smtp.Messages()
	to := map[string]int{}
	for _, m := range msgs {
		to[m.To[0]]++
	}
	if len(msgs) != w.people() || len(to) != w.people() {
		t.Fatalf("%d messages to %v, want one to each of %d people (jobs worked by %v)", len(msgs), to, w.people(), byClient)
	}
	if rs := w.reminders(t); len(rs) != w.people() {
		t.Fatalf("%d reminders recorded, want %d", len(rs), w.people())
	}
	for _, m := range msgs {
		if !strings.Contains(m.Data, "Subject: Due in 7 days:") {
			t.Errorf("subject: %s", m.Data[:min(len(m.Data), 400)])
		}
	}
}

// The daily scan over time, with an injected clock: 7 days before the
// due date, on it, overdue at most weekly, the manager's weekly digest;
// a completion stops them; without SMTP they are listed, not sent.
func TestScanOverTime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 2)
	s := w.service(t, nil, "")
	events, stop := s.Client().Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	defer stop()
	start(t, s)
	kinds := func() map[string]int {
		out := map[string]int{}
		for _, r := range w.reminders(t) {
			out[r.Kind]++
		}
		return out
	}
	// scan runs the day's scan and works what it queued.
	scan := func(days int, want int) {
		t.Helper()
		w.clock.Set(w.due.AddDate(0, 0, days))
		n, err := s.Scan(ctx, w.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Fatalf("day %+d: %d new jobs, want %d", days, n, want)
		}
		waitFor(t, events, river.EventKindJobCompleted, n)
	}
	scan(-8, 0)
	scan(-7, 3) // due in 7 days: the two learners and the manager
	scan(-6, 0)
	scan(-1, 0)
	// Due today, a Wednesday; after the hour, everyone is overdue by the
	// dashboard's rule, so the manager's digest of this week goes too.
	scan(0, 4)
	if got := kinds(); got[remind.DueSoon] != 3 || got[remind.DueToday] != 3 || got[remind.Digest] != 1 || len(got) != 3 {
		t.Fatalf("reminders by kind: %v", got)
	}
	// Learner 01 and the manager complete the course: no more reminders
	// for them.
	for _, p := range []store.Person{w.learners[1], w.manager} {
		fixture.Play(t, w.svc.Learning, org.ActorFor(w.st, p, ""), w.module, fixture.Plan{Finish: true})
	}
	scan(1, 1) // Learner 00 overdue (this week's digest went yesterday)
	scan(2, 0)
	scan(7, 1) // next week's digest; the overdue reminder waits a week
	// The manager turns the digest off; the learner's reminders go on.
	if err := w.svc.Org.SetDigest(ctx, org.ActorFor(w.st, w.manager, ""), true); err != nil {
		t.Fatal(err)
	}
	scan(8, 1)
	scan(14, 0)
	got := kinds()
	if got[remind.Overdue] != 2 || got[remind.Digest] != 2 {
		t.Fatalf("reminders by kind: %v", got)
	}
	digests := 0
	for _, r := range w.reminders(t) { // newest first
		if r.Sent {
			t.Errorf("reminder %s %s marked sent with no SMTP server", r.Kind, r.Name)
		}
		switch r.Kind {
		case remind.Digest:
			digests++
			// The latest is after Learner 01 and the manager completed.
			if r.PersonID != w.manager.ID || !strings.Contains(r.Body, "Learner 00") || (digests == 1) == strings.Contains(r.Body, "Learner 01") ||
				!strings.Contains(r.Body, "https://learn.rowan.example"+remind.CoveragePath) {
				t.Errorf("digest %d: %s\n%s", digests, r.Subject, r.Body)
			}
		case remind.Overdue:
			if r.PersonID != w.learners[0].ID || !strings.HasPrefix(r.Subject, "Overdue: ") {
				t.Errorf("overdue: %s to %s", r.Subject, r.Name)
			}
		}
	}
	listing, err := s.Listed(ctx, w.admin)
	if err != nil || listing.MailOn || len(listing.Rows) != 10 || listing.Rows[len(listing.Rows)-1].Course == "" {
		t.Fatalf("listing: %+v %v", listing, err)
	}
	if _, err := s.Listed(ctx, org.ActorFor(w.st, w.manager, "")); !errors.Is(err, org.ErrNoCoverage) {
		t.Fatalf("a manager lists the organisation's reminders: %v", err)
	}
}

// The daily scan is River's periodic job: with two servers starting
// together, the elected leader asks for a scan at once (a new leader does
// not wait a day), and every reminder it finds is sent once.
func TestDailyScanOnStart(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3)
	w.clock.Add(3 * 24 * time.Hour) // due in 7 days
	smtp := mailtest.Start(t, mailtest.Options{})
	var events []<-chan *river.Event
	var servers []*remind.Service
	for _, id := range []string{"server-a", "server-b"} {
		s := w.serviceWith(t, smtp, remind.Config{ID: id, Schedule: remind.Daily(6)})
		ch, stop := s.Client().Subscribe(river.EventKindJobCompleted)
		t.Cleanup(stop)
		events, servers = append(events, ch), append(servers, s)
	}
	merged := make(chan *river.Event, 100)
	for _, ch := range events {
		go func() {
			for e := range ch {
				merged <- e
			}
		}()
	}
	for _, s := range servers {
		start(t, s)
	}
	// The scan, then one reminder per person.
	done := waitFor(t, merged, river.EventKindJobCompleted, 1+w.people())
	scans := 0
	for _, e := range done {
		if e.Job.Kind == (remind.ScanArgs{}).Kind() {
			scans++
		}
	}
	if scans != 1 || len(smtp.Messages()) != w.people() {
		t.Fatalf("%d scans, %d messages; want 1 scan and %d messages", scans, len(smtp.Messages()), w.people())
	}
}
