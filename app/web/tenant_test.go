package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/upstand/upstand/app/auth"
	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// The cross-tenant matrix: for every route that takes a parameter, a
// signed-in org admin (and a member, and a trainer) of organisation A
// asking with organisation B's ids gets a 404 with none of B's data in the
// body, and B's data is unchanged; the same request with A's own ids
// works, which shows the 404 comes from the organisation wall and not from
// a wrong URL.
//
// The table must name every route with a parameter: a new route fails
// TestEveryParameterRouteIsInTheTenantMatrix until it has a row.

// tenantRow is one route's entry in the matrix.
type tenantRow struct {
	// path and form are filled in with one organisation's values; see fill
	// for the {placeholders}.
	path string
	form url.Values
	// own is the status the owner gets with their own ids, asking as ownAs
	// ("admin", "member" or "trainer").
	own   int
	ownAs string
	// shared routes take only course content (module, step, phase), which
	// is the same for every organisation: they are asked with A's values
	// and must show nothing of B's. want, if set, is the status expected.
	shared bool
	// exempt routes cannot reach another organisation's data through an
	// id; the reason says why.
	exempt string
	// publishModule: both organisations publish a course of their own
	// first ({ownCourse}).
	publishModule bool
}

// tenantRoutes is the matrix, keyed "METHOD /route/:pattern" as Fiber
// registers it.
var tenantRoutes = map[string]tenantRow{
	// Identity.
	"GET /enrol/:token":         {exempt: "the token is a 256-bit secret that decides whose enrolment it is, whoever is signed in; tested in app/auth"},
	"POST /enrol/:token/begin":  {exempt: "the token is a 256-bit secret that decides whose enrolment it is; tested in app/auth"},
	"POST /enrol/:token/finish": {exempt: "the token is a 256-bit secret that decides whose enrolment it is; tested in app/auth"},
	"GET /demo/:token":          {exempt: "demo mode only; the token is a 256-bit secret that decides whom it signs in; tested in demo_test.go"},
	"POST /demo/:token":         {exempt: "demo mode only; the token is a 256-bit secret that decides whom it signs in; tested in demo_test.go"},
	"POST /account/passkeys/:id/rename": {path: "/account/passkeys/{passkey}/rename", form: url.Values{"name": {"Renamed"}},
		own: http.StatusSeeOther, ownAs: "member"},
	// The member's only passkey cannot be removed: 409 shows it was found.
	"POST /account/passkeys/:id/remove": {path: "/account/passkeys/{passkey}/remove", own: http.StatusConflict, ownAs: "member"},

	// Organisation admin.
	"GET /admin/people/:id": {path: "/admin/people/{member}", own: 200, ownAs: "admin"},
	"POST /admin/people/:id": {path: "/admin/people/{member}", form: url.Values{"name": {"Renamed Person"}, "email": {"renamed@example.org"}},
		own: http.StatusSeeOther, ownAs: "admin"},
	"POST /admin/people/:id/deactivate":             {path: "/admin/people/{member}/deactivate", own: http.StatusSeeOther, ownAs: "admin"},
	"POST /admin/people/:id/reactivate":             {path: "/admin/people/{member}/reactivate", own: http.StatusSeeOther, ownAs: "admin"},
	"POST /admin/people/:id/reenrol":                {path: "/admin/people/{member}/reenrol", own: 200, ownAs: "admin"},
	"POST /admin/people/:id/invites/:invite/revoke": {path: "/admin/people/{invitee}/invites/{invite}/revoke", own: http.StatusSeeOther, ownAs: "admin"},
	"POST /admin/teams/:id/rename":                  {path: "/admin/teams/{team}/rename", form: url.Values{"name": {"Renamed team"}}, own: http.StatusSeeOther, ownAs: "admin"},
	"GET /admin/teams/:id/delete":                   {path: "/admin/teams/{team}/delete", own: 200, ownAs: "admin"},
	"POST /admin/teams/:id/delete":                  {path: "/admin/teams/{team}/delete", own: http.StatusSeeOther, ownAs: "admin"},
	"POST /admin/labels/:id/rename":                 {path: "/admin/labels/{label}/rename", form: url.Values{"name": {"Renamed label"}}, own: http.StatusSeeOther, ownAs: "admin"},
	"GET /admin/labels/:id/delete":                  {path: "/admin/labels/{label}/delete", own: 200, ownAs: "admin"},
	"POST /admin/labels/:id/delete":                 {path: "/admin/labels/{label}/delete", own: http.StatusSeeOther, ownAs: "admin"},
	"POST /admin/support/:id": {path: "/admin/support/{support}", form: url.Values{"name": {"Renamed helpline"}, "phone": {"0800 111 1111"}},
		own: http.StatusSeeOther, ownAs: "admin"},
	"POST /admin/support/:id/delete": {path: "/admin/support/{support}/delete", own: http.StatusSeeOther, ownAs: "admin"},
	"GET /admin/teams/:id":           {path: "/admin/teams/{team}", own: 200, ownAs: "admin"},
	"POST /admin/teams/:id/managers": {path: "/admin/teams/{team}/managers", form: url.Values{"person": {"{member}"}, "manager": {"on"}},
		own: http.StatusSeeOther, ownAs: "admin"},
	"GET /admin/requirements/:id": {path: "/admin/requirements/{requirement}", own: 200, ownAs: "admin"},
	"POST /admin/requirements/:id": {path: "/admin/requirements/{requirement}",
		form: url.Values{"module": {"{module}"}, "team": {"{team}"}, "due_days": {"45"}, "refresher": {"never"}},
		own:  http.StatusSeeOther, ownAs: "admin"},
	"POST /admin/requirements/:id/delete": {path: "/admin/requirements/{requirement}/delete", own: http.StatusSeeOther, ownAs: "admin"},

	// Coverage: a course is the same for every organisation, so the
	// drill-down is asked for within one of the organisation's teams.
	"GET /coverage/courses/:module":   {path: "/coverage/courses/{module}?team={team}&label={label}", own: 200, ownAs: "admin"},
	"POST /admin/api-keys/:id/revoke": {path: "/admin/api-keys/{apiKey}/revoke", own: http.StatusSeeOther, ownAs: "admin"},

	// The tenant's member has completed the course required of them, so
	// their own admin's reminder is refused as bad input (400), which
	// shows the person was found; reminders themselves: remind_test.go.
	"POST /coverage/people/:id/remind": {path: "/coverage/people/{member}/remind", form: url.Values{"module": {"{module}"}},
		own: http.StatusBadRequest, ownAs: "admin"},

	// A learner's own records.
	"GET /courses/:module/steps/:n/attempts/:id": {path: "/courses/{module}/steps/{scenarioStep}/attempts/{scenarioAttempt}", own: 200, ownAs: "member"},
	"GET /courses/:module/steps/:n/quiz/:id":     {path: "/courses/{module}/steps/{quizStep}/quiz/{quizAttempt}", own: 200, ownAs: "member"},
	"POST /reflections/:id/delete":               {path: "/reflections/{reflection}/delete", own: http.StatusSeeOther, ownAs: "member"},
	"GET /certificates/:id":                      {path: "/certificates/{cert}", own: 200, ownAs: "member"},
	// The attempt id travels in the form, not the path.
	"POST /courses/:module/steps/:n/choose": {path: "/courses/{module}/steps/{scenarioStep}/choose",
		form: url.Values{"attempt": {"{scenarioAttempt}"}, "at": {"0"}, "choice": {"1"}}, own: http.StatusSeeOther, ownAs: "member"},
	"GET /verify/:code": {exempt: "public by design: anyone holding a certificate's 130-bit code may check it, signed in or not"},

	// Course content, the same for every organisation: each acts on the
	// signed-in person's own progress.
	"GET /courses/:module":                      {path: "/courses/{module}", shared: true},
	"GET /courses/:module/begin":                {path: "/courses/{module}/begin", shared: true},
	"POST /courses/:module/start":               {path: "/courses/{module}/start", shared: true},
	"GET /courses/:module/confidence/:phase":    {path: "/courses/{module}/confidence/pre", shared: true},
	"POST /courses/:module/confidence/:phase":   {path: "/courses/{module}/confidence/pre", form: url.Values{"skip": {"1"}}, shared: true},
	"GET /courses/:module/steps/:n":             {path: "/courses/{module}/steps/{reflectionStep}", shared: true},
	"POST /courses/:module/steps/:n/scenario":   {path: "/courses/{module}/steps/{scenarioStep}/scenario", shared: true},
	"GET /courses/:module/steps/:n/feedback":    {path: "/courses/{module}/steps/{scenarioStep}/feedback", shared: true},
	"POST /courses/:module/steps/:n/quiz":       {path: "/courses/{module}/steps/{quizStep}/quiz", shared: true},
	"POST /courses/:module/steps/:n/reflection": {path: "/courses/{module}/steps/{reflectionStep}/reflection", form: url.Values{"skip": {"1"}}, shared: true},
	"GET /courses/:module/finish":               {path: "/courses/{module}/finish", shared: true},
	"POST /courses/:module/finish":              {path: "/courses/{module}/finish", form: url.Values{"skip": {"1"}}, shared: true},
	"GET /courses/:module/complete":             {path: "/courses/{module}/complete", shared: true},

	"GET /assets/*": {exempt: "static files, the same for everyone"},

	// The trainers' studio: an organisation's own drafts, by kind and id.
	// Every id a tenant's studio holds starts with its tag, so B's ids are
	// no ids of A's.
	"GET /studio/:kind/:id": {path: "/studio/scenarios/{scenario}", own: 200, ownAs: "trainer"},
	"POST /studio/:kind/:id": {path: "/studio/scenarios/{scenario}", form: url.Values{"revision": {"1"}, "source": {"id: {scenario}\ntitle: Changed\n"}},
		own: http.StatusSeeOther, ownAs: "trainer"},
	"POST /studio/:kind/:id/check": {path: "/studio/scenarios/{scenario}/check", form: url.Values{"source": {"id: {scenario}\n"}}, own: 200, ownAs: "trainer"},
	"POST /studio/:kind/:id/files": {path: "/studio/modules/{studioModule}/files", form: url.Values{"revision": {"1"}, "name": {"02-next-steps"}},
		own: http.StatusSeeOther, ownAs: "trainer"},
	// The trainer made the draft, so their own approval is refused: the
	// editor says so (422), which shows the draft was found.
	"POST /studio/:kind/:id/approve": {path: "/studio/scenarios/{scenario}/approve", form: url.Values{"revision": {"1"}},
		own: http.StatusUnprocessableEntity, ownAs: "trainer"},
	"POST /studio/:kind/:id/publish": {path: "/studio/scenarios/{scenario}/publish", form: url.Values{"revision": {"1"}, "note": {"Matrix note"}},
		own: http.StatusSeeOther, ownAs: "trainer"},
	"POST /studio/:kind/:id/unpublish": {path: "/studio/scenarios/{publishedScenario}/unpublish", own: http.StatusSeeOther, ownAs: "trainer"},
	"GET /studio/:kind/:id/history":    {path: "/studio/scenarios/{publishedScenario}/history", own: 200, ownAs: "trainer"},
	"GET /studio/:kind/:id/export":     {path: "/studio/scenarios/{scenario}/export", own: 200, ownAs: "trainer"},
	"GET /studio/:kind/:id/playtest":   {path: "/studio/scenarios/{scenario}/playtest", own: 200, ownAs: "trainer"},
	"GET /studio/:kind/:id/graph":      {path: "/studio/scenarios/{scenario}/graph", own: 200, ownAs: "trainer"},
	"POST /studio/:kind/:id/playtest":  {path: "/studio/scenarios/{scenario}/playtest", form: url.Values{"choice": {"1"}}, own: 200, ownAs: "trainer"},
	"GET /studio/:kind/:id/form":       {path: "/studio/scenarios/{scenario}/form", own: 200, ownAs: "trainer"},
	"POST /studio/:kind/:id/form": {path: "/studio/scenarios/{scenario}/form",
		form: url.Values{"revision": {"1"}, "op": {"set-feedback"}, "node": {"opening"}, "choice": {"1"}, "feedback": {"Matrix feedback"}},
		own:  http.StatusSeeOther, ownAs: "trainer"},
	// The library is the same for every organisation.
	"GET /studio/analytics/:id":                {path: "/studio/analytics/{publishedScenario}", own: 200, ownAs: "trainer"},
	"GET /studio/library/scenarios/:id/export": {path: "/studio/library/scenarios/{libraryScenario}/export", shared: true},

	// Courses as packages for another LMS: an organisation's own
	// published course, downloaded by a trainer (org admins too: see
	// packages_test.go).
	"GET /packages/:module/:format": {path: "/packages/{ownCourse}/scorm12", own: 200, ownAs: "trainer", publishModule: true},
}

