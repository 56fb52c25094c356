package webtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/learning"
	"github.com/upstand/upstand/app/webtest"
)

var orgIDRE = regexp.MustCompile(`\(id ([0-9a-f-]{36})\)`)

// bundled is the content the server serves (the repository's courses).
func bundled(t *testing.T) *content.Catalogue {
	t.Helper()
	cat, err := content.Load(os.DirFS("../.."))
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// signInLearner creates an organisation, invites a learner, enrols their
// passkey on a virtual authenticator, signs out and signs back in with the
// passkey. It returns the tab, signed in on the learner's home.
func signInLearner(t *testing.T, srv *webtest.Server, name string) context.Context {
	t.Helper()
	out := srv.Command(t, "admin", "create-org", "--name", "Riverside Council", "--admin-name", "Ada Admin", "--admin-email", "ada@riverside.example")
	org := orgIDRE.FindStringSubmatch(out)
	if org == nil {
		t.Fatalf("no organisation id in:\n%s", out)
	}
	out = srv.Command(t, "admin", "invite", "--org", org[1], "--name", name, "--email", "learner@riverside.example")
	link := linkRE.FindString(out)
	if link == "" {
		t.Fatalf("no enrolment link in:\n%s", out)
	}
	ctx := webtest.Tab(t)
	webtest.AddAuthenticator(t, ctx)
	webtest.Do(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible("#enrol-form"),
		chromedp.SendKeys("#passkey-name", "Laptop"),
		chromedp.Click(`#enrol-form button[type="submit"]`),
		chromedp.WaitVisible("#my-name"))
	webtest.Do(t, ctx, chromedp.Click(`header form[action="/signout"] button`), chromedp.WaitVisible("#signin-form"))
	webtest.Do(t, ctx, chromedp.Click(`#signin-form button[type="submit"]`))
	webtest.WaitPath(t, ctx, "/")
	webtest.Do(t, ctx, chromedp.WaitVisible(".cards"))
	if h := text(t, ctx, "main h1"); h != "Your courses" {
		t.Fatalf("signed-in home heading %q", h)
	}
	return ctx
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return strings.TrimSpace(webtest.Eval[string](t, ctx, fmt.Sprintf(`(document.querySelector(%q) || {textContent: ""}).textContent`, sel)))
}

// tabTo presses Tab until the focused element matches sel, as a keyboard
// user would; it fails after 80 presses. The count bounds a walk through
// the page's Tab order (no page here has that many stops), not time: each
// press and check is one browser action with its own deadline.
func tabTo(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	for range 80 {
		if webtest.Eval[bool](t, ctx, fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%q)`, sel)) {
			return
		}
		webtest.Do(t, ctx, chromedp.KeyEvent(kb.Tab))
	}
	t.Fatalf("keyboard: Tab never reached %s", sel)
}

// enter presses Enter on the focused element and waits for the page (or
// htmx swap) to show sel.
func enter(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	webtest.Do(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(sel))
}

// shots saves the page at desktop width and at 360 px.
func shots(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	webtest.Screenshot(t, ctx, name+"-desktop")
	webtest.Do(t, ctx, chromedp.EmulateViewport(360, 780))
	// Nothing may scroll sideways at 360 px.
	if w := webtest.Eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("%s is %d px wide at a 360 px viewport", name, w)
	}
	webtest.Screenshot(t, ctx, name+"-360")
	webtest.Do(t, ctx, chromedp.EmulateViewport(1280, 900))
}

// splitWordsJS lists the words in table cells that the layout breaks
// across lines: for each text node in a th or td, the client rectangles of
// each word (a run between spaces, ending at a hyphen, dash or slash,
// after which a break is normal) must all sit on one line, unless the run
// of text between spaces it is part of is wider than the whole table's box
// (a long identifier, hyphens and all, has to break somewhere; a squeezed
// column is no excuse). It
// throws when the page has no table cell with text, so that a check
// cannot pass on an empty page.
const splitWordsJS = `(() => {
  const split = [];
  let words = 0;
  for (const cell of document.querySelectorAll("table th, table td")) {
    const room = cell.closest("table").parentElement.clientWidth;
    const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    const boxes = (n, from, to) => {
      const r = document.createRange();
      r.setStart(n, from);
      r.setEnd(n, to);
      return [...r.getClientRects()].filter(b => b.width > 0 && b.height > 0);
    };
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      // A run without spaces wider than the room must break somewhere
      // (a passkey's id, say): only runs that fit are checked.
      for (const run of n.data.matchAll(/\S+/g)) {
        words++;
        if (boxes(n, run.index, run.index + run[0].length).reduce((w, b) => w + b.width, 0) > room) continue;
        for (const m of run[0].matchAll(/[^\-\u2010-\u2014\/]+[\-\u2010-\u2014\/]*/g)) {
          const from = run.index + m.index;
          const bs = boxes(n, from, from + m[0].length);
          const lines = new Set(bs.map(b => Math.round(b.top)));
          if (lines.size > 1) split.push(m[0] + " (in " + JSON.stringify(cell.textContent.trim().slice(0, 60)) + ")");
        }
      }
    }
  }
  if (words === 0) throw new Error("no table cell with text on the page");
  return split;
})()`

// unsplitTables fails if, at 360 px wide, any table cell on the page
// breaks a word in the middle ("Cours e", "org_a dmin"): narrow screens
// stack each row as a card instead. The cards must still be tables to a
// screen reader: every table, row, header and cell keeps its role in the
// accessibility tree, and axe checks the page at that width too.
func unsplitTables(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	webtest.Do(t, ctx, chromedp.EmulateViewport(360, 780))
	defer webtest.Do(t, ctx, chromedp.EmulateViewport(1280, 900))
	if split := webtest.Eval[[]string](t, ctx, splitWordsJS); len(split) > 0 {
		t.Errorf("%s at 360 px: table cells break words: %s", name, strings.Join(split, "; "))
	}
	want := webtest.Eval[map[string]int](t, ctx, `({
		table: document.querySelectorAll("table").length,
		row: document.querySelectorAll("tr").length,
		columnheader: document.querySelectorAll('th[scope="col"]').length,
		rowheader: document.querySelectorAll('th[scope="row"]').length,
		cell: document.querySelectorAll("td").length,
	})`)
	maps.DeleteFunc(want, func(_ string, n int) bool { return n == 0 })
	got := map[string]int{}
	for _, n := range webtest.Call(t, ctx, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{}).Nodes {
		var role string
		if n.Role != nil && json.Unmarshal(n.Role.Value, &role) == nil {
			if _, ok := want[role]; ok {
				got[role]++
			}
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("%s at 360 px: the accessibility tree has %v, the page %v: stacked tables lost their semantics", name, got, want)
	}
	webtest.Axe(t, ctx, name+" at 360 px")
}

// focusedIs reports whether the focused element matches sel, waiting for
// it as long as one browser action may take: htmx moves focus once the
// swapped content has settled, later on a busy machine.
func focusedIs(t *testing.T, ctx context.Context, sel string) bool {
	t.Helper()
	return webtest.Until(t, ctx, fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%q)`, sel))
}

