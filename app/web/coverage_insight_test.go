package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// insightPages are the responder roster, the trend and the evaluation.
var insightPages = []string{"/coverage/roster", "/coverage/trend", "/coverage/evaluation"}

// insightTenant is a tenant whose label is the responder label and whose
// first course is required of it, so its member (in its team, with its
// label, the course completed) is an in-date responder; a second team,
// "<tag> Annex", has one person and no responder.
func (s *testServer) insightTenant(t *testing.T, tag string) (*tenant, store.Group) {
	t.Helper()
	ctx := context.Background()
	x := s.newTenant(t, tag)
	admin := org.ActorFor(s.st, x.Admin, "")
	if _, err := s.cover.AddRequirement(ctx, admin, org.RequirementInput{ModuleID: x.Course.Module.ID, LabelID: &x.Label.ID,
		Refresher: store.RefresherNever}); err != nil {
		t.Fatal(err)
	}
	annex, err := s.org.CreateGroup(ctx, admin, store.Teams, tag+" Annex")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.org.Invite(ctx, admin, store.PersonDetails{Name: tag + " Annexer", Email: "annexer@" + strings.ToLower(tag) + ".example",
		Teams: []uuid.UUID{annex.ID}}); err != nil {
		t.Fatal(err)
	}
	x.Secrets = append(x.Secrets, annex.Name, tag+" Annexer")
	// Memberships start at the database's clock, which has moved on
	// since the server's clock was set: the trend counts people from then.
	s.clock.Set(time.Now().Add(time.Minute))
	return x, annex
}

// TestInsightPagesByRole: the roster, the trend and the evaluation are
// org admins' and team managers' pages: a learner and a trainer get a
// 404, an anonymous visitor is sent to sign in; a manager sees their
// team and not the others, and asking for another team is a 404.
func TestInsightPagesByRole(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	ctx := context.Background()
	a, annex := s.insightTenant(t, "Aspen")

	// Before a responder label is chosen.
	a.adminV.page("/coverage/roster", "No responder label chosen")
	if err := s.st.Org(a.Org.ID).SetCoverageSettings(ctx, 30, &a.Label.ID); err != nil {
		t.Fatal(err)
	}

	for _, path := range insightPages {
		for who, v := range map[string]*browser{"a learner": a.memberV, "a trainer": a.trainerV} {
			if resp, body := v.get(path); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Aspen Ward") {
				t.Errorf("%s asking for %s: status %d", who, path, resp.StatusCode)
			}
		}
		if resp, _ := s.browser(t).get(path); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
			t.Errorf("anonymous, %s: status %d to %q", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}

	// The org admin sees every team: the member covers the ward, the
	// annex has no responder and comes first.
	body := a.adminV.page("/coverage/roster", "Aspen Ward", "Aspen Annex", "Aspen Memberley", "1 of 2 teams has no in-date responder",
		"nobody in this team has the label Aspen Responder")
	if strings.Index(body, `<th scope="row" role="rowheader">Aspen Annex`) > strings.Index(body, `<th scope="row" role="rowheader">Aspen Ward`) {
		t.Error("the team without a responder is not listed first")
	}
	body = a.adminV.page("/coverage/trend", `role="img"`, `<title id="trend-chart-title">`, `<desc id="trend-chart-desc">`,
		a.Course.Module.Title, `id="trend"`, "100% covered now (1 of 1)", "Aspen Annex")
	if !strings.Contains(body, "<svg") || !strings.Contains(body, `class="chart-line"`) {
		t.Error("the trend has no chart")
	}
	a.adminV.page("/coverage/trend?team="+a.Team.ID.String()+"&course="+a.Course.Module.ID, "100% covered now (1 of 1)")
	a.adminV.page("/coverage/trend?course="+s.learn.Content().Modules[1].ID, "That course is not required of anyone here")
	a.adminV.page("/coverage/evaluation", a.Course.Module.Title, "fewer than 5")

	// The member made the ward's manager sees the ward only.
	if err := s.cover.SetManager(ctx, org.ActorFor(s.st, a.Admin, ""), a.Team.ID, a.Member.ID, true); err != nil {
		t.Fatal(err)
	}
	for _, path := range insightPages {
		if body := a.memberV.page(path); strings.Contains(body, "Aspen Annex") {
			t.Errorf("the ward's manager sees the annex on %s", path)
		}
	}
	a.memberV.page("/coverage/roster", "Aspen Ward", "Every team you manage has at least one in-date responder")
	a.memberV.page("/coverage/trend?team=" + a.Team.ID.String())
	if resp, body := a.memberV.get("/coverage/trend?team=" + annex.ID.String()); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Aspen Annex") {
		t.Errorf("the ward's manager asking for the annex: status %d", resp.StatusCode)
	}
	// A trainer is still no manager.
	if resp, _ := a.trainerV.get("/coverage/roster"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a trainer after a manager was made: status %d", resp.StatusCode)
	}

	// Bad input: a 400 that says what is wrong.
	for path, want := range map[string]string{
		"/coverage/trend?team=not-a-team":    "Choose a team from the list.",
		"/coverage/trend?course=no-such-one": "Choose one of the courses in the list.",
	} {
		if resp, body := a.adminV.get(path); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("%s: status %d, want 400 saying %q", path, resp.StatusCode, want)
		}
	}
}

// TestInsightPagesAcrossTenants: the roster, the trend and the
// evaluation of organisation A show nothing of B's, and naming B's team
// is a 404 for A's org admin and A's manager alike, while A's own team
// works.
func TestInsightPagesAcrossTenants(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	ctx := context.Background()
	a, _ := s.insightTenant(t, "Aspen")
	b, _ := s.insightTenant(t, "Beech")
	for _, x := range []*tenant{a, b} {
		if err := s.st.Org(x.Org.ID).SetCoverageSettings(ctx, 30, &x.Label.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.cover.SetManager(ctx, org.ActorFor(s.st, x.Admin, ""), x.Team.ID, x.Member.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	for who, v := range map[string]*browser{"A's org admin": a.adminV, "A's manager": a.memberV} {
		for _, path := range insightPages {
			body := v.page(path)
			if leaks := b.leaks(body); len(leaks) > 0 {
				t.Errorf("%s, %s: shows B's %q", who, path, leaks)
			}
		}
		resp, body := v.get("/coverage/trend?team=" + b.Team.ID.String())
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s naming B's team: status %d, want 404", who, resp.StatusCode)
		}
		if leaks := b.leaks(body); len(leaks) > 0 {
			t.Errorf("%s naming B's team: shows B's %q", who, leaks)
		}
		v.page("/coverage/trend?team="+a.Team.ID.String(), "Aspen Ward")
	}
}