// fill puts one organisation's values into a path or form value.
func (x *tenant) fill(s string) string {
	return strings.NewReplacer(
		"{admin}", x.Admin.ID.String(),
		"{member}", x.Member.ID.String(),
		"{invitee}", x.Invitee.ID.String(),
		"{invite}", x.Invite.ID.String(),
		"{team}", x.Team.ID.String(),
		"{label}", x.Label.ID.String(),
		"{passkey}", x.passkeyID,
		"{cert}", x.Course.Completion.CertificateID.String(),
		"{code}", *x.Course.Completion.CertificateCode,
		"{reflection}", x.Course.Notes[0].ID.String(),
		"{scenarioAttempt}", x.Course.Scenarios[0].Attempt.ID.String(),
		"{quizAttempt}", x.Course.Quizzes[0].Attempt.ID.String(),
		"{support}", x.Support.ID.String(),
		"{requirement}", x.Requirement.ID.String(),
		"{module}", x.Course.Module.ID,
		"{scenarioStep}", strconv.Itoa(x.Course.Scenarios[0].Step.Index),
		"{quizStep}", strconv.Itoa(x.Course.Quizzes[0].Step.Index),
		"{reflectionStep}", strconv.Itoa(x.Course.Notes[0].Step.Index),
		"{token}", x.InviteToken,
		"{scenario}", x.Scenario,
		"{studioModule}", x.Module,
		"{publishedScenario}", x.PublishedScenario,
		"{libraryScenario}", x.Course.Scenarios[0].Scenario.ID,
		"{apiKey}", x.apiKey.ID.String(),
		"{ownCourse}", x.ownCourse(),
	).Replace(s)
}

