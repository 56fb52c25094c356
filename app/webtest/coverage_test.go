package webtest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/learning"
	"github.com/upstand/upstand/app/webtest"
)

// selectByText chooses the option of the select sel whose text is text,
// as a person picking it from the list does.
func selectByText(t *testing.T, ctx context.Context, sel, text string) {
	t.Helper()
	ok := webtest.Eval[bool](t, ctx, fmt.Sprintf(`(() => {
		const s = document.querySelector(%q);
		const o = s && [...s.options].find(o => o.text.trim() === %q);
		if (!o) return false;
		s.value = o.value;
		return true;
	})()`, sel, text))
	if !ok {
		t.Fatalf("%s has no option %q", sel, text)
	}
}

// completeByMouse takes the signed-in learner through a course with
// clicks on plain forms and links (scripts off, so that every click is a
// page load to wait for): the content warning, the confidence check
// skipped, every lesson, every scenario to a positive ending, every quiz
// answered rightly, every reflection skipped, and the closing check
// skipped.
func completeByMouse(t *testing.T, ctx context.Context, srv *webtest.Server, m *content.Module) {
	t.Helper()
	webtest.Call(t, ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
	defer webtest.Call(t, ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false})
	webtest.Do(t, ctx, chromedp.Navigate(srv.URL+"/courses/"+m.ID), chromedp.WaitVisible(".steps"),
		chromedp.Click(`.actions a.button`), chromedp.WaitVisible(`.panel.warning`),
		chromedp.Click(`.actions form button[type="submit"]`), chromedp.WaitVisible(".confidence-form"),
		chromedp.Click(`.confidence-form button[name="skip"]`), chromedp.WaitVisible(".step-count"))
	for _, st := range m.Steps {
		step := fmt.Sprintf("/courses/%s/steps/%d", m.ID, st.Index)
		webtest.WaitPath(t, ctx, step)
		switch st.Kind {
		case content.LessonStep:
			webtest.Do(t, ctx, chromedp.Click(`.step-nav a[rel="next"]`))
		case content.ScenarioStep:
			webtest.Do(t, ctx, chromedp.Click(`#player form button[type="submit"]`), chromedp.WaitVisible("#player .choices"))
			path := learning.PathTo(st.Scenario, content.Positive)
			for i, choice := range path {
				webtest.Do(t, ctx, chromedp.Click(fmt.Sprintf(`#player button.choice[value="%d"]`, choice)))
				webtest.WaitPath(t, ctx, step+"/feedback")
				webtest.Do(t, ctx, chromedp.Click("#continue"))
				webtest.WaitPath(t, ctx, step)
				if i < len(path)-1 {
					webtest.Do(t, ctx, chromedp.WaitVisible("#player .choices"))
				}
			}
			webtest.Do(t, ctx, chromedp.WaitVisible(".outcome"), chromedp.Click(`#player .actions a.button`))
		case content.QuizStep:
			for i, q := range st.Quiz.Questions {
				for j, o := range q.Options {
					if o.Correct {
						webtest.Do(t, ctx, chromedp.Click(fmt.Sprintf("#q%d-%d", i+1, j+1)))
					}
				}
			}
			webtest.Do(t, ctx, chromedp.Click(`.quiz-form button[type="submit"]`), chromedp.WaitVisible(".score"),
				chromedp.Click(`main .actions a.button`))
		case content.ReflectionStep:
			webtest.Do(t, ctx, chromedp.Click(`.reflection-form button[name="skip"]`))
		}
	}
	webtest.WaitPath(t, ctx, "/courses/"+m.ID+"/finish")
	webtest.Do(t, ctx, chromedp.Click(`button[name="skip"]`))
	webtest.WaitPath(t, ctx, "/courses/"+m.ID+"/complete")
}