// TestLearnerJourneyInBrowser: a learner signs in with a passkey, starts a
// course past its content warning, answers the confidence check, reads the
// lessons, plays every scenario to a positive ending with the keyboard only,
// passes the quiz, reflects, completes the course, opens the certificate and
// verifies it signed out. axe-core checks every page on the way, and the
// scenario node, feedback and ending are photographed at desktop and 360 px.
func TestLearnerJourneyInBrowser(t *testing.T) {
	srv := webtest.StartServer(t)
	m, _ := bundled(t).Module("handling-disclosures")
	ctx := signInLearner(t, srv, "Sam Learner")
	webtest.Axe(t, ctx, "catalogue")

	webtest.Do(t, ctx, chromedp.Click(fmt.Sprintf(`a[href="/courses/%s"]`, m.ID)), chromedp.WaitVisible(".steps"))
	webtest.Axe(t, ctx, "course page")
	webtest.Do(t, ctx, chromedp.Click(`.actions a.button`), chromedp.WaitVisible(`.panel.warning`))
	webtest.Axe(t, ctx, "content warning")
	webtest.Do(t, ctx, chromedp.Click(`.actions form button[type="submit"]`), chromedp.WaitVisible(".confidence-form"))
	webtest.Axe(t, ctx, "confidence check")
	webtest.Do(t, ctx, chromedp.Click(`#s1-2`), chromedp.Click(`#s2-3`),
		chromedp.Click(`.confidence-form button[type="submit"]:not([name])`), chromedp.WaitVisible(".step-count"))

	axed := map[content.StepKind]bool{}
	for _, st := range m.Steps {
		webtest.WaitPath(t, ctx, fmt.Sprintf("/courses/%s/steps/%d", m.ID, st.Index))
		if got, want := text(t, ctx, ".step-count"), fmt.Sprintf("Step %d of %d", st.Index, len(m.Steps)); got != want {
			t.Fatalf("step label %q, want %q", got, want)
		}
		first := !axed[st.Kind]
		axed[st.Kind] = true
		switch st.Kind {
		case content.LessonStep:
			if first {
				webtest.Axe(t, ctx, "lesson")
			}
			webtest.Do(t, ctx, chromedp.Click(`.step-nav a[rel="next"]`))
		case content.ScenarioStep:
			playByKeyboard(t, ctx, st, first)
			webtest.Do(t, ctx, chromedp.Click(`#player .actions a.button`))
		case content.QuizStep:
			if first {
				webtest.Axe(t, ctx, "quiz")
			}
			for i, q := range st.Quiz.Questions {
				for j, o := range q.Options {
					if o.Correct {
						webtest.Do(t, ctx, chromedp.Click(fmt.Sprintf("#q%d-%d", i+1, j+1)))
					}
				}
			}
			webtest.Do(t, ctx, chromedp.Click(`.quiz-form button[type="submit"]`), chromedp.WaitVisible(".score"))
			if s := text(t, ctx, ".score"); !strings.Contains(s, "You passed.") {
				t.Fatalf("quiz result %q", s)
			}
			webtest.Axe(t, ctx, "quiz result")
			webtest.Do(t, ctx, chromedp.Click(`main .actions a.button`))
		case content.ReflectionStep:
			webtest.Axe(t, ctx, "reflection")
			webtest.Do(t, ctx, chromedp.SendKeys("#note", "Listen first, then ask what would help."),
				chromedp.Click(`.reflection-form button[type="submit"]:not([name])`), chromedp.WaitVisible(".note-body"))
			webtest.Do(t, ctx, chromedp.Click(`.step-nav a[rel="next"]`))
		}
	}

	webtest.WaitPath(t, ctx, "/courses/"+m.ID+"/finish")
	webtest.Axe(t, ctx, "closing confidence check")
	webtest.Do(t, ctx, chromedp.Click(`#s1-4`), chromedp.Click(`.confidence-form button[type="submit"]:not([name])`))
	webtest.WaitPath(t, ctx, "/courses/"+m.ID+"/complete")
	webtest.Axe(t, ctx, "completion")
	webtest.Do(t, ctx, chromedp.Click(`a[href^="/certificates/"]`), chromedp.WaitVisible(".certificate"))
	if name := text(t, ctx, ".cert-name"); name != "Sam Learner" {
		t.Errorf("certificate name %q", name)
	}
	webtest.Axe(t, ctx, "certificate")
	webtest.Screenshot(t, ctx, "certificate")
	checkPrint(t, ctx)
	verify := webtest.Eval[string](t, ctx, `document.querySelector(".cert-verify a").href`)

	webtest.Do(t, ctx, chromedp.Navigate(srv.URL+"/record"), chromedp.WaitVisible("table"))
	webtest.Axe(t, ctx, "my record")
	unsplitTables(t, ctx, "my record")
	reflow(t, ctx, srv.URL, "/courses", "/courses/"+m.ID, fmt.Sprintf("/courses/%s/steps/1", m.ID),
		fmt.Sprintf("/courses/%s/steps/%d", m.ID, len(m.Steps)), "/record", strings.TrimPrefix(verify, srv.URL))
	webtest.Do(t, ctx, chromedp.Click(`header form[action="/signout"] button`), chromedp.WaitVisible("#signin-form"))
	webtest.Do(t, ctx, chromedp.Navigate(verify), chromedp.WaitVisible("#verify-name"))
	if name, course := text(t, ctx, "#verify-name"), text(t, ctx, "#verify-course"); name != "Sam Learner" || course != m.Title {
		t.Errorf("verify page shows %q, %q", name, course)
	}
	if webtest.Eval[bool](t, ctx, `!!document.querySelector('form[action="/signout"]')`) {
		t.Error("the verify page was seen signed in")
	}
	webtest.Axe(t, ctx, "verify page")
}