func (x *tenant) fillForm(f url.Values) url.Values {
	out := url.Values{}
	for k, vs := range f {
		for _, v := range vs {
			out.Add(k, x.fill(v))
		}
	}
	return out
}

// parameterRoutes lists the app's routes that take a parameter, as
// "METHOD /pattern" (HEAD mirrors GET and is left out).
func parameterRoutes(s *testServer) []string {
	var out []string
	for _, r := range s.App().GetRoutes(true) {
		if len(r.Params) == 0 || r.Method == http.MethodHead {
			continue
		}
		out = append(out, r.Method+" "+r.Path)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestEveryParameterRouteIsInTheTenantMatrix fails for a route with a
// parameter that the matrix does not cover, and for a row whose route is
// gone.
func TestEveryParameterRouteIsInTheTenantMatrix(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, demoMode) // demo mode has every route there is
	routes := parameterRoutes(s)
	if len(routes) < 10 {
		t.Fatalf("only %d routes with parameters found: %v", len(routes), routes)
	}
	for _, r := range routes {
		if _, ok := tenantRoutes[r]; !ok {
			t.Errorf("route %q takes a parameter but is missing from the cross-tenant matrix.\n"+
				"Add a row for it to tenantRoutes in app/web/tenant_test.go, for example\n"+
				"\t%q: {path: \"/...{member}...\", own: 200, ownAs: \"admin\"},\n"+
				"using the {placeholders} of tenant.fill for another organisation's ids (add what the route names to\n"+
				"fixture.Tenant in app/fixture if it is new). Use shared: true if it only takes course content,\n"+
				"or exempt: \"why\" if it cannot reach another organisation's data through its parameter.", r, r)
		}
	}
	for r := range tenantRoutes {
		if !slices.Contains(routes, r) {
			t.Errorf("the cross-tenant matrix has a row for %q, which is no longer a route: remove or rename the row", r)
		}
	}
}

// TestCrossTenantMatrix runs every row of the matrix on two fresh
// organisations, A and B.
func TestCrossTenantMatrix(t *testing.T) {
	t.Parallel()
	for _, route := range parameterRoutes(newTestServer(t, serverOptions{})) {
		row, ok := tenantRoutes[route]
		if !ok || row.exempt != "" {
			continue // the completeness test reports missing rows
		}
		method, _, _ := strings.Cut(route, " ")
		t.Run(route, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, serverOptions{})
			a, b := s.newTenant(t, "Aspen"), s.newTenant(t, "Beech")
			if row.publishModule {
				a.publishModule(t, s)
				b.publishModule(t, s)
			}
			send := func(v *browser, x *tenant) (*http.Response, string) {
				if method == http.MethodGet {
					return v.get(x.fill(row.path))
				}
				return v.post(x.fill(row.path), x.fillForm(row.form))
			}
			before := b.snapshot(t, s)
			for _, who := range []struct {
				name string
				v    *browser
			}{{"A's org admin", a.adminV}, {"A's member", a.memberV}, {"A's trainer", a.trainerV}} {
				ids := b // B's ids, asked for by A's people
				if row.shared {
					ids = a
				}
				resp, body := send(who.v, ids)
				if !row.shared && resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s with B's ids: status %d, want 404", who.name, resp.StatusCode)
				}
				if resp.StatusCode >= 500 {
					t.Errorf("%s: status %d", who.name, resp.StatusCode)
				}
				if leaks := b.leaks(body + resp.Header.Get("Location")); len(leaks) > 0 {
					t.Errorf("%s: the response shows B's %q", who.name, leaks)
				}
				if after := b.snapshot(t, s); after != before {
					t.Errorf("%s changed B's data:\nbefore %s\nafter  %s", who.name, before, after)
				}
			}
			if row.shared {
				return
			}
			// The same route with A's own ids works for its owner.
			owner := map[string]*browser{"admin": a.adminV, "member": a.memberV, "trainer": a.trainerV}[row.ownAs]
			resp, body := send(owner, a)
			if resp.StatusCode != row.own {
				t.Errorf("A's %s with A's own ids: status %d, want %d\n%.1000s", row.ownAs, resp.StatusCode, row.own, body)
			}
		})
	}
}

