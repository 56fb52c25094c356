package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/mail"
	"github.com/upstand/upstand/app/mail/mailtest"
	"github.com/upstand/upstand/app/store"
)

var linkOnPage = regexp.MustCompile(`id="enrol-link" type="text" readonly value="([^"]+)"`)

// shownLink is the enrolment link on an admin's link page.
func shownLink(t *testing.T, body string) string {
	t.Helper()
	m := linkOnPage.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no enrolment link on the page:\n%.2000s", body)
	}
	return html.UnescapeString(m[1])
}

func people(t *testing.T, s *testServer, org uuid.UUID) map[string]store.Person {
	t.Helper()
	ps, err := s.st.Org(org).People(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Person{}
	for _, p := range ps {
		out[p.Email] = p
	}
	return out
}

func groupNames(t *testing.T, s *testServer, k store.GroupKind, org, person uuid.UUID) []string {
	t.Helper()
	gs, err := s.st.Org(org).GroupsOf(context.Background(), k, person)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range gs {
		names = append(names, g.Name)
	}
	return names
}

func auditActionsOf(t *testing.T, s *testServer, org uuid.UUID, f store.AuditFilter) []string {
	t.Helper()
	es, err := s.st.Org(org).AuditLog(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

// TestAdminPagesAreForOrgAdminsOnly: every route under /admin is a 404 for
// a signed-in member who is not an org admin, and sends an anonymous
// visitor to sign in; a refused POST changes nothing.
func TestAdminPagesAreForOrgAdminsOnly(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Alder")
	anon := s.browser(t)
	before := len(people(t, s, a.Org.ID))
	var checked int
	for _, r := range s.App().GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/admin") || r.Method == http.MethodHead {
			continue
		}
		checked++
		path := strings.NewReplacer(":id", a.Member.ID.String(), ":invite", a.Invite.ID.String()).Replace(r.Path)
		var resp *http.Response
		var body string
		form := url.Values{"name": {"Intruder"}, "email": {"intruder@alder.example"}}
		if r.Method == http.MethodGet {
			resp, body = a.memberV.get(path)
		} else {
			resp, body = a.memberV.post(path, form)
		}
		if resp.StatusCode != 404 || strings.Contains(body, a.Invitee.Email) {
			t.Errorf("member %s %s: status %d, want 404", r.Method, path, resp.StatusCode)
		}
		if r.Method == http.MethodGet {
			resp, _ = anon.get(path)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
				t.Errorf("anonymous %s %s: status %d to %q, want 303 to /signin", r.Method, path, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	}
	if checked < 15 {
		t.Errorf("only %d admin routes found", checked)
	}
	if after := people(t, s, a.Org.ID); len(after) != before || after[a.Member.Email].Name != a.Member.Name || !after[a.Member.Email].Active {
		t.Errorf("a member's refused POSTs changed people: %d -> %d", before, len(after))
	}
	if n, _ := s.st.Org(a.Org.ID).Groups(context.Background(), store.Teams); len(n) != 1 {
		t.Errorf("a member's refused POSTs changed teams: %v", n)
	}
}

// TestNotFoundIsOnePage: whatever makes a 404 — the admin wall, another
// organisation's id, a malformed id, an address with no route — the page
// says the same helpful thing, and it is still a 404.
func TestNotFoundIsOnePage(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a, b := s.newTenant(t, "Hazel"), s.newTenant(t, "Ivy")
	for _, tc := range []struct {
		name string
		v    *browser
		path string
	}{
		{"a learner opens /admin", a.memberV, "/admin"},
		{"an admin opens another organisation's person", a.adminV, "/admin/people/" + b.Member.ID.String()},
		{"an admin opens a malformed person id", a.adminV, "/admin/people/nonsense"},
		{"an address with no route", a.memberV, "/no/such/page"},
	} {
		resp, body := tc.v.get(tc.path)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", tc.name, resp.StatusCode)
		}
		for _, want := range []string{"<title>Page not found", "<h1>Page not found</h1>", "There is no page at this address", `href="/"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the page lacks %q\n%.1500s", tc.name, want, body)
			}
		}
		if strings.Contains(body, b.Member.Name) {
			t.Errorf("%s: the page shows the other organisation's person", tc.name)
		}
	}
}

// TestInviteThroughTheAdminPages: the admin invites someone with roles,
// a team and a label; the page shows a working one-time link (mail is off,
// and it says so); the person enrols and shows up in the list.
func TestInviteThroughTheAdminPages(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Birch")
	admin := a.adminV
	body := admin.page("/admin/people", "Invite someone", a.Member.Name, a.Member.Email, a.Team.Name, a.Label.Name,
		"Invited, no passkey yet", `action="/admin/people"`, `name="_csrf"`, "Email is not set up")
	if strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
		t.Error("inline script or style on the people page")
	}
	before := len(people(t, s, a.Org.ID))

	resp, body := admin.post("/admin/people", url.Values{"name": {"  Dana   Ferreira "}, "email": {"dana@birch.example"},
		"trainer": {"1"}, "teams": {a.Team.ID.String()}, "labels": {a.Label.ID.String()}})
	if resp.StatusCode != 200 {
		t.Fatalf("invite: status %d\n%.2000s", resp.StatusCode, body)
	}
	link := shownLink(t, body)
	if !strings.HasPrefix(link, s.cfg.BaseURL.String()+"/enrol/") || len(link) < len(s.cfg.BaseURL.String())+40 {
		t.Errorf("link %q", link)
	}
	for _, want := range []string{"Dana Ferreira is invited", "link was not emailed", "works once"} {
		if !strings.Contains(body, want) {
			t.Errorf("link page lacks %q", want)
		}
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the link page may be cached: %q", cc)
	}
	dana, ok := people(t, s, a.Org.ID)["dana@birch.example"]
	if !ok || dana.Name != "Dana Ferreira" || !dana.IsTrainer || dana.IsOrgAdmin || !dana.Active || dana.OrgID != a.Org.ID {
		t.Fatalf("invited person %+v", dana)
	}
	if got := groupNames(t, s, store.Teams, a.Org.ID, dana.ID); !slices.Equal(got, []string{a.Team.Name}) {
		t.Errorf("teams %v", got)
	}
	if got := groupNames(t, s, store.Labels, a.Org.ID, dana.ID); !slices.Equal(got, []string{a.Label.Name}) {
		t.Errorf("labels %v", got)
	}
	f := store.AuditFilter{Action: "invite.create", PersonID: &dana.ID}
	if got := auditActionsOf(t, s, a.Org.ID, f); len(got) != 1 {
		t.Errorf("invitation audited %d times", len(got))
	}
	token := enrolTokenRE.FindStringSubmatch(link)[1]
	if strings.Contains(s.logs.String(), token) {
		t.Error("the enrolment token is in the log")
	}

	// The person follows the link.
	dv := s.browser(t)
	dv.enrol(link)
	if got := dv.signedInAs(); got != "Dana Ferreira" {
		t.Errorf("after enrolling, signed in as %q", got)
	}
	if resp, _ := s.browser(t).get("/enrol/" + token); resp.StatusCode != 404 {
		t.Errorf("the used link still opens: %d", resp.StatusCode)
	}
	body = admin.page("/admin/people")
	row := regexp.MustCompile(`(?s)<tr role="row">\s*<th scope="row" role="rowheader"><a href="/admin/people/` + dana.ID.String() + `">Dana Ferreira</a></th>(.*?)</tr>`).FindStringSubmatch(body)
	if row == nil {
		t.Fatalf("Dana is not listed:\n%.3000s", body)
	}
	cells := regexp.MustCompile(`<td role="cell" data-label="[^"]*">([^<]*)</td>`).FindAllStringSubmatch(row[1], -1)
	var got []string
	for _, c := range cells {
		got = append(got, c[1])
	}
	want := []string{"dana@birch.example", a.Team.Name, a.Label.Name, "Learner, Trainer", "Active", "1"}
	if !slices.Equal(got, want) {
		t.Errorf("Dana's row: %q, want %q", got, want)
	}
	if after := len(people(t, s, a.Org.ID)); after != before+1 {
		t.Errorf("%d people after one invitation, want %d", after, before+1)
	}
}

// TestInviteMistakes: a refused invitation is a 422 that shows the message
// next to the field and keeps what was typed; nothing is created.
func TestInviteMistakes(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Cedar")
	before := len(people(t, s, a.Org.ID))
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
		msg   string
		typed []string
	}{
		{"bad email", url.Values{"name": {"Eli Grant"}, "email": {"eli at cedar"}, "teams": {a.Team.ID.String()}},
			"invite-email", "Enter an email address", []string{`value="Eli Grant"`, `value="eli at cedar"`, `value="` + a.Team.ID.String() + `" checked`}},
		{"no name", url.Values{"name": {"  "}, "email": {"eli@cedar.example"}, "org_admin": {"1"}},
			"invite-name", "Enter the person", []string{`value="eli@cedar.example"`, `id="invite-org-admin" name="org_admin" type="checkbox" value="1" checked`}},
		{"taken email", url.Values{"name": {"Eli Grant"}, "email": {a.Member.Email}},
			"invite-email", "already has that email address", []string{`value="Eli Grant"`}},
		{"unknown team", url.Values{"name": {"Eli Grant"}, "email": {"eli@cedar.example"}, "teams": {uuid.NewString()}},
			"", "One of the teams you chose no longer exists", []string{`value="Eli Grant"`}},
		{"malformed label", url.Values{"name": {"Eli Grant"}, "email": {"eli@cedar.example"}, "labels": {"not-an-id"}},
			"", "One of the labels you chose no longer exists", []string{`value="Eli Grant"`}},
	} {
		resp, body := a.adminV.post("/admin/people", tc.form)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", tc.name, resp.StatusCode)
			continue
		}
		if !strings.Contains(body, "There is a problem") || !strings.Contains(html.UnescapeString(body), tc.msg) {
			t.Errorf("%s: no summary with %q", tc.name, tc.msg)
		}
		if tc.field != "" {
			if !strings.Contains(body, `id="`+tc.field+`-error"`) || !strings.Contains(body, `href="#`+tc.field+`"`) ||
				!strings.Contains(body, `aria-describedby="`+tc.field+`-error"`) {
				t.Errorf("%s: the message is not next to %s and linked from the summary", tc.name, tc.field)
			}
		}
		for _, w := range tc.typed {
			if !strings.Contains(body, w) {
				t.Errorf("%s: what was typed is lost: no %s", tc.name, w)
			}
		}
		if linkOnPage.MatchString(body) {
			t.Errorf("%s: a link was shown", tc.name)
		}
	}
	if after := len(people(t, s, a.Org.ID)); after != before {
		t.Errorf("refused invitations created %d people", after-before)
	}
}

// TestEditPerson: details, roles, teams and labels change together, or
// not at all; each kind of change is audited.
func TestEditPerson(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Dogwood")
	ctx := context.Background()
	other, err := s.org.CreateGroup(ctx, s.operator(a.Org.ID), store.Teams, "Night shift")
	if err != nil {
		t.Fatal(err)
	}
	page := "/admin/people/" + a.Member.ID.String()
	a.adminV.page(page, `value="Dogwood Memberley"`, `value="`+a.Team.ID.String()+`" checked`, "Issue a new enrolment link", "Deactivate Dogwood Memberley", "Laptop")

	a.adminV.redirect(page, url.Values{"name": {"Dee Memberley"}, "email": {"dee@dogwood.example"}, "trainer": {"1"}, "org_admin": {"1"},
		"teams": {other.ID.String()}}, page+"?notice=saved")
	p, err := s.st.Org(a.Org.ID).Person(ctx, a.Member.ID)
	if err != nil || p.Name != "Dee Memberley" || p.Email != "dee@dogwood.example" || !p.IsTrainer || !p.IsOrgAdmin {
		t.Fatalf("after the edit: %+v %v", p, err)
	}
	if got := groupNames(t, s, store.Teams, a.Org.ID, p.ID); !slices.Equal(got, []string{"Night shift"}) {
		t.Errorf("teams %v", got)
	}
	if got := groupNames(t, s, store.Labels, a.Org.ID, p.ID); len(got) != 0 {
		t.Errorf("labels %v, want none", got)
	}
	got := auditActionsOf(t, s, a.Org.ID, store.AuditFilter{PersonID: &p.ID})
	for _, want := range []string{"person.details", "person.roles", "person.teams", "person.labels"} {
		if !slices.Contains(got, want) {
			t.Errorf("%s not audited: %v", want, got)
		}
	}
	// Roles read in people's words on every page that lists them, the
	// audit log's included; the codes never show.
	for _, path := range []string{page + "?notice=saved", "/admin/people", "/admin/audit?action=person.roles"} {
		body := a.adminV.page(path, "Learner, Trainer, Org admin")
		if strings.Contains(body, "org_admin<") || strings.Contains(body, "learner,") {
			t.Errorf("%s shows role codes", path)
		}
	}
	a.adminV.page("/admin/audit?action=person.roles", "from: Learner; to: Learner, Trainer, Org admin")
	a.adminV.page("/account", "<dd>Learner, Org admin</dd>")
	a.adminV.page(page+"?notice=saved", "Changes saved", `value="Dee Memberley"`)

	// All or nothing: a taken email refuses the new name and teams too.
	resp, body := a.adminV.post(page, url.Values{"name": {"Someone Else"}, "email": {a.Admin.Email}, "teams": {a.Team.ID.String()}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="person-email-error"`) ||
		!strings.Contains(body, `value="Someone Else"`) {
		t.Errorf("taken email: status %d\n%.1500s", resp.StatusCode, body)
	}
	if p2, _ := s.st.Org(a.Org.ID).Person(ctx, a.Member.ID); p2.Name != "Dee Memberley" || p2.Email != "dee@dogwood.example" {
		t.Errorf("a refused edit changed %+v", p2)
	}
	if got := groupNames(t, s, store.Teams, a.Org.ID, a.Member.ID); !slices.Equal(got, []string{"Night shift"}) {
		t.Errorf("a refused edit changed teams: %v", got)
	}

	// An admin cannot drop their own admin role; the last admin is kept
	// by the store too.
	self := "/admin/people/" + a.Admin.ID.String()
	resp, body = a.adminV.post(self, url.Values{"name": {a.Admin.Name}, "email": {a.Admin.Email}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "own org admin role") {
		t.Errorf("dropping my own admin role: status %d", resp.StatusCode)
	}
	if p, _ := s.st.Org(a.Org.ID).Person(ctx, a.Admin.ID); !p.IsOrgAdmin {
		t.Error("the admin lost their role")
	}
	// Dee (now an admin too) takes the role away from the first admin;
	// she cannot then drop her own, and the first admin is out of /admin.
	dee := s.browser(t)
	dee.signIn(a.memberKey)
	dee.redirect(self, url.Values{"name": {a.Admin.Name}, "email": {a.Admin.Email}}, self)
	resp, _ = dee.post(page, url.Values{"name": {"Dee Memberley"}, "email": {"dee@dogwood.example"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("the last admin drops her role: status %d", resp.StatusCode)
	}
	if resp, _ := a.adminV.get("/admin/people"); resp.StatusCode != 404 {
		t.Errorf("a former admin still sees the admin pages: %d", resp.StatusCode)
	}
}

// TestDeactivateReenrolRevoke: deactivation stops sign-in and new links;
// reactivation brings the person back; a new link withdraws the old one;
// a link can be withdrawn by itself.
func TestDeactivateReenrolRevoke(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Elm")
	ctx := context.Background()
	page := "/admin/people/" + a.Member.ID.String()

	resp, _ := a.adminV.post("/admin/people/"+a.Admin.ID.String()+"/deactivate", nil)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("deactivating myself: status %d, want 422", resp.StatusCode)
	}
	a.adminV.redirect(page+"/deactivate", nil, page+"?notice=deactivated")
	body := a.adminV.page(page+"?notice=deactivated", "is deactivated and signed out everywhere", "Reactivate Elm Memberley")
	if strings.Contains(body, "Issue a new enrolment link") {
		t.Error("a deactivated person is offered a new link")
	}
	if resp, body := a.adminV.post(page+"/reenrol", nil); resp.StatusCode != http.StatusUnprocessableEntity || linkOnPage.MatchString(body) {
		t.Errorf("a link for a deactivated person: status %d", resp.StatusCode)
	}
	v := s.browser(t)
	if resp, _ := v.signIn(a.memberKey); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a deactivated person signs in: status %d", resp.StatusCode)
	}
	a.adminV.redirect(page+"/reactivate", nil, page+"?notice=reactivated")
	if resp, body := v.signIn(a.memberKey); resp.StatusCode != 200 {
		t.Errorf("sign-in after reactivation: %d %s", resp.StatusCode, body)
	}
	if got := auditActionsOf(t, s, a.Org.ID, store.AuditFilter{PersonID: &a.Member.ID}); !slices.Contains(got, "person.deactivate") || !slices.Contains(got, "person.reactivate") {
		t.Errorf("audit %v", got)
	}

	// A new link for the invitee withdraws the first one.
	ipage := "/admin/people/" + a.Invitee.ID.String()
	a.adminV.page(ipage, "Withdraw the link issued")
	resp, body = a.adminV.post(ipage+"/reenrol", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("reenrol: %d", resp.StatusCode)
	}
	fresh := shownLink(t, body)
	if !strings.Contains(body, "New enrolment link for Elm Inviteeson") || strings.Contains(fresh, a.InviteToken) {
		t.Errorf("reenrol page:\n%.1500s", body)
	}
	if resp, _ := s.browser(t).get("/enrol/" + a.InviteToken); resp.StatusCode != 404 {
		t.Errorf("the older link still opens: %d", resp.StatusCode)
	}
	open, err := s.st.Org(a.Org.ID).OpenInvites(ctx, a.Invitee.ID, s.clock.Now())
	if err != nil || len(open) != 1 {
		t.Fatalf("open links %v %v", open, err)
	}
	// Withdraw it: it no longer opens, and it cannot be withdrawn twice.
	revoke := ipage + "/invites/" + open[0].ID.String() + "/revoke"
	a.adminV.redirect(revoke, nil, ipage+"?notice=revoked")
	if resp, _ := s.browser(t).get(strings.TrimPrefix(fresh, s.cfg.BaseURL.String())); resp.StatusCode != 404 {
		t.Errorf("the withdrawn link still opens: %d", resp.StatusCode)
	}
	if resp, _ := a.adminV.post(revoke, nil); resp.StatusCode != 404 {
		t.Errorf("withdrawing twice: %d", resp.StatusCode)
	}
	// Someone else's link cannot be withdrawn through this person's page.
	link, err := s.org.Reenrol(ctx, s.operator(a.Org.ID), a.Invitee.ID)
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := a.adminV.post(page+"/invites/"+link.InviteID.String()+"/revoke", nil); resp.StatusCode != 404 {
		t.Errorf("withdrawing another person's link: %d", resp.StatusCode)
	}
	if open, _ := s.st.Org(a.Org.ID).OpenInvites(ctx, a.Invitee.ID, s.clock.Now()); len(open) != 1 {
		t.Errorf("the invitee's link was withdrawn through another page")
	}
	if got := auditActionsOf(t, s, a.Org.ID, store.AuditFilter{Action: "invite.revoke"}); len(got) != 1 {
		t.Errorf("%d withdrawals audited, want 1", len(got))
	}
}

// TestTeamsAndLabelsPages: create, rename and delete (after a confirmation
// page) teams and labels; mistakes keep what was typed.
func TestTeamsAndLabelsPages(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Fir")
	ctx := context.Background()
	for _, k := range []store.GroupKind{store.Teams, store.Labels} {
		page := groupPageOf(k)
		existing := a.Team
		if k == store.Labels {
			existing = a.Label
		}
		a.adminV.page(page.Path, page.Plural, existing.Name, "1 active person")
		a.adminV.redirect(page.Path, url.Values{"name": {"  Estates  and   facilities "}}, page.Path+"?notice=created")
		gs, _ := s.st.Org(a.Org.ID).Groups(ctx, k)
		var created store.Group
		for _, g := range gs {
			if g.Name == "Estates and facilities" {
				created = g
			}
		}
		if created.ID == uuid.Nil {
			t.Fatalf("%s not created: %v", k.Noun, gs)
		}
		resp, body := a.adminV.post(page.Path, url.Values{"name": {"estates AND facilities"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "There is already a "+k.Noun) ||
			!strings.Contains(body, `value="estates AND facilities"`) || !strings.Contains(body, `id="new-name-error"`) {
			t.Errorf("duplicate %s: status %d", k.Noun, resp.StatusCode)
		}
		rename := page.Path + "/" + created.ID.String() + "/rename"
		resp, body = a.adminV.post(rename, url.Values{"name": {"   "}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="rename-`+created.ID.String()+`-error"`) {
			t.Errorf("empty %s name: status %d", k.Noun, resp.StatusCode)
		}
		a.adminV.redirect(rename, url.Values{"name": {"Estates"}}, page.Path+"?notice=renamed")
		if g, _ := s.st.Org(a.Org.ID).Group(ctx, k, created.ID); g.Name != "Estates" {
			t.Errorf("renamed %s: %q", k.Noun, g.Name)
		}
		// The confirmation page changes nothing; the POST deletes, and the
		// people in it stay.
		del := page.Path + "/" + existing.ID.String() + "/delete"
		a.adminV.page(del, "Delete the "+k.Noun+" "+existing.Name+"?", "1 active person is")
		if _, err := s.st.Org(a.Org.ID).Group(ctx, k, existing.ID); err != nil {
			t.Fatalf("the confirmation page deleted the %s: %v", k.Noun, err)
		}
		a.adminV.redirect(del, nil, page.Path+"?notice=deleted")
		if _, err := s.st.Org(a.Org.ID).Group(ctx, k, existing.ID); err == nil {
			t.Errorf("the %s was not deleted", k.Noun)
		}
		if p, err := s.st.Org(a.Org.ID).Person(ctx, a.Member.ID); err != nil || !p.Active {
			t.Errorf("deleting a %s touched its member: %v", k.Noun, err)
		}
		got := auditActionsOf(t, s, a.Org.ID, store.AuditFilter{})
		for _, want := range []string{k.Noun + ".create", k.Noun + ".rename", k.Noun + ".delete"} {
			if !slices.Contains(got, want) {
				t.Errorf("%s not audited", want)
			}
		}
	}
}

// TestAuditLogPage: filters by action, person and days; shows who, what,
// when and from where; never an enrolment token.
func TestAuditLogPage(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Gorse")
	day1 := s.clock.Now().UTC().Format(time.DateOnly)
	s.clock.Add(48 * time.Hour) // the session has timed out meanwhile
	a.adminV.signIn(a.adminKey)
	a.adminV.redirect("/admin/teams", url.Values{"name": {"Later team"}}, "/admin/teams")
	day3 := s.clock.Now().UTC().Format(time.DateOnly)

	body := a.adminV.page("/admin/audit", "Audit log", "Created a team", "Later team", "Invited someone", "Gorse Adminson", "Operator (command line)", "0.0.0.0")
	if strings.Contains(body, a.InviteToken) {
		t.Error("the audit page shows an enrolment token")
	}
	rows := func(body string) int { return strings.Count(body, `<td role="cell"`) / 6 }
	all := rows(body)

	body = a.adminV.page("/admin/audit?action=team.create", `<option value="team.create" selected>`)
	if n := rows(body); n != 2 || !strings.Contains(body, "Later team") || !strings.Contains(body, "Gorse Ward") {
		t.Errorf("action filter: %d rows", n)
	}
	body = a.adminV.page("/admin/audit?person="+a.Invitee.ID.String(), "Gorse Inviteeson")
	if n := rows(body); n != 1 || !strings.Contains(body, "Invited someone") {
		t.Errorf("person filter: %d rows", n)
	}
	body = a.adminV.page("/admin/audit?from=" + day3 + "&to=" + day3)
	if n := rows(body); n != 2 || !strings.Contains(body, "Later team") || strings.Contains(body, "Gorse Ward") {
		t.Errorf("from %s to %s: %d rows", day3, day3, n)
	}
	body = a.adminV.page("/admin/audit?to=" + day1)
	if n := rows(body); n == 0 || n >= all || strings.Contains(body, "Later team") {
		t.Errorf("to %s: %d rows of %d", day1, n, all)
	}
	for _, bad := range []string{"?from=31/12/2026", "?from=" + day3 + "&to=" + day1, "?person=nobody"} {
		resp, body := a.adminV.get("/admin/audit" + bad)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "There is a problem") || strings.Contains(body, `id="audit-entries"`) {
			t.Errorf("filter %s: status %d", bad, resp.StatusCode)
		}
	}
}