// reflow checks pages at 320 CSS pixels wide — a 1280 px window zoomed to
// 400% — for content that would make the reader scroll sideways (WCAG
// 1.4.10). Wide tables scroll inside their own box, which is allowed.
func reflow(t *testing.T, ctx context.Context, base string, paths ...string) {
	t.Helper()
	webtest.Do(t, ctx, chromedp.EmulateViewport(320, 640))
	defer webtest.Do(t, ctx, chromedp.EmulateViewport(1280, 900))
	for _, p := range paths {
		webtest.Do(t, ctx, chromedp.Navigate(base+p), chromedp.WaitVisible("main h1"))
		if w := webtest.Eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 320 {
			t.Errorf("%s is %d px wide at 400%% zoom (320 px)", p, w)
		}
	}
}

// checkPrint prints the certificate page as Chromium would to paper: the
// print stylesheet asks for A4, drops the site's header and footer, and the
// certificate fits on one page.
func checkPrint(t *testing.T, ctx context.Context) {
	t.Helper()
	webtest.Call(t, ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
	hidden := webtest.Eval[bool](t, ctx, `getComputedStyle(document.querySelector(".site-header")).display === "none" && getComputedStyle(document.querySelector(".site-footer")).display === "none"`)
	if !hidden {
		t.Error("the printed certificate keeps the site header or footer")
	}
	webtest.Call(t, ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
	yes := true
	pdf := webtest.Call(t, ctx, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &yes, PrintBackground: &yes})
	pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf.Data, -1))
	// A4 is 595 x 842 points (Chromium writes 594.96 x 841.92).
	a4 := regexp.MustCompile(`/MediaBox\s*\[\s*0\s+0\s+59[45](\.\d+)?\s+84[12](\.\d+)?\s*\]`).Match(pdf.Data)
	if pages != 1 || !a4 {
		t.Errorf("the certificate prints on %d pages (A4: %v), want one A4 page", pages, a4)
	}
	if err := os.WriteFile(filepath.Join(webtest.ScreenshotDir(), "certificate.pdf"), pdf.Data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// playByKeyboard plays a scenario step to a positive ending with Tab and
// Enter only, checking that focus lands on the new content after every
// choice and that the feedback is announced.
func playByKeyboard(t *testing.T, ctx context.Context, st *content.Step, first bool) {
	t.Helper()
	if first {
		webtest.Axe(t, ctx, "scenario introduction")
	}
	tabTo(t, ctx, `#player form button[type="submit"]`)
	enter(t, ctx, `#player .choices`)
	if !focusedIs(t, ctx, "#player-heading") {
		t.Errorf("%s: focus did not move to the scenario's first node", st.Scenario.ID)
	}
	path := learning.PathTo(st.Scenario, content.Positive)
	for i, choice := range path {
		if first && i == 0 {
			webtest.Axe(t, ctx, "scenario node")
			shots(t, ctx, "scenario-node")
		}
		tabTo(t, ctx, fmt.Sprintf(`#player button.choice[value="%d"]`, choice))
		enter(t, ctx, "#continue")
		if !focusedIs(t, ctx, "#player-heading") || text(t, ctx, "#player-heading") != "Feedback on your choice" {
			t.Errorf("%s: after choice %d focus is not on the feedback heading", st.Scenario.ID, i+1)
		}
		if live := text(t, ctx, "#player-live"); !strings.HasPrefix(live, "Feedback on your choice:") {
			t.Errorf("%s: live region says %q", st.Scenario.ID, live)
		}
		if first && i == 0 {
			webtest.Axe(t, ctx, "scenario feedback")
			shots(t, ctx, "scenario-feedback")
		}
		tabTo(t, ctx, "#continue")
		if i == len(path)-1 {
			enter(t, ctx, ".outcome")
		} else {
			enter(t, ctx, "#player .choices")
		}
		if !focusedIs(t, ctx, "#player-heading") {
			t.Errorf("%s: after Continue focus is not on the new content", st.Scenario.ID)
		}
	}
	if o := text(t, ctx, ".outcome"); !strings.Contains(o, "Positive outcome") {
		t.Fatalf("%s ended with %q", st.Scenario.ID, o)
	}
	if first {
		webtest.Axe(t, ctx, "scenario ending")
		shots(t, ctx, "scenario-ending")
		unsplitTables(t, ctx, "a scenario's How you did")
	}
}

// TestScenarioWithoutJavaScript: with JavaScript switched off after signing
// in (passkeys need it), a learner starts a course and plays a scenario to
// an ending with plain forms and links, and resumes it after leaving.
func TestScenarioWithoutJavaScript(t *testing.T) {
	srv := webtest.StartServer(t)
	m, _ := bundled(t).Module("microaggressions")
	ctx := signInLearner(t, srv, "Noor Plain")
	webtest.Call(t, ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
	webtest.Do(t, ctx, chromedp.Navigate(srv.URL+"/courses/"+m.ID), chromedp.WaitVisible(".steps"))
	if webtest.Eval[bool](t, ctx, `typeof window.htmx !== "undefined"`) {
		t.Fatal("page scripts still run")
	}
	webtest.Do(t, ctx, chromedp.Click(`.actions a.button`), chromedp.WaitVisible(`.panel.warning`),
		chromedp.Click(`.actions form button[type="submit"]`), chromedp.WaitVisible(".confidence-form"),
		chromedp.Click(`.confidence-form button[name="skip"]`), chromedp.WaitVisible(".step-count"))

	var step *content.Step
	for _, st := range m.Steps {
		if st.Kind == content.ScenarioStep {
			step = st
			break
		}
	}
	base := fmt.Sprintf("%s/courses/%s/steps/%d", srv.URL, m.ID, step.Index)
	webtest.Do(t, ctx, chromedp.Navigate(base), chromedp.WaitVisible("#player"),
		chromedp.Click(`#player form button[type="submit"]`), chromedp.WaitVisible("#player .choices"))
	path := learning.PathTo(step.Scenario, content.Positive)
	for i, choice := range path {
		webtest.Do(t, ctx, chromedp.Click(fmt.Sprintf(`#player button.choice[value="%d"]`, choice)), chromedp.WaitVisible("#continue"))
		webtest.WaitPath(t, ctx, fmt.Sprintf("/courses/%s/steps/%d/feedback", m.ID, step.Index))
		if i == 0 {
			// Leave and come back: the attempt resumes where it was.
			webtest.Do(t, ctx, chromedp.Navigate(srv.URL+"/courses"), chromedp.WaitVisible(".cards"),
				chromedp.Navigate(base+"/feedback"), chromedp.WaitVisible("#continue"))
		}
		webtest.Do(t, ctx, chromedp.Click("#continue"))
		if i < len(path)-1 {
			webtest.Do(t, ctx, chromedp.WaitVisible("#player .choices"))
		}
	}
	webtest.Do(t, ctx, chromedp.WaitVisible(".outcome"))
	if o := text(t, ctx, ".outcome"); !strings.Contains(o, "Positive outcome") {
		t.Fatalf("ended with %q", o)
	}
	if n := webtest.Eval[int](t, ctx, `document.querySelectorAll(".path li").length`); n != len(path) {
		t.Errorf("the review lists %d choices, want %d", n, len(path))
	}
	webtest.Screenshot(t, ctx, "scenario-ending-no-js")
	webtest.Do(t, ctx, chromedp.Navigate(srv.URL+"/courses/"+m.ID), chromedp.WaitVisible(".steps"))
	if s := text(t, ctx, fmt.Sprintf(".steps li:nth-child(%d) .meta", step.Index)); !strings.Contains(s, "finished") {
		t.Errorf("course page shows the scenario step as %q", s)
	}
}
