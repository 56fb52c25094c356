package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// remindWorld is an organisation with two teams, a course required of
// both (due in 10 days: due soon from the start), a learner
// in each, a manager of the first, a plain member and an admin, each
// signed in in a browser of their own.
type remindWorld struct {
	org                       store.Organisation
	module                    string
	wardA, wardB              store.Group
	inA, inB, other           store.Person
	admin, manager, member    *browser
	adminP, managerP, memberP store.Person
}

func (s *testServer) remindWorld(t *testing.T) *remindWorld {
	t.Helper()
	ctx := context.Background()
	w := &remindWorld{org: s.organisation(t, "Hazel Trust")}
	w.admin, w.adminP = s.person(t, w.org, "Hazel Admin", true)
	w.manager, w.managerP = s.person(t, w.org, "Hazel Manager", false)
	w.member, w.memberP = s.person(t, w.org, "Hazel Member", false)
	_, w.inA = s.person(t, w.org, "Ana Ward", false)
	_, w.inB = s.person(t, w.org, "Ben Clinic", false)
	_, w.other = s.person(t, w.org, "Cy Nobody", false)
	admin := org.ActorFor(s.st, w.adminP, "192.0.2.1")
	var err error
	if w.wardA, err = s.org.CreateGroup(ctx, admin, store.Teams, "Ward A"); err != nil {
		t.Fatal(err)
	}
	if w.wardB, err = s.org.CreateGroup(ctx, admin, store.Teams, "Ward B"); err != nil {
		t.Fatal(err)
	}
	o := s.st.Org(w.org.ID)
	for p, team := range map[uuid.UUID]uuid.UUID{w.inA.ID: w.wardA.ID, w.managerP.ID: w.wardA.ID, w.inB.ID: w.wardB.ID} {
		if err := o.SetGroups(ctx, store.Teams, p, []uuid.UUID{team}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.cover.SetManager(ctx, admin, w.wardA.ID, w.managerP.ID, true); err != nil {
		t.Fatal(err)
	}
	w.module = s.learn.Content().Modules[0].ID
	for _, team := range []uuid.UUID{w.wardA.ID, w.wardB.ID} {
		if _, err := s.cover.AddRequirement(ctx, admin, org.RequirementInput{ModuleID: w.module, TeamID: &team, DueDays: 10,
			Refresher: store.RefresherNever}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// jobs counts the reminder jobs queued for person (as the owner).
func (s *testServer) jobs(t *testing.T, person uuid.UUID) int {
	t.Helper()
	n, err := s.owner.NewSelect().Table("river_job").Where("kind = 'reminder' AND args->>'person_id' = ?", person.String()).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func remindPath(p store.Person) string { return "/coverage/people/" + p.ID.String() + "/remind" }

// The send-reminder action: org admins for anyone due, managers for
// their teams only, nobody else; once a day; audited; bad input refused.
func TestSendReminder(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	w := s.remindWorld(t)
	form := func(back string) url.Values { return url.Values{"module": {w.module}, "back": {back}} }

	// An admin reminds a learner: a page says so, a job is queued, the
	// audit log has it.
	resp, body := w.admin.post(remindPath(w.inB), form("/coverage/teams/x?status=overdue"))
	if resp.StatusCode != 200 || !strings.Contains(body, "Reminder to Ben Clinic about") || !strings.Contains(body, `href="/admin/reminders"`) ||
		!strings.Contains(body, `href="/coverage/teams/x?status=overdue"`) {
		t.Fatalf("admin's reminder: status %d\n%s", resp.StatusCode, clip(body))
	}
	if n := s.jobs(t, w.inB.ID); n != 1 {
		t.Fatalf("%d jobs for Ben, want 1", n)
	}
	if got := auditActionsOf(t, s, w.org.ID, store.AuditFilter{Action: string(org.ReminderSend)}); len(got) != 1 {
		t.Fatalf("audit: %v", got)
	}
	// Again today: nothing new, and it says so.
	if _, body := w.admin.post(remindPath(w.inB), form("/coverage")); !strings.Contains(body, "already sent a reminder") {
		t.Errorf("second reminder:\n%s", clip(body))
	}
	if n := s.jobs(t, w.inB.ID); n != 1 {
		t.Fatalf("%d jobs for Ben after a second reminder, want 1", n)
	}

	// A manager reminds someone in their team (with htmx: the sentence
	// alone, for the form to be swapped for); not someone outside it.
	resp, body = w.manager.post(remindPath(w.inA), form("/coverage"), "HX-Request", "true")
	if resp.StatusCode != 200 || strings.Contains(body, "</html>") || !strings.Contains(body, `role="status"`) || !strings.Contains(body, "Ana Ward") {
		t.Fatalf("manager's reminder with htmx: status %d\n%s", resp.StatusCode, clip(body))
	}
	for _, c := range []struct {
		name string
		v    *browser
		p    store.Person
	}{
		{"a manager, for someone in another team", w.manager, w.inB},
		{"a manager, for someone in no team", w.manager, w.other},
		{"a member, for anyone", w.member, w.inA},
		{"a learner, for themself", w.member, w.memberP},
	} {
		if resp, _ := c.v.post(remindPath(c.p), form("/coverage")); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", c.name, resp.StatusCode)
		}
	}
	if n := s.jobs(t, w.other.ID) + s.jobs(t, w.memberP.ID); n != 0 {
		t.Errorf("%d jobs queued by refused reminders", n)
	}
	if n := s.jobs(t, w.inB.ID); n != 1 {
		t.Errorf("%d jobs for Ben, want 1 (the admin's)", n)
	}
	if n := s.jobs(t, w.inA.ID); n != 1 {
		t.Errorf("%d jobs for Ana, want 1 (the manager's)", n)
	}

	// Bad input: a clear 4xx naming the problem, nothing queued.
	for _, c := range []struct {
		name   string
		path   string
		form   url.Values
		status int
		says   string
	}{
		{"a course not required", remindPath(w.other), form("/coverage"), http.StatusBadRequest, "not required of Cy Nobody"},
		{"no course", remindPath(w.inB), url.Values{}, http.StatusBadRequest, "not required"},
		{"a course that does not exist", remindPath(w.inB), url.Values{"module": {"no-such-course"}}, http.StatusBadRequest, "not required"},
		{"a malformed id", "/coverage/people/not-an-id/remind", form("/coverage"), http.StatusNotFound, ""},
		{"someone who does not exist", "/coverage/people/" + uuid.NewString() + "/remind", form("/coverage"), http.StatusNotFound, ""},
	} {
		resp, body := w.admin.post(c.path, c.form)
		if resp.StatusCode != c.status || !strings.Contains(body, c.says) {
			t.Errorf("%s: status %d, want %d saying %q\n%.600s", c.name, resp.StatusCode, c.status, c.says, body)
		}
	}
	if n := s.jobs(t, w.other.ID); n != 0 {
		t.Errorf("%d jobs for a refused reminder", n)
	}

	// "back" leads only to this site (the reminder was sent already: the
	// page says so, with the link back).
	for _, back := range []string{"https://evil.example/", "//evil.example/x", `/\evil.example`, "javascript:alert(1)", ""} {
		_, body := w.admin.post(remindPath(w.inB), form(back))
		if !strings.Contains(body, `<a href="/coverage">Back`) {
			t.Errorf("back %q: the page links elsewhere\n%s", back, body[strings.Index(body, "<main"):])
		}
	}
}

// The send-reminder form refuses a forged request: no CSRF token, another
// origin; nothing is queued.
func TestSendReminderNeedsCSRF(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	w := s.remindWorld(t)
	f := url.Values{"module": {w.module}}
	for name, attack := range map[string][]string{"no token": nil, "another origin": {"Origin", "https://evil.example"}} {
		form := f
		if attack != nil {
			form = withToken(f, w.admin.token())
		}
		if resp, _ := w.admin.postRaw(remindPath(w.inA), form, attack...); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, resp.StatusCode)
		}
	}
	if n := s.jobs(t, w.inA.ID); n != 0 {
		t.Fatalf("%d jobs queued by forged requests", n)
	}
	if resp, _ := w.admin.post(remindPath(w.inA), f); resp.StatusCode != 200 {
		t.Fatalf("the genuine request: status %d", resp.StatusCode)
	}
}

// The reminders admin page: org admins only; with no SMTP server it says
// reminders are listed to pass on, and lists them with their message.
func TestAdminRemindersPage(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	w := s.remindWorld(t)
	w.admin.page("/admin/reminders", "No reminders yet", "No email server is set up")
	// Work the queue as a server does.
	events, stop := s.remind.Client().Subscribe(river.EventKindJobCompleted)
	defer stop()
	if err := s.remind.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.remind.Stop(context.Background()) })
	if resp, _ := w.admin.post(remindPath(w.inB), url.Values{"module": {w.module}}); resp.StatusCode != 200 {
		t.Fatal("reminder refused")
	}
	select {
	case <-events:
	case <-t.Context().Done():
		t.Fatal("the reminder was never worked")
	}
	body := w.admin.page("/admin/reminders", "Ben Clinic (ben.clinic@example.org)", "Sent from coverage", "Not emailed: pass it on",
		"A reminder from Hazel Trust", "Hello Ben Clinic")
	if !strings.Contains(body, `aria-current="page">Reminders`) {
		t.Error("the admin menu does not mark Reminders as the current page")
	}
	for _, v := range []*browser{w.manager, w.member} {
		if resp, _ := v.get("/admin/reminders"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a non-admin sees the reminders: status %d", resp.StatusCode)
		}
	}
}

// The weekly digest is a setting on the account page: off and on again,
// audited, CSRF-protected.
func TestDigestSetting(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	w := s.remindWorld(t)
	body := w.manager.page("/account", `id="reminders"`, "These reminders stay on")
	if !strings.Contains(body, `value="on" aria-describedby="digest-hint" checked`) {
		t.Fatalf("the digest is not on to begin with:\n%s", clip(body))
	}
	if resp, _ := w.manager.postRaw("/account/digest", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("no token: status %d, want 403", resp.StatusCode)
	}
	w.manager.redirect("/account/digest", url.Values{}, "/account")
	body = w.manager.page("/account?notice=digest-off", "You will no longer get the weekly digest")
	if strings.Contains(body, `aria-describedby="digest-hint" checked`) {
		t.Error("the digest is still ticked after turning it off")
	}
	p, err := s.st.Org(w.org.ID).Person(context.Background(), w.managerP.ID)
	if err != nil || !p.DigestOff {
		t.Fatalf("digest off: %v %v", p.DigestOff, err)
	}
	w.manager.redirect("/account/digest", url.Values{"digest": {"on"}}, "/account")
	if p, _ := s.st.Org(w.org.ID).Person(context.Background(), w.managerP.ID); p.DigestOff {
		t.Fatal("the digest stayed off")
	}
	if got := auditActionsOf(t, s, w.org.ID, store.AuditFilter{Action: string(org.DigestSetting)}); len(got) != 2 {
		t.Fatalf("audit: %v", got)
	}
}

// The coverage page's overdue and due-soon lists have a "send reminder"
// form beside each person, coming back to the page; a manager's only for
// their teams.
func TestCoverageListsOfferReminders(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	w := s.remindWorld(t)
	form := func(p store.Person) string { return `action="` + remindPath(p) + `"` }
	body := w.admin.page("/coverage?course="+w.module, form(w.inA), form(w.inB), `name="back" value="/coverage?course=`+w.module+`"`,
		`Send reminder<span class="visually-hidden"> to Ana Ward about`)
	if strings.Contains(body, form(w.other)) {
		t.Error("a reminder form for someone required no course")
	}
	body = w.manager.page("/coverage", form(w.inA))
	if strings.Contains(body, form(w.inB)) {
		t.Error("a manager is offered a reminder for someone outside their teams")
	}
}
