package webtest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"github.com/upstand/upstand/app/webtest"
)

// TestRemindersInBrowser: an org admin sends a reminder from the
// coverage page's due-soon list (htmx swaps the button for a sentence),
// and the server's own job queue, with no SMTP server set up, lists it on
// the reminders page; that page passes axe with a message closed and open
// and fits a 360 px screen, and so does the account page's digest
// setting. The team, the requirement and two earlier reminders are
// written as the services write them.
func TestRemindersInBrowser(t *testing.T) {
	t.Parallel()
	srv := webtest.StartServer(t)
	org := createOrg(t, srv, "Birch Trust", "Bea Birch", "bea@birch.example")
	admin := enrolInvited(t, nil, srv, org, "Ash Admin", "ash@birch.example", "--org-admin")
	learner := "ivy@birch.example"
	srv.Command(t, "admin", "invite", "--org", org, "--name", "Ivy Learner", "--email", learner)
	module := bundled(t).Modules[0].ID

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, srv.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"SELECT set_config('upstand.org_id', $1, true)", []any{org}},
		{"INSERT INTO teams (org_id, name) VALUES ($1, 'Ward 7')", []any{org}},
		{`INSERT INTO team_members (org_id, team_id, person_id) SELECT t.org_id, t.id, p.id FROM teams t JOIN people p ON p.org_id = t.org_id
			WHERE p.email = $1`, []any{learner}},
		// Due in 10 days: due soon.
		{`INSERT INTO requirements (org_id, module_id, team_id, due_days, refresher, effective_from, created_at)
			SELECT org_id, $1, id, 10, 'never', $2::timestamptz, $2::timestamptz FROM teams`, []any{module, now}},
		{`INSERT INTO reminders (org_id, person_id, module_id, kind, period, due_at, email, subject, body, sent, created_at)
			SELECT org_id, id, $3, 'due_soon', '2027-01-11', $2::timestamptz, email, 'Due in 7 days: a course',
				'Hello Ivy Learner,' || chr(10) || chr(10) || 'It is due in 7 days.', false, $2::timestamptz - interval '2 days'
			FROM people WHERE email = $1`, []any{learner, now, module}},
		{`INSERT INTO reminders (org_id, person_id, kind, period, email, subject, body, sent, created_at)
			SELECT org_id, id, 'digest', '2027-W02', email, 'Weekly digest: 1 person overdue in your teams',
				'Hello Ash Admin,' || chr(10) || chr(10) || 'Ward 7' || chr(10) || '- Ivy Learner: a course', false, $2::timestamptz - interval '1 day'
			FROM people WHERE email = $1`, []any{"ash@birch.example", now}},
	} {
		if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	// The coverage page's due-soon list, and its Send reminder button.
	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/coverage"), chromedp.WaitVisible(".remind-form"))
	webtest.Axe(t, admin, "coverage with reminder buttons")
	webtest.Do(t, admin, chromedp.Click(".remind-form button"), chromedp.WaitVisible(".remind-sent"))
	if got := text(t, admin, ".remind-sent"); !strings.Contains(got, "Reminder to Ivy Learner about") {
		t.Errorf("after sending: %q", got)
	}
	// The server's own job queue works it (no SMTP server: it is listed).
	// Its LISTEN connection hears of the job at once; a slow machine only
	// makes this wait longer.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var n int
		if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SELECT set_config('upstand.org_id', $1, true)", org); err != nil {
				return err
			}
			return tx.QueryRow(ctx, "SELECT count(*) FROM reminders WHERE kind = 'manual'").Scan(&n)
		}); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server never worked the reminder's job")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// As CSS: a plain string is also searched for as text, and every
	// message holds a link to /account#reminders.
	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/admin/reminders"), chromedp.WaitVisible(chromedp.CSS("table#reminders")))
	got := text(t, admin, "#reminders tbody")
	for _, want := range []string{"Ivy Learner (ivy@birch.example)", "Sent from coverage", "Weekly digest", "Not emailed: pass it on"} {
		if !strings.Contains(got, want) {
			t.Errorf("the list lacks %q:\n%s", want, got)
		}
	}
	webtest.Axe(t, admin, "reminders")
	webtest.Do(t, admin, chromedp.Click("#reminders tbody tr:first-child summary"), chromedp.WaitVisible("#reminders tbody tr:first-child pre.message"))
	if got := text(t, admin, "#reminders tbody tr:first-child pre.message"); !strings.Contains(got, "asked us to remind you") ||
		!strings.Contains(got, srv.URL+"/courses/"+module) {
		t.Errorf("the reminder's message:\n%s", got)
	}
	webtest.Axe(t, admin, "reminders, a message open")
	shots(t, admin, "reminders")

	// The weekly digest's setting, on the account page every email links
	// to: untick, save, and the page says so.
	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/account#reminders"), chromedp.WaitVisible(chromedp.CSS("#digest")))
	webtest.Axe(t, admin, "account page, reminder emails")
	webtest.Do(t, admin, chromedp.Click("#digest"), chromedp.Click(`form[action="/account/digest"] button[type="submit"]`),
		chromedp.WaitVisible(".notice"))
	if got := text(t, admin, "main .notice"); !strings.Contains(got, "You will no longer get the weekly digest") {
		t.Errorf("after turning the digest off: %q", got)
	}
	if webtest.Eval[bool](t, admin, `document.querySelector("#digest").checked`) {
		t.Error("the digest is still ticked")
	}
}