// TestCoverageInBrowser: an org admin makes a team, invites a learner
// into it, requires a course of the team (after a refused attempt that
// names its field), sees the team's coverage and drills down to the
// learner; the learner sees the course first in their catalogue with its
// due date, completes it, and the dashboard moves. axe-core checks the
// requirements pages (with and without an error), the dashboard, the
// drill-down and the team page; the dashboard is photographed at 1280 and
// 360 px wide.
func TestCoverageInBrowser(t *testing.T) {
	srv := webtest.StartServer(t)
	m, _ := bundled(t).Module("microaggressions")
	orgID := createOrg(t, srv, "Lakeside Trust", "Lara Founder", "lara@lakeside.example")
	admin := enrolInvited(t, nil, srv, orgID, "Olive Admin", "olive@lakeside.example", "--org-admin")
	webtest.Do(t, admin, chromedp.EmulateViewport(1280, 900))

	// A team, and a learner invited into it.
	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/admin/teams"), chromedp.WaitVisible("#new-name"),
		chromedp.SendKeys("#new-name", "Ward 7"), chromedp.Click(`form[action="/admin/teams"] button[type="submit"]`),
		chromedp.WaitVisible(".notice"))
	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/admin/people"), chromedp.WaitVisible("#invite-name"),
		chromedp.SendKeys("#invite-name", "Lee Learner"), chromedp.SendKeys("#invite-email", "lee@lakeside.example"))
	webtest.Eval[bool](t, admin, `(() => { const i = [...document.querySelectorAll('input[name="teams"]')].find(i => i.labels[0].textContent.includes("Ward 7")); i.click(); return i.checked; })()`)
	webtest.Do(t, admin, chromedp.Click(`form[action="/admin/people"] button[type="submit"]`), chromedp.WaitVisible("#enrol-link"))
	link := webtest.Eval[string](t, admin, `document.getElementById("enrol-link").value`)
	learner := ownBrowser(t, admin)
	webtest.AddAuthenticator(t, learner)
	webtest.Do(t, learner, chromedp.Navigate(link), chromedp.WaitVisible("#enrol-form"),
		chromedp.SendKeys("#passkey-name", "Laptop"), chromedp.Click(`#enrol-form button[type="submit"]`),
		chromedp.WaitVisible("#my-name"))
	if webtest.Eval[bool](t, learner, `!!document.querySelector('header a[href="/coverage"]')`) {
		t.Error("the learner has a Coverage link")
	}

	// The requirements page: a refresher of 10,000 months is refused,
	// naming the field; then the course is required of Ward 7.
	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/admin/requirements"), chromedp.WaitVisible("#req-module"))
	webtest.Axe(t, admin, "requirements")
	selectByText(t, admin, "#req-module", m.Title)
	selectByText(t, admin, "#req-team", "Ward 7")
	webtest.Do(t, admin, chromedp.Click("#req-refresher-months"), chromedp.SendKeys("#req-months", "10000"),
		chromedp.Click(`form[action="/admin/requirements"] button[type="submit"]`), chromedp.WaitVisible("#req-months-error"))
	if msg := text(t, admin, "#req-months-error"); !strings.Contains(msg, "from 1 to 120") {
		t.Errorf("the refresher's error reads %q", msg)
	}
	webtest.Axe(t, admin, "requirements with an error")
	webtest.Do(t, admin, chromedp.SetValue("#req-months", "12"), chromedp.SetValue("#req-due-days", "60"),
		chromedp.Click(`form[action="/admin/requirements"] button[type="submit"]`))
	if !webtest.Until(t, admin, `location.search.includes("notice=added")`) {
		t.Fatalf("the requirement was not added: %q", text(t, admin, "main"))
	}
	if row := text(t, admin, "#requirements-table tbody"); !strings.Contains(row, "Everyone in Ward 7") || !strings.Contains(row, "Every 12 months") {
		t.Errorf("the requirements list reads %q", row)
	}
	webtest.Do(t, admin, chromedp.Click(`#requirements-table a[href^="/admin/requirements/"]`), chromedp.WaitVisible("#edit-module"))
	webtest.Axe(t, admin, "change a requirement")

	// The learner sees it first, with its due date.
	webtest.Do(t, learner, chromedp.Navigate(srv.URL+"/courses"), chromedp.WaitVisible("#required-heading"))
	if st := text(t, learner, "#required-"+m.ID); !strings.Contains(st, "Not started: due by") {
		t.Errorf("the learner's required course reads %q", st)
	}
	webtest.Axe(t, learner, "catalogue with a required course")

	// The dashboard: one person in Ward 7, not started.
	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/coverage"), chromedp.WaitVisible("#coverage-table"))
	if c := text(t, admin, ".bar-counts"); !strings.Contains(c, "Not started: 1") {
		t.Errorf("the bar's counts read %q", c)
	}
	webtest.Axe(t, admin, "coverage dashboard")
	shots(t, admin, "coverage-dashboard")
	unsplitTables(t, admin, "coverage dashboard")

	// Drill down from the team's bar to the learner.
	webtest.Do(t, admin, chromedp.Click(`.bar-head a`), chromedp.WaitVisible(".status-nav"))
	webtest.WaitPath(t, admin, "/coverage/courses/"+m.ID)
	if row := text(t, admin, "main table tbody"); !strings.Contains(row, "Lee Learner") || !strings.Contains(row, "Not started") {
		t.Errorf("the drill-down reads %q", row)
	}
	webtest.Axe(t, admin, "coverage drill-down")

	// The team page: the learner is made Ward 7's manager, gets the
	// Coverage link and sees Ward 7's coverage; then stops managing it.
	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/admin/teams"), chromedp.WaitVisible("#new-name"))
	webtest.Do(t, admin, chromedp.Click(`a[href^="/admin/teams/"]:not([href$="/delete"])`), chromedp.WaitVisible("main table"))
	webtest.Axe(t, admin, "team page")
	webtest.Do(t, admin, chromedp.Click(`main table form button`))
	if !webtest.Until(t, admin, `location.search.includes("notice=manager-on") && document.readyState === "complete"`) {
		t.Fatalf("making a manager did not finish: %q", text(t, admin, "main"))
	}
	webtest.Do(t, learner, chromedp.Navigate(srv.URL+"/courses"), chromedp.WaitVisible(`header a[href="/coverage"]`),
		chromedp.Click(`header a[href="/coverage"]`), chromedp.WaitVisible("#coverage-table"))
	if lead := text(t, learner, ".lead"); !strings.Contains(lead, "You manage: Ward 7") {
		t.Errorf("the manager's dashboard says %q", lead)
	}
	webtest.Do(t, admin, chromedp.Click(`main table form button`))
	if !webtest.Until(t, admin, `location.search.includes("notice=manager-off") && document.readyState === "complete"`) {
		t.Fatalf("stopping the manager did not finish: %q", text(t, admin, "main"))
	}
	if n := text(t, admin, ".notice"); !strings.Contains(n, "no longer manages Ward 7") {
		t.Errorf("after stopping, the team page says %q", n)
	}

	// The learner completes the course: the dashboard moves.
	completeByMouse(t, learner, srv, m)
	webtest.Do(t, admin, chromedp.Navigate(srv.URL+"/coverage"), chromedp.WaitVisible("#coverage-table"))
	if c := text(t, admin, ".bar-counts"); !strings.Contains(c, "Complete: 1") {
		t.Errorf("after the learner completed the course the bar's counts read %q", c)
	}
	shots(t, admin, "coverage-dashboard-complete")
	webtest.Do(t, learner, chromedp.Navigate(srv.URL+"/courses"), chromedp.WaitVisible("#required-heading"))
	if st := text(t, learner, "#required-"+m.ID); !strings.Contains(st, "Complete: completed") || !strings.Contains(st, "valid until") {
		t.Errorf("after completing, the learner's required course reads %q", st)
	}
}
