package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/fixture"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// The coverage pages: the dashboard and its drill-down (org admins and
// team managers), the requirements and settings pages and the team page
// (org admins), and the learner's required courses.

// signedInMember invites someone into orgID's teams and labels (by the
// operator) and returns a browser signed in as them.
func (s *testServer) signedInMember(t *testing.T, orgID uuid.UUID, name string, teams, labels []uuid.UUID) (*browser, store.Person) {
	t.Helper()
	p, _, err := s.org.Invite(context.Background(), s.operator(orgID), store.PersonDetails{Name: name,
		Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org", Teams: teams, Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := s.auth.StartSession(context.Background(), p, "192.0.2.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	b := s.browser(t)
	b.setCookie(s.sessionCookie, token)
	b.get("/courses")
	return b, p
}

// status GETs or POSTs (form non-nil) a path and returns the status and
// body.
func (b *browser) status(path string, form url.Values) (int, string) {
	b.t.Helper()
	if form != nil {
		resp, body := b.post(path, form)
		return resp.StatusCode, body
	}
	resp, body := b.get(path)
	return resp.StatusCode, body
}

// coverageRoutes are the new routes with the ids of one organisation, as
// GET (form nil) or POST.
func coverageRoutes(x *tenant) []struct {
	path string
	form url.Values
} {
	return []struct {
		path string
		form url.Values
	}{
		{"/coverage", nil},
		{"/coverage?team=" + x.Team.ID.String(), nil},
		{"/coverage/courses/" + x.Course.Module.ID, nil},
		{"/coverage/courses/" + x.Course.Module.ID + "?team=" + x.Team.ID.String(), nil},
		{"/coverage/courses/" + x.Course.Module.ID + "?team=none", nil},
		{"/coverage/roster", nil},
		{"/coverage/trend", nil},
		{"/coverage/trend?team=" + x.Team.ID.String() + "&course=" + x.Course.Module.ID, nil},
		{"/coverage/evaluation", nil},
		{"/admin/requirements", nil},
		{"/admin/requirements", url.Values{"module": {x.Course.Module.ID}, "team": {x.Team.ID.String()}, "refresher": {"never"}}},
		{"/admin/requirements/" + x.Requirement.ID.String(), nil},
		{"/admin/requirements/" + x.Requirement.ID.String(), url.Values{"module": {x.Course.Module.ID}, "team": {x.Team.ID.String()}, "refresher": {"never"}}},
		{"/admin/requirements/" + x.Requirement.ID.String() + "/delete", url.Values{}},
		{"/admin/coverage-settings", url.Values{"due_soon_days": {"10"}}},
		{"/admin/teams/" + x.Team.ID.String(), nil},
		{"/admin/teams/" + x.Team.ID.String() + "/managers", url.Values{"person": {x.Member.ID.String()}, "manager": {"on"}}},
	}
}

// TestCoverageRoutesAreForAdminsAndManagers: a learner and a trainer get a
// 404 on every coverage and requirements route, as if it did not exist,
// and change nothing; the org admin gets each page. Only admins and
// managers have the Coverage link.
func TestCoverageRoutesAreForAdminsAndManagers(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	x := s.newTenant(t, "Aspen")
	before := x.snapshot(t, s)
	for _, who := range []struct {
		name string
		v    *browser
	}{{"learner", x.memberV}, {"trainer", x.trainerV}} {
		if strings.Contains(who.v.page("/courses"), `href="/coverage"`) {
			t.Errorf("the %s has a Coverage link", who.name)
		}
		for _, r := range coverageRoutes(x) {
			if code, _ := who.v.status(r.path, r.form); code != http.StatusNotFound {
				t.Errorf("%s: %s %s: status %d, want 404", who.name, map[bool]string{true: "POST", false: "GET"}[r.form != nil], r.path, code)
			}
		}
	}
	if after := x.snapshot(t, s); after != before {
		t.Errorf("a learner or trainer changed something:\nbefore %s\nafter  %s", before, after)
	}
	x.adminV.page("/coverage", `href="/coverage"`, x.Team.Name, x.Course.Module.Title)
	x.adminV.page("/coverage/courses/"+x.Course.Module.ID+"?team="+x.Team.ID.String(), x.Member.Name)
	x.adminV.page("/admin/requirements", x.Course.Module.Title, "Everyone in "+x.Team.Name)
	x.adminV.page("/admin/requirements/"+x.Requirement.ID.String(), "Remove the requirement")
	x.adminV.page("/admin/teams/"+x.Team.ID.String(), x.Member.Name, "Make "+x.Member.Name+" a manager")
}

// TestTeamManagerSeesOnlyTheirTeams is the cross-team matrix: in one
// organisation with teams North and South, North's manager sees North's
// coverage and people and nothing of South's (its name, its people, its
// labels), on every coverage route and filter; South's ids are a 404; the
// admin pages stay closed; and no page shows anyone's answers.
func TestTeamManagerSeesOnlyTheirTeams(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	ctx := context.Background()
	o := s.organisation(t, "Matrix Trust")
	adminV, admin := s.person(t, o, "Ada Boss", true)
	op := s.operator(o.ID)
	mk := func(k store.GroupKind, name string) store.Group {
		g, err := s.org.CreateGroup(ctx, op, k, name)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	north, south := mk(store.Teams, "North Ward"), mk(store.Teams, "South Ward")
	both, southOnly := mk(store.Labels, "Shared Label"), mk(store.Labels, "Southern Label")
	managerV, manager := s.signedInMember(t, o.ID, "Nora Manager", []uuid.UUID{north.ID}, nil)
	_, nico := s.signedInMember(t, o.ID, "Nico Northman", []uuid.UUID{north.ID}, []uuid.UUID{both.ID})
	_, sol := s.signedInMember(t, o.ID, "Sol Southman", []uuid.UUID{south.ID}, []uuid.UUID{both.ID, southOnly.ID})
	_, nobody := s.signedInMember(t, o.ID, "Noa Teamless", nil, []uuid.UUID{both.ID})
	m := s.learn.Content().Modules[0]
	a := org.ActorFor(s.st, admin, "")
	for _, in := range []org.RequirementInput{
		{ModuleID: m.ID, TeamID: &north.ID, DueDays: 10, Refresher: store.RefresherNever},
		{ModuleID: m.ID, TeamID: &south.ID, DueDays: 10, Refresher: store.RefresherNever},
		{ModuleID: m.ID, LabelID: &both.ID, DueDays: 10, Refresher: store.RefresherNever},
	} {
		if _, err := s.cover.AddRequirement(ctx, a, in); err != nil {
			t.Fatal(err)
		}
	}
	// Nico's reflection is his own: no coverage page shows it.
	fixture.Play(t, s.learn, org.ActorFor(s.st, nico, ""), m.ID, fixture.Plan{Note: "Nico's private reflection", Finish: true})

	// Before the admin makes her a manager, Nora sees no coverage.
	if code, _ := managerV.status("/coverage", nil); code != http.StatusNotFound {
		t.Fatalf("before being made a manager: status %d, want 404", code)
	}
	adminV.redirect("/admin/teams/"+north.ID.String()+"/managers", url.Values{"person": {manager.ID.String()}, "manager": {"on"}},
		"/admin/teams/"+north.ID.String())
	adminV.page("/admin/teams/"+north.ID.String(), "Stop Nora Manager managing North Ward")
	adminV.page("/admin/audit?action="+string(org.TeamManager), "made manager of North Ward")

	southern := []string{south.Name, sol.Name, southOnly.Name, nobody.Name, "In no team", "Nico&#39;s private reflection", "Nico's private reflection"}
	sees := func(path string, wants ...string) string {
		t.Helper()
		body := managerV.page(path, wants...)
		for _, w := range southern {
			if strings.Contains(body, w) {
				t.Errorf("the manager's %s shows %q", path, w)
			}
		}
		return body
	}
	// Nico has completed the course; Nora has not, and falls due soon.
	body := sees("/coverage", `href="/coverage"`, north.Name, manager.Name, m.Title, "You manage: North Ward", "Complete: 1", "Due soon: 1")
	if strings.Contains(body, `href="/admin`) {
		t.Error("the manager's dashboard links to admin pages")
	}
	sees("/coverage?team="+north.ID.String(), manager.Name)
	sees("/coverage?label="+both.ID.String(), "Complete: 1")
	sees("/coverage?course="+m.ID, manager.Name)
	sees("/coverage/courses/"+m.ID, nico.Name, "All your teams")
	sees("/coverage/courses/"+m.ID+"?team="+north.ID.String(), nico.Name, "Complete")
	sees("/coverage/courses/"+m.ID+"?team="+north.ID.String()+"&status=complete", nico.Name)
	sees("/coverage/courses/"+m.ID+"?label="+both.ID.String(), nico.Name)

	for _, path := range []string{
		"/coverage?team=" + south.ID.String(),
		"/coverage?label=" + southOnly.ID.String(),
		"/coverage/courses/" + m.ID + "?team=" + south.ID.String(),
		"/coverage/courses/" + m.ID + "?team=none",
		"/coverage/courses/" + m.ID + "?label=" + southOnly.ID.String(),
		"/coverage/courses/" + m.ID + "?team=" + south.ID.String() + "&status=not_started",
		"/coverage/courses/no-such-course",
		"/admin/requirements",
		"/admin/teams/" + north.ID.String(),
		"/admin/teams/" + south.ID.String(),
	} {
		code, body := managerV.status(path, nil)
		if code != http.StatusNotFound {
			t.Errorf("manager: GET %s: status %d, want 404", path, code)
		}
		for _, w := range southern {
			if strings.Contains(body, w) {
				t.Errorf("manager: GET %s shows %q", path, w)
			}
		}
	}
	for _, r := range []struct {
		path string
		form url.Values
	}{
		{"/admin/teams/" + north.ID.String() + "/managers", url.Values{"person": {nico.ID.String()}, "manager": {"on"}}},
		{"/admin/requirements", url.Values{"module": {m.ID}, "team": {north.ID.String()}, "refresher": {"never"}}},
		{"/admin/coverage-settings", url.Values{"due_soon_days": {"5"}}},
	} {
		if code, _ := managerV.status(r.path, r.form); code != http.StatusNotFound {
			t.Errorf("manager: POST %s: status %d, want 404", r.path, code)
		}
	}

	// The admin sees everyone, people in no team included.
	adminV.page("/coverage", north.Name, south.Name, "In no team", sol.Name, nobody.Name)
	adminV.page("/coverage/courses/"+m.ID+"?team=none", nobody.Name)
	// No page shows answers: the drill-down has statuses and dates.
	for _, p := range []string{"/coverage", "/coverage/courses/" + m.ID} {
		if b := adminV.page(p); strings.Contains(b, "private reflection") {
			t.Errorf("the admin's %s shows a reflection", p)
		}
	}

	// Taking the role away closes the pages again.
	adminV.redirect("/admin/teams/"+north.ID.String()+"/managers", url.Values{"person": {manager.ID.String()}, "manager": {"off"}}, "")
	if code, _ := managerV.status("/coverage", nil); code != http.StatusNotFound {
		t.Errorf("after the role was taken away: status %d, want 404", code)
	}
}

// errorFor finds the message shown next to the field with id, or "".
func errorFor(body, id string) string {
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `-error"><strong>Error:</strong> ([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestRequirementBadInput: every bad requirement or setting is refused
// with a 422 that names the field (in the summary and next to the field),
// keeps what was typed, and changes nothing; several problems are shown
// together.
func TestRequirementBadInput(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a, b := s.newTenant(t, "Aspen"), s.newTenant(t, "Beech")
	ctx := context.Background()
	// Beech publishes a course of its own: not a course of Aspen's.
	beechTrainer := org.ActorFor(s.st, b.Trainer, "")
	if _, _, err := s.studio.Publish(ctx, beechTrainer, authoring.Module, b.Module, 1, "first"); err != nil {
		t.Fatalf("publish Beech's course: %v", err)
	}
	m := a.Course.Module.ID
	team := a.Team.ID.String()
	yesterday := s.clock.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	today := s.clock.Now().UTC().Format(time.DateOnly)
	cases := []struct {
		name   string
		form   url.Values
		fields []string // the form control ids with an error
		want   string   // part of the first message
	}{
		{"another organisation's course", url.Values{"module": {b.Module}, "team": {team}, "refresher": {"module"}}, []string{"module"}, "organisation’s courses"},
		{"no such course", url.Values{"module": {"no-such-course"}, "team": {team}, "refresher": {"module"}}, []string{"module"}, "courses"},
		{"another organisation's team", url.Values{"module": {m}, "team": {b.Team.ID.String()}, "refresher": {"module"}}, []string{"team"}, "organisation’s teams"},
		{"another organisation's label", url.Values{"module": {m}, "label": {b.Label.ID.String()}, "refresher": {"module"}}, []string{"label"}, "labels"},
		{"a team that is no id", url.Values{"module": {m}, "team": {"north"}, "refresher": {"module"}}, []string{"team"}, "teams"},
		{"neither team nor label", url.Values{"module": {m}, "refresher": {"module"}}, []string{"team"}, "a team, a job label, or both"},
		{"a refresher of 0 months", url.Values{"module": {m}, "team": {team}, "refresher": {"months"}, "months": {"0"}}, []string{"months"}, "from 1 to 120"},
		{"a refresher of 10,000 months", url.Values{"module": {m}, "team": {team}, "refresher": {"months"}, "months": {"10000"}}, []string{"months"}, "from 1 to 120"},
		{"a refresher of no number", url.Values{"module": {m}, "team": {team}, "refresher": {"months"}, "months": {"twelve"}}, []string{"months"}, "from 1 to 120"},
		{"no refresher choice", url.Values{"module": {m}, "team": {team}}, []string{"refresher-module"}, "how often"},
		{"a first deadline in the past", url.Values{"module": {m}, "team": {team}, "refresher": {"never"}, "first_deadline": {yesterday}}, []string{"first-deadline"}, "after today"},
		{"a first deadline of today", url.Values{"module": {m}, "team": {team}, "refresher": {"never"}, "first_deadline": {today}}, []string{"first-deadline"}, "after today"},
		{"a first deadline that is no date", url.Values{"module": {m}, "team": {team}, "refresher": {"never"}, "first_deadline": {"31/03/2027"}}, []string{"first-deadline"}, "as a date"},
		{"0 days to complete", url.Values{"module": {m}, "team": {team}, "refresher": {"never"}, "due_days": {"0"}}, []string{"due-days"}, "from 1 to 3650"},
		{"10,000 days to complete", url.Values{"module": {m}, "team": {team}, "refresher": {"never"}, "due_days": {"10000"}}, []string{"due-days"}, "from 1 to 3650"},
		{"days that are no number", url.Values{"module": {m}, "team": {team}, "refresher": {"never"}, "due_days": {"a month"}}, []string{"due-days"}, "from 1 to 3650"},
		{"everything wrong at once", url.Values{"module": {b.Module}, "team": {b.Team.ID.String()}, "label": {b.Label.ID.String()}, "refresher": {"months"},
			"months": {"10000"}, "first_deadline": {yesterday}}, []string{"module", "team", "label", "months", "first-deadline"}, "courses"},
	}
	before, bBefore := a.snapshot(t, s), b.snapshot(t, s)
	audit := func() int {
		var n int
		err := s.owner.NewRaw("SELECT count(*) FROM audit_log").Scan(ctx, &n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	entries := audit()
	for _, c := range cases {
		for _, target := range []struct{ path, prefix string }{
			{"/admin/requirements", "req"},
			{"/admin/requirements/" + a.Requirement.ID.String(), "edit"},
		} {
			resp, body := a.adminV.post(target.path, c.form)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s at %s: status %d, want 422", c.name, target.path, resp.StatusCode)
				continue
			}
			for _, f := range c.fields {
				id := target.prefix + "-" + f
				if errorFor(body, id) == "" || !strings.Contains(body, `href="#`+id+`"`) {
					t.Errorf("%s at %s: no message at %s", c.name, target.path, id)
				}
			}
			if msg := errorFor(body, target.prefix+"-"+c.fields[0]); !strings.Contains(msg, c.want) {
				t.Errorf("%s at %s: the message is %q, want one with %q", c.name, target.path, msg, c.want)
			}
			if strings.Contains(body, "Beech") {
				t.Errorf("%s at %s: the page shows Beech's data", c.name, target.path)
			}
		}
	}
	for _, c := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"a window of 0 days", url.Values{"due_soon_days": {"0"}}, "settings-due-soon-days"},
		{"a window of 366 days", url.Values{"due_soon_days": {"366"}}, "settings-due-soon-days"},
		{"a window of no number", url.Values{"due_soon_days": {"soon"}}, "settings-due-soon-days"},
		{"another organisation's label", url.Values{"due_soon_days": {"30"}, "responder_label": {b.Label.ID.String()}}, "settings-responder-label"},
		{"a label that is no id", url.Values{"due_soon_days": {"30"}, "responder_label": {"responders"}}, "settings-responder-label"},
	} {
		resp, body := a.adminV.post("/admin/coverage-settings", c.form)
		if resp.StatusCode != http.StatusUnprocessableEntity || errorFor(body, c.field) == "" {
			t.Errorf("settings, %s: status %d, message at %s %q", c.name, resp.StatusCode, c.field, errorFor(body, c.field))
		}
	}
	for _, c := range []struct {
		name string
		form url.Values
		want int
	}{
		{"someone not in the team", url.Values{"person": {a.Invitee.ID.String()}, "manager": {"on"}}, http.StatusNotFound},
		{"someone of another organisation", url.Values{"person": {b.Member.ID.String()}, "manager": {"on"}}, http.StatusNotFound},
		{"a person that is no id", url.Values{"person": {"nora"}, "manager": {"on"}}, http.StatusBadRequest},
		{"neither on nor off", url.Values{"person": {a.Member.ID.String()}, "manager": {"maybe"}}, http.StatusBadRequest},
	} {
		if code, _ := a.adminV.status("/admin/teams/"+a.Team.ID.String()+"/managers", c.form); code != c.want {
			t.Errorf("manager, %s: status %d, want %d", c.name, code, c.want)
		}
	}
	for _, c := range []struct{ path, field string }{
		{"/coverage?team=north", "team"},
		{"/coverage?label=responders", "label"},
		{"/coverage/courses/" + m + "?status=lost", "status"},
		{"/coverage/courses/" + m + "?team=north", "team"},
	} {
		resp, body := a.adminV.get(c.path, "Accept", "application/json")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"field":"`+c.field+`"`) {
			t.Errorf("GET %s: status %d, %s; want 400 naming %s", c.path, resp.StatusCode, body, c.field)
		}
	}
	if after := a.snapshot(t, s); after != before {
		t.Errorf("bad input changed Aspen:\nbefore %s\nafter  %s", before, after)
	}
	if after := b.snapshot(t, s); after != bBefore {
		t.Errorf("bad input changed Beech:\nbefore %s\nafter  %s", bBefore, after)
	}
	if n := audit(); n != entries {
		t.Errorf("bad input wrote %d audit entries", n-entries)
	}
}

// TestRequirementsAndDashboard: an org admin requires a course, changes
// and removes requirements and the settings (each audited); the dashboard,
// its drill-down and its lists follow a learner from not started to due
// soon, overdue and complete; and the learner's catalogue lists the
// required courses first with their due dates and status.
func TestRequirementsAndDashboard(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Aspen")
	cat := s.learn.Content()
	done, next := a.Course.Module, cat.Modules[1]
	team := a.Team.ID.String()

	// The fixture's requirement: the member completed that course.
	body := a.adminV.page("/coverage", a.Team.Name, done.Title, "Complete: 1", "(100%)")
	if !strings.Contains(body, `id="coverage-table"`) || !strings.Contains(body, `fill="url(#pat-complete)"`) {
		t.Error("the dashboard lacks its table or its bar")
	}

	// Require the next course of the team within 40 days, refreshed
	// every 6 months.
	a.adminV.redirect("/admin/requirements", url.Values{"module": {next.ID}, "team": {team}, "due_days": {"40"},
		"refresher": {"months"}, "months": {"6"}}, "/admin/requirements")
	a.adminV.page("/admin/requirements?notice=added", "The course is now required.", next.Title, "Every 6 months", "40 days")
	due := s.clock.Now().AddDate(0, 0, 40)
	a.adminV.page("/coverage?course="+next.ID, "Not started: 1", "Overdue (0)")
	cell := "/coverage/courses/" + next.ID + "?team=" + team
	a.adminV.page(cell, a.Member.Name, "Not started", day(due), "Not yet")
	a.memberV.page("/courses", "Required of you", next.Title, "Not started</strong>: due by "+day(due), done.Title)

	// Eleven days on, it falls due soon; forty-one days on it is overdue.
	// (The due date runs from joining the team, which the database
	// stamped a moment after the test's clock started.)
	s.clock.Add(11 * 24 * time.Hour)
	a.signInAgain(t, s)
	a.adminV.page("/coverage", "Due soon: 1", "Due in the next 30 days (1)", a.Member.Name)
	s.clock.Add(30 * 24 * time.Hour)
	a.signInAgain(t, s)
	body = a.adminV.page("/coverage", "Overdue: 1", "Overdue (1)")
	if !strings.Contains(body, `fill="url(#pat-overdue)"`) {
		t.Error("the overdue share is not drawn")
	}
	a.adminV.page(cell+"&status=overdue", a.Member.Name, "Overdue (1 of 1)")
	a.memberV.page("/courses", "Overdue</strong>: it was due by "+day(due))

	// The learner completes it: the dashboard moves.
	fixture.Play(t, s.learn, org.ActorFor(s.st, a.Member, ""), next.ID, fixture.Plan{Finish: true})
	a.adminV.page("/coverage?course="+next.ID, "Complete: 1", "Overdue (0)")
	expires := org.AddMonths(s.clock.Now(), 6)
	a.adminV.page(cell+"&status=complete", a.Member.Name, day(s.clock.Now()), day(expires))
	a.memberV.page("/courses", "Complete</strong>: completed "+day(s.clock.Now())+", valid until "+day(expires))

	// Change it: a label instead of the team; then remove it.
	id := requirementID(t, s, a, next.ID)
	a.adminV.page("/admin/requirements/"+id, `value="40"`, `value="6"`)
	a.adminV.redirect("/admin/requirements/"+id, url.Values{"module": {next.ID}, "label": {a.Label.ID.String()}, "due_days": {"20"},
		"refresher": {"never"}, "strict": {"1"}}, "/admin/requirements")
	a.adminV.page("/admin/requirements", "Everyone labelled "+a.Label.Name, "20 days", "Every scenario at least mixed")
	a.adminV.redirect("/admin/requirements/"+id+"/delete", nil, "/admin/requirements")
	if body := a.adminV.page("/admin/requirements"); strings.Contains(body, "Everyone labelled") {
		t.Error("the removed requirement is still listed")
	}

	// The settings: a 14-day window and a responder label.
	a.adminV.redirect("/admin/coverage-settings", url.Values{"due_soon_days": {"14"}, "responder_label": {a.Label.ID.String()}}, "/admin/requirements")
	a.adminV.page("/admin/requirements", `value="14"`)
	a.adminV.page("/coverage", "Due in the next 14 days")
	audit := a.adminV.page("/admin/audit")
	for _, w := range []string{"Required a course", "Changed a course requirement", "Removed a course requirement", "Changed the coverage settings"} {
		if !strings.Contains(audit, w) {
			t.Errorf("the audit log lacks %q", w)
		}
	}
}

// signInAgain gives x's admin and member fresh sessions, after the clock
// has moved past their idle timeout.
func (x *tenant) signInAgain(t *testing.T, s *testServer) {
	t.Helper()
	for _, p := range []struct {
		v *browser
		p store.Person
	}{{x.adminV, x.Admin}, {x.memberV, x.Member}} {
		token, _, err := s.auth.StartSession(context.Background(), p.p, "192.0.2.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		p.v.setCookie(s.sessionCookie, token)
		p.v.get("/courses")
	}
}

// requirementID is the id of x's requirement of module.
func requirementID(t *testing.T, s *testServer, x *tenant, module string) string {
	t.Helper()
	rs, err := s.st.Org(x.Org.ID).Requirements(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.ModuleID == module {
			return r.ID.String()
		}
	}
	t.Fatalf("no requirement of %s", module)
	return ""
}

// TestCatalogueWithoutRequirements: with nothing required, the catalogue
// says every course is optional.
func TestCatalogueWithoutRequirements(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	o := s.organisation(t, "Quiet Trust")
	v, _ := s.person(t, o, "Quinn Learner", false)
	body := v.page("/courses", "Every course here is optional for now")
	if strings.Contains(body, "Required of you") {
		t.Error("a learner with no required course sees a required list")
	}
	v.page("/courses?audience=line-manager", "The library")
}
