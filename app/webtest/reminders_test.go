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

// TestRemindersPageInBrowser: an org admin's list of reminders, with no
// SMTP server set up (they are listed to pass on), passes axe with a
// message closed and open, and fits a 360 px screen. The rows are written
// as the reminders' worker writes them (its sending is tested in
// app/remind).
func TestRemindersPageInBrowser(t *testing.T) {
	t.Parallel()
	srv := webtest.StartServer(t)
	org := createOrg(t, srv, "Birch Trust", "Bea Birch", "bea@birch.example")
	admin := enrolInvited(t, nil, srv, org, "Ash Admin", "ash@birch.example", "--org-admin")
	learner := "ivy@birch.example"
	srv.Command(t, "admin", "invite", "--org", org, "--name", "Ivy Learner", "--email", learner)

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
		{`INSERT INTO reminders (org_id, person_id, module_id, kind, period, due_at, email, subject, body, sent, created_at)
			SELECT org_id, id, 'allyship', 'due_soon', '2027-01-11', $2::timestamptz, email, 'Due in 7 days: Allyship at work',
				'Hello Ivy Learner,' || chr(10) || chr(10) || '“Allyship at work” is due in 7 days.', false, $2::timestamptz
			FROM people WHERE email = $1`, []any{learner, now}},
		{`INSERT INTO reminders (org_id, person_id, kind, period, email, subject, body, sent, created_at)
			SELECT org_id, id, 'digest', '2027-W02', email, 'Weekly digest: 1 person overdue in your teams',
				'Hello Ash Admin,' || chr(10) || chr(10) || 'Ward 7' || chr(10) || '- Ivy Learner: Allyship at work', false, $2::timestamptz
			FROM people WHERE email = $1`, []any{"ash@birch.example", now.Add(time.Minute)}},
	} {
		if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/admin/reminders"), chromedp.WaitVisible("#reminders"))
	got := text(t, admin, "#reminders tbody")
	for _, want := range []string{"Ivy Learner (ivy@birch.example)", "Weekly digest", "Not emailed: pass it on"} {
		if !strings.Contains(got, want) {
			t.Errorf("the list lacks %q:\n%s", want, got)
		}
	}
	webtest.Axe(t, admin, "reminders")
	webtest.Do(t, admin, chromedp.Click("#reminders tbody tr:first-child summary"), chromedp.WaitVisible("#reminders tbody tr:first-child pre.message"))
	webtest.Axe(t, admin, "reminders, a message open")
	shots(t, admin, "reminders")

	// The weekly digest's setting, on the account page every email links
	// to: untick, save, and the page says so.
	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/account#reminders"), chromedp.WaitVisible("#digest"))
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