// snapshot describes everything of the organisation a route could change
// or end: people, roles, groups, memberships, open links, passkeys,
// sessions, learner records, support resources, requirements, team
// managers, coverage settings, and the studio's drafts, approvals and
// published versions.
func (x *tenant) snapshot(t *testing.T, s *testServer) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	ps, err := s.st.Org(x.Org.ID).People(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		fmt.Fprintf(&b, "person %s %s %v %v %d;", p.Name, p.Email, p.Roles(), p.Active, p.Passkeys)
		for _, k := range []store.GroupKind{store.Teams, store.Labels} {
			gs, err := s.st.Org(x.Org.ID).GroupsOf(ctx, k, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range gs {
				fmt.Fprintf(&b, " in %s;", g.Name)
			}
		}
		invs, err := s.st.Org(x.Org.ID).OpenInvites(ctx, p.ID, s.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, inv := range invs {
			fmt.Fprintf(&b, " link %s;", inv.ID)
		}
		keys, err := s.st.Org(x.Org.ID).Member(p.ID).Credentials(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			fmt.Fprintf(&b, " passkey %s;", k.Name)
		}
	}
	for _, k := range []store.GroupKind{store.Teams, store.Labels} {
		gs, err := s.st.Org(x.Org.ID).Groups(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gs {
			fmt.Fprintf(&b, "%s %s;", k.Noun, g.Name)
		}
	}
	for i, v := range []*browser{x.adminV, x.memberV, x.trainerV} {
		name := [...]string{"admin", "member", "trainer"}[i]
		_, p, err := s.auth.Session(ctx, v.session())
		switch {
		case errors.Is(err, auth.ErrNoSession):
			fmt.Fprintf(&b, "%s signed out;", name)
		case err != nil:
			t.Fatal(err)
		default:
			fmt.Fprintf(&b, "%s signed in as %s;", name, p.Name)
		}
	}
	l := org.Actor{Org: s.st.Org(x.Org.ID), PersonID: x.Member.ID}
	notes, err := s.learn.Reflections(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range notes {
		fmt.Fprintf(&b, "note %s %s;", n.ID, n.Body)
	}
	choices, err := s.st.Org(x.Org.ID).Member(x.Member.ID).ScenarioChoices(ctx, x.Course.Scenarios[0].Attempt.ID)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "choices %d;", len(choices))
	if _, err := s.learn.Certificate(ctx, l, *x.Course.Completion.CertificateID); err != nil {
		fmt.Fprintf(&b, "certificate %v;", err)
	}
	res, err := s.org.SupportResources(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		fmt.Fprintf(&b, "support %s %s %s;", r.Name, r.Phone, r.Link)
	}
	reqs, err := s.st.Org(x.Org.ID).Requirements(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		fmt.Fprintf(&b, "requirement %s %s %v %v %d %s %v %v %v;", r.ID, r.ModuleID, r.TeamID, r.LabelID, r.DueDays, r.Refresher,
			r.RefresherMonths, r.FirstDeadline, r.Strict)
	}
	managers, err := s.st.Org(x.Org.ID).TeamManagers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "managers %v;", managers)
	o, err := s.st.Org(x.Org.ID).Organisation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "settings %d %v;", o.DueSoonDays, o.ResponderLabelID)
	keys, err := s.st.Org(x.Org.ID).APIKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		fmt.Fprintf(&b, "api key %s %s revoked %v;", k.ID, k.Name, k.Revoked())
	}
	for _, kind := range []string{authoring.Scenario, authoring.Module} {
		drafts, err := s.st.Org(x.Org.ID).AuthoredList(ctx, kind)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range drafts {
			fmt.Fprintf(&b, "%s %s r%d approved r%d published %q %q;", kind, d.ID, d.Revision, d.ApprovedRevision, d.PublishedVersion, d.Files)
			versions, err := s.st.Org(x.Org.ID).AuthoredVersions(ctx, kind, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range versions {
				fmt.Fprintf(&b, " version %s %s;", v.Version, v.Note)
			}
		}
	}
	return b.String()
}
