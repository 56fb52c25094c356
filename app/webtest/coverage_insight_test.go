package webtest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/upstand/upstand/app/db"
	"github.com/upstand/upstand/app/fixture"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
	"github.com/upstand/upstand/app/webtest"
)

// seedInsight fills the server's organisation through the real services,
// as its people would have: three wards and a responder label required to
// take the first course; six responders in North Ward have taken it
// (answering the confidence checks before and after), East Ward's one
// responder has not, South Ward has none.
func seedInsight(t *testing.T, srv *webtest.Server, orgID string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := db.Open(ctx, srv.DatabaseURL, db.AsApp())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	st := store.New(conn)
	cat := bundled(t)
	s := fixture.NewServices(st, cat, time.Now)
	id, err := uuid.Parse(orgID)
	if err != nil {
		t.Fatal(err)
	}
	op := org.Operator(st, id, "test")
	group := func(k store.GroupKind, name string) store.Group {
		g, err := s.Org.CreateGroup(ctx, op, k, name)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	north, east := group(store.Teams, "North Ward"), group(store.Teams, "East Ward")
	south, responder := group(store.Teams, "South Ward"), group(store.Labels, "Responder")
	m := cat.Modules[0]
	if _, err := s.Coverage.AddRequirement(ctx, op, org.RequirementInput{ModuleID: m.ID, LabelID: &responder.ID, Refresher: store.RefresherModule}); err != nil {
		t.Fatal(err)
	}
	if err := st.Org(id).SetCoverageSettings(ctx, 30, &responder.ID); err != nil {
		t.Fatal(err)
	}
	invite := func(name string, team store.Group, labels ...uuid.UUID) store.Person {
		p, _, err := s.Org.Invite(ctx, op, store.PersonDetails{Name: name, Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@meadow.example",
			Teams: []uuid.UUID{team.ID}, Labels: labels})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	answers := func(v int) []int {
		out := make([]int, len(m.Confidence))
		for i := range out {
			out[i] = v
		}
		return out
	}
	for i := range 6 {
		p := invite(fmt.Sprintf("North Responder %d", i+1), north, responder.ID)
		fixture.Play(t, s.Learning, org.ActorFor(st, p, ""), m.ID, fixture.Plan{Pre: answers(2 + i%2), Finish: true, Post: answers(4 + i%2)})
	}
	invite("East Responder", east, responder.ID)
	invite("South Nurse", south)
	return m.Title
}

// TestCoverageInsightInBrowser: an org admin opens the responder roster,
// the courses to download for an LMS, the trend and the evaluation; axe
// finds nothing on any of them, at
// 1280 px and at 360 px, where the tables stack without breaking words
// and nothing scrolls sideways (the chart scrolls in its own frame).
func TestCoverageInsightInBrowser(t *testing.T) {
	srv := webtest.StartServer(t)
	orgID := createOrg(t, srv, "Meadow Trust", "Mia Admin", "mia@meadow.example")
	admin := enrolInvited(t, nil, srv, orgID, "Max Admin", "max@meadow.example", "--org-admin")
	course := seedInsight(t, srv, orgID)

	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/coverage/roster"), chromedp.WaitVisible("#roster"))
	if flagged := text(t, admin, "#flagged"); !strings.Contains(flagged, "2 of 3 teams have no in-date responder") ||
		!strings.Contains(flagged, "East Ward") || !strings.Contains(flagged, "South Ward") || strings.Contains(flagged, "North Ward") {
		t.Errorf("the flagged teams: %q", flagged)
	}
	webtest.Axe(t, admin, "responder roster")
	unsplitTables(t, admin, "responder roster")
	shots(t, admin, "coverage-roster")

	// The courses to download for the organisation's own LMS.
	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/packages"), chromedp.WaitVisible("#packages-library"))
	webtest.Axe(t, admin, "packages for an LMS")

	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/coverage/trend"), chromedp.WaitVisible("svg.chart"))
	if now := text(t, admin, "#trend-now"); !strings.Contains(now, course+": 85% covered now (6 of 7)") {
		t.Errorf("the trend says %q", now)
	}
	webtest.Axe(t, admin, "trend")
	webtest.Do(t, admin, chromedp.Click(".trend-table summary"), chromedp.WaitVisible("#trend"))
	webtest.Axe(t, admin, "trend with its table open")
	unsplitTables(t, admin, "trend")
	shots(t, admin, "coverage-trend")
	// At 360 px the chart keeps a legible size in a frame that scrolls.
	webtest.Do(t, admin, chromedp.EmulateViewport(360, 780))
	if w := webtest.Eval[float64](t, admin, `document.querySelector("svg.chart").getBoundingClientRect().width`); w < 600 {
		t.Errorf("the chart is %.0f px wide at 360 px", w)
	}
	if !webtest.Eval[bool](t, admin, `(f => f.scrollWidth > f.clientWidth)(document.querySelector(".chart-frame"))`) {
		t.Error("the chart's frame does not scroll at 360 px")
	}
	webtest.Do(t, admin, chromedp.EmulateViewport(1280, 900))

	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/coverage/evaluation"), chromedp.WaitVisible(".evaluation table"))
	if lead := text(t, admin, ".evaluation .lead"); !strings.Contains(lead, "from 6 people who answered both") {
		t.Errorf("the evaluation says %q", lead)
	}
	webtest.Axe(t, admin, "evaluation")
	unsplitTables(t, admin, "evaluation")
	shots(t, admin, "coverage-evaluation")
}