// TestInviteIsEmailedWhenMailIsOn delivers the link to a real (in-process)
// SMTP server; the page still shows it. With the server gone the page says
// so and the link is still there.
func TestInviteIsEmailedWhenMailIsOn(t *testing.T) {
	t.Parallel()
	smtp := mailtest.Start(t, mailtest.Options{})
	sender, err := mail.New(mail.Config{Addr: smtp.Addr, From: "Upstand <upstand@hazel.example>", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, serverOptions{mail: sender})
	a := s.newTenant(t, "Hazel")
	a.adminV.page("/admin/people", "The link is emailed to them and shown to you.")
	resp, body := a.adminV.post("/admin/people", url.Values{"name": {"Iris Jones"}, "email": {"iris@hazel.example"}})
	if resp.StatusCode != 200 || !strings.Contains(body, "The link has been emailed to iris@hazel.example") {
		t.Fatalf("invite with mail on: status %d\n%.1500s", resp.StatusCode, body)
	}
	link := shownLink(t, body)
	msgs := smtp.Messages()
	if len(msgs) != 1 || !slices.Equal(msgs[0].To, []string{"iris@hazel.example"}) || msgs[0].From != "upstand@hazel.example" {
		t.Fatalf("messages %+v", msgs)
	}
	data := strings.ReplaceAll(strings.ReplaceAll(msgs[0].Data, "=\r\n", ""), "=3D", "=")
	for _, want := range []string{link, "Hello Iris Jones", "Hazel Adminson has invited you", "Subject: Your invitation to Upstand from Hazel Trust"} {
		if !strings.Contains(data, want) {
			t.Errorf("the email lacks %q:\n%s", want, data)
		}
	}
	if strings.Contains(s.logs.String(), enrolTokenRE.FindStringSubmatch(link)[1]) {
		t.Error("the emailed token is in the log")
	}
	// The emailed link works.
	s.browser(t).enrol(link)

	// A new link for someone who lost their passkeys is emailed too.
	resp, body = a.adminV.post("/admin/people/"+a.Member.ID.String()+"/reenrol", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "emailed to "+a.Member.Email) {
		t.Errorf("reenrol with mail on: %d", resp.StatusCode)
	}
	if msgs := smtp.Messages(); len(msgs) != 2 || !strings.Contains(msgs[1].Data, "A new Upstand sign-in link") {
		t.Errorf("reenrol email: %d messages", len(msgs))
	}

	// The SMTP server is gone: the admin still gets the link.
	down, _ := mail.New(mail.Config{Addr: "127.0.0.1:1", From: "upstand@hazel.example", Timeout: time.Second})
	s.mail = down
	resp, body = a.adminV.post("/admin/people", url.Values{"name": {"Jo King"}, "email": {"jo@hazel.example"}})
	if resp.StatusCode != 200 || !strings.Contains(body, "could not be sent") {
		t.Errorf("invite with the mail server down: status %d\n%.1500s", resp.StatusCode, body)
	}
	shownLink(t, body)
	if !strings.Contains(s.logs.String(), "enrolment link not emailed") {
		t.Error("the failed email is not logged")
	}
}

// TestInviteAndReenrolAreRateLimited: invitations and new links share a
// limit per client address; it resets after a minute.
func TestInviteAndReenrolAreRateLimited(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Ivy")
	ctx := context.Background()
	for i := range 29 {
		p, _, err := s.org.Invite(ctx, s.operator(a.Org.ID), inviteFor(i))
		if err != nil {
			t.Fatal(err)
		}
		path := "/admin/people/" + p.ID.String() + "/reenrol"
		if resp, _ := a.adminV.post(path, nil); resp.StatusCode != 200 {
			t.Fatalf("request %d: status %d", i+1, resp.StatusCode)
		}
	}
	if resp, _ := a.adminV.post("/admin/people", url.Values{"name": {"Thirty"}, "email": {"thirty@ivy.example"}}); resp.StatusCode != 200 {
		t.Fatalf("request 30: status %d", resp.StatusCode)
	}
	resp, body := a.adminV.post("/admin/people", url.Values{"name": {"Thirty-one"}, "email": {"thirty-one@ivy.example"}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many attempts") {
		t.Fatalf("request 31: status %d", resp.StatusCode)
	}
	if _, ok := people(t, s, a.Org.ID)["thirty-one@ivy.example"]; ok {
		t.Error("a rate-limited invitation was created")
	}
	// Other admin pages are not limited.
	a.adminV.page("/admin/people")
	s.clock.Add(61 * time.Second)
	if resp, _ := a.adminV.post("/admin/people", url.Values{"name": {"Thirty-one"}, "email": {"thirty-one@ivy.example"}}); resp.StatusCode != 200 {
		t.Errorf("after a minute: status %d", resp.StatusCode)
	}
}

func inviteFor(i int) store.PersonDetails {
	return store.PersonDetails{Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("person%d@ivy.example", i)}
}
