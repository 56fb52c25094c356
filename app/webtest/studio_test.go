package webtest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/upstand/upstand/app/webtest"
)

// createOrg runs `admin create-org` and returns the new organisation's id.
func createOrg(t *testing.T, srv *webtest.Server, name, admin, email string) string {
	t.Helper()
	out := srv.Command(t, "admin", "create-org", "--name", name, "--admin-name", admin, "--admin-email", email)
	org := orgIDRE.FindStringSubmatch(out)
	if org == nil {
		t.Fatalf("no organisation id in:\n%s", out)
	}
	return org[1]
}

// enrolInvited invites someone to org (with extra flags such as
// --trainer), enrols their passkey in a fresh browser context and returns
// the tab, signed in.
func enrolInvited(t *testing.T, parent context.Context, srv *webtest.Server, org, name, email string, flags ...string) context.Context {
	t.Helper()
	out := srv.Command(t, append([]string{"admin", "invite", "--org", org, "--name", name, "--email", email}, flags...)...)
	link := linkRE.FindString(out)
	if link == "" {
		t.Fatalf("no enrolment link in:\n%s", out)
	}
	ctx := parent
	if ctx == nil {
		ctx = webtest.Tab(t)
	} else {
		ctx = ownBrowser(t, parent)
	}
	webtest.AddAuthenticator(t, ctx)
	webtest.Do(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible("#enrol-form"),
		chromedp.SendKeys("#passkey-name", "Laptop"),
		chromedp.Click(`#enrol-form button[type="submit"]`),
		chromedp.WaitVisible("#my-name"))
	return ctx
}

// twee is the story the trainer imports: the "Go back" link names a
// passage that does not exist, which the rules report (S4).
const twee = `:: StoryTitle
Night shift handover

:: StoryData
{"ifid": "3B5A4C8E-1D2F-4A6B-9C0D-7E8F9A0B1C2D", "format": "Harlowe", "start": "Start"}

:: Start
At handover, Jo mentions that a patient mocked her accent again last night. She laughs, but she looks tired.

[[Ask Jo how she is, away from the others->Ask]]
[[Laugh along and move on->Shrug]]

:: Ask [positive]
Jo says it helps that someone noticed. You agree what she wants to happen next and log the incident together.

:: Shrug
The moment passes. Jo goes quiet for the rest of the shift.

[[Go back->Brush]]
`

// TestTrainerAuthorsInBrowser is the trainer's whole path: import a Twine
// story, fix the problem the editor reports as you type, see the graph,
// playtest to an ending, publish, and build and publish a course with it;
// then a learner of the same organisation plays it, and a learner of
// another organisation cannot see it. axe runs on every studio page, the
// editor with and without JavaScript.
func TestTrainerAuthorsInBrowser(t *testing.T) {
	srv := webtest.StartServer(t)
	orgA := createOrg(t, srv, "Harbour Trust", "Hana Admin", "hana@harbour.example")
	orgB := createOrg(t, srv, "Inland Trust", "Ivo Admin", "ivo@inland.example")

	trainer := enrolInvited(t, nil, srv, orgA, "Tom Trainer", "tom@harbour.example", "--trainer")
	webtest.Do(t, trainer, chromedp.Navigate(srv.URL+"/studio"), chromedp.WaitVisible(`form[action="/studio/import"]`))
	webtest.Axe(t, trainer, "studio")

	// Import the story.
	story := filepath.Join(t.TempDir(), "night-shift.twee")
	if err := os.WriteFile(story, []byte(twee), 0o644); err != nil {
		t.Fatal(err)
	}
	webtest.Do(t, trainer, chromedp.SetUploadFiles("#import-story", []string{story}),
		chromedp.Click(`form[action="/studio/import"] button[type="submit"]`))
	webtest.Do(t, trainer, chromedp.WaitVisible(".cm-editor"))
	if !webtest.Until(t, trainer, `document.querySelector("#problems-list a") !== null`) {
		t.Fatal("the imported draft shows no problem")
	}
	problem := text(t, trainer, "#problems-list a")
	if !strings.Contains(problem, `S4 goto "brush" names no node`) {
		t.Fatalf("the problem listed is %q", problem)
	}
	if notes := text(t, trainer, ".panel.warning"); !strings.Contains(notes, "Notes from the Twine importer") {
		t.Errorf("the importer's notes are missing: %q", notes)
	}
	webtest.Axe(t, trainer, "editor with a problem")
	webtest.Screenshot(t, trainer, "studio-editor-with-a-problem")

	// Fix it in the editor: the problem's link puts the cursor on the
	// goto's value; delete it and type the node meant.
	webtest.Do(t, trainer, chromedp.Click("#problems-list a"))
	if !webtest.Until(t, trainer, `document.activeElement && document.activeElement.classList.contains("cm-content")`) {
		t.Fatal("the problem's link did not focus the editor")
	}
	for range len("brush") {
		webtest.Do(t, trainer, chromedp.KeyEvent(kb.Delete))
	}
	webtest.Do(t, trainer, chromedp.KeyEvent("start"))
	if !webtest.Until(t, trainer, `document.querySelector("#problems-count").textContent.includes("No problems found")`) {
		t.Fatalf("the live check still reports: %q", text(t, trainer, "#problems"))
	}
	id := text(t, trainer, ".breadcrumb code")
	webtest.Do(t, trainer, chromedp.Click(`.editor-form button[type="submit"]`))
	webtest.WaitPath(t, trainer, "/studio/scenarios/"+id)
	if n := text(t, trainer, ".notice"); !strings.Contains(n, "Saved") {
		t.Fatalf("after saving the page says %q", n)
	}
	if src := webtest.Eval[string](t, trainer, `document.getElementById("source").value`); !strings.Contains(src, "goto: start") {
		t.Fatalf("the saved draft is:\n%s", src)
	}

	// The editor without JavaScript: the same page, a plain text area.
	webtest.Call(t, trainer, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
	webtest.Do(t, trainer, chromedp.Navigate(srv.URL+"/studio/scenarios/"+id), chromedp.WaitVisible("textarea#source"))
	if webtest.Eval[bool](t, trainer, `document.querySelector(".cm-editor") !== null`) {
		t.Error("the editor's script ran with JavaScript off")
	}
	// axe-core needs script execution (its checks wait on timers): turning
	// it back on does not run the scripts the page skipped as it loaded.
	webtest.Call(t, trainer, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false})
	webtest.Axe(t, trainer, "editor without JavaScript")
	if webtest.Eval[bool](t, trainer, `document.querySelector(".cm-editor") !== null`) {
		t.Error("the editor's script ran after the page loaded without JavaScript")
	}

	// The graph: server-drawn SVG and its outline; a node's box opens the
	// editor at that node.
	webtest.Do(t, trainer, chromedp.Navigate(srv.URL+"/studio/scenarios/"+id+"/graph"), chromedp.WaitVisible(".graph svg"))
	if outline := text(t, trainer, ".outline"); !strings.Contains(outline, "ending: positive") || !strings.Contains(outline, "Laugh along and move on") {
		t.Errorf("the outline reads %q", outline)
	}
	webtest.Axe(t, trainer, "graph")
	webtest.Do(t, trainer, chromedp.Click(chromedp.CSS(`.graph svg a[*|href$="#node-shrug"]`)))
	webtest.WaitPath(t, trainer, "/studio/scenarios/"+id)
	if !webtest.Until(t, trainer, `location.hash === "#node-shrug" && document.activeElement && document.activeElement.classList.contains("cm-content")`) {
		t.Errorf("the node's box did not open the editor at it (at %q)", webtest.Eval[string](t, trainer, "location.href"))
	}

	// Playtest to an ending, by the first choice on offer each time.
	webtest.Do(t, trainer, chromedp.Navigate(srv.URL+"/studio/scenarios/"+id+"/playtest"), chromedp.WaitVisible("#play-heading"))
	webtest.Axe(t, trainer, "playtest")
	for i := 0; !strings.Contains(text(t, trainer, "#play-heading"), "ending"); i++ {
		if i == 10 {
			t.Fatalf("no ending after %d choices: %q", i, text(t, trainer, "#play-heading"))
		}
		before := text(t, trainer, "#state-heading")
		webtest.Do(t, trainer, chromedp.Click(`.choices button.choice`))
		if !webtest.Until(t, trainer, fmt.Sprintf(`document.querySelector("#state-heading") && document.querySelector("#state-heading").textContent !== %q`, before)) {
			t.Fatal("the playtest did not move on")
		}
	}

	// Publish the scenario, then a course that uses it.
	publish := func(note string) {
		t.Helper()
		webtest.Do(t, trainer, chromedp.WaitVisible("#publish-note"), chromedp.SendKeys("#publish-note", note),
			chromedp.Click(`form[action$="/publish"] button[type="submit"]`))
		if !webtest.Until(t, trainer, `location.search.includes("notice=published")`) {
			t.Fatalf("publishing did not succeed: %q", text(t, trainer, "main"))
		}
	}
	webtest.Do(t, trainer, chromedp.Navigate(srv.URL+"/studio/scenarios/"+id), chromedp.WaitVisible(".cm-editor"))
	publish("First version, imported from Twine")
	webtest.Do(t, trainer, chromedp.Navigate(srv.URL+"/studio/scenarios/"+id+"/history"), chromedp.WaitVisible("table"))
	if h := text(t, trainer, "table"); !strings.Contains(h, "First version, imported from Twine") || !strings.Contains(h, "Tom Trainer") {
		t.Errorf("the history reads %q", h)
	}
	webtest.Axe(t, trainer, "history")

	webtest.Do(t, trainer, chromedp.Navigate(srv.URL+"/studio"), chromedp.WaitVisible("#new-title"),
		chromedp.Click("#new-kind-module"), chromedp.SendKeys("#new-title", "Handover conversations"),
		chromedp.SendKeys("#new-id", "handover-conversations"),
		chromedp.Click(`form[action="/studio/new"] button[type="submit"]`))
	webtest.WaitPath(t, trainer, "/studio/modules/handover-conversations")
	webtest.Do(t, trainer, chromedp.WaitVisible(".cm-editor"))
	// The course's steps gain the scenario: the text area carries what the
	// form sends, whatever edits it (here a script, as a paste would).
	webtest.Eval[bool](t, trainer, fmt.Sprintf(`(() => { const s = document.getElementById("source");
		s.value = s.value.replace("  - lesson: 01-introduction.md\n", "  - lesson: 01-introduction.md\n  - scenario: %s\n"); return true })()`, id))
	webtest.Do(t, trainer, chromedp.Click(`.editor-form button[type="submit"]`))
	if !webtest.Until(t, trainer, `location.search.includes("notice=saved")`) {
		t.Fatal("the course did not save")
	}
	if p := text(t, trainer, "#problems-count"); !strings.Contains(p, "No problems found") {
		t.Fatalf("the course has problems: %q", text(t, trainer, "#problems"))
	}
	publish("First version")

	// A learner of the same organisation plays it.
	learner := enrolInvited(t, trainer, srv, orgA, "Lee Learner", "lee@harbour.example")
	webtest.Do(t, learner, chromedp.Navigate(srv.URL+"/courses"), chromedp.WaitVisible(".cards"))
	if cards := text(t, learner, ".cards"); !strings.Contains(cards, "Handover conversations") {
		t.Fatalf("the learner's catalogue lacks the organisation's course: %q", cards)
	}
	webtest.Do(t, learner, chromedp.Navigate(srv.URL+"/courses/handover-conversations/begin"), chromedp.WaitVisible("main h1"))
	if webtest.Eval[bool](t, learner, `document.querySelector(".actions form button[type=submit]") !== null`) {
		webtest.Do(t, learner, chromedp.Click(`.actions form button[type="submit"]`))
	}
	if webtest.Until(t, learner, `document.querySelector(".confidence-form") !== null || document.querySelector(".step-count") !== null`) &&
		webtest.Eval[bool](t, learner, `document.querySelector(".confidence-form") !== null`) {
		webtest.Do(t, learner, chromedp.Click(`.confidence-form button[name="skip"]`), chromedp.WaitVisible(".step-count"))
	}
	webtest.Do(t, learner, chromedp.Navigate(srv.URL+"/courses/handover-conversations/steps/2"), chromedp.WaitVisible("#player"),
		chromedp.Click(`#player form button[type="submit"]`), chromedp.WaitVisible("#player .choices"),
		chromedp.Click(`#player button.choice[value="1"]`), chromedp.WaitVisible("#continue"),
		chromedp.Click("#continue"), chromedp.WaitVisible(".outcome"))
	if o := text(t, learner, ".outcome"); !strings.Contains(o, "Positive") {
		t.Errorf("the learner's play ended %q", o)
	}

	// A learner of another organisation cannot see it.
	other := enrolInvited(t, trainer, srv, orgB, "Oona Other", "oona@inland.example")
	webtest.Do(t, other, chromedp.Navigate(srv.URL+"/courses"), chromedp.WaitVisible(".cards"))
	if cards := text(t, other, ".cards"); strings.Contains(cards, "Handover conversations") {
		t.Error("another organisation's learner sees the course")
	}
	webtest.Do(t, other, chromedp.Navigate(srv.URL+"/courses/handover-conversations"), chromedp.WaitVisible("main h1"))
	if h := text(t, other, "main h1"); h != "Page not found" {
		t.Errorf("another organisation's learner opening the course sees %q", h)
	}
	webtest.Do(t, other, chromedp.Navigate(srv.URL+"/studio"), chromedp.WaitVisible("main h1"))
	if h := text(t, other, "main h1"); h != "Page not found" {
		t.Errorf("a learner opening the studio sees %q", h)
	}

	// The choice analytics of the published scenario: one learner so far,
	// which the page never shows as a number.
	webtest.Do(t, trainer, chromedp.Navigate(srv.URL+"/studio/analytics/"+id), chromedp.WaitVisible("main h1"))
	if m := text(t, trainer, "main"); !strings.Contains(m, "Learners who started this version: fewer than 5") {
		t.Errorf("the analytics page reads %q", m)
	}
	webtest.Axe(t, trainer, "analytics")

	// A bundled scenario copied into the studio, and its graph.
	webtest.Do(t, trainer, chromedp.Navigate(srv.URL+"/studio"), chromedp.WaitVisible("#copy-from"),
		chromedp.SetValue("#copy-from", "scenario:colleague-struggling"),
		chromedp.SendKeys("#copy-id", "our-colleague-struggling"),
		chromedp.Click(`form[action="/studio/copy"] button[type="submit"]`))
	webtest.WaitPath(t, trainer, "/studio/scenarios/our-colleague-struggling")
	webtest.Do(t, trainer, chromedp.Navigate(srv.URL+"/studio/scenarios/our-colleague-struggling/graph"), chromedp.WaitVisible(".graph svg"))
	webtest.Screenshot(t, trainer, "studio-graph-of-a-library-scenario")

	// The form view, by keyboard: add an ending to the copy; the text view
	// then holds it, and the form view lists it with the problem it makes
	// (nothing leads to it yet).
	form := "/studio/scenarios/our-colleague-struggling/form"
	webtest.Do(t, trainer, chromedp.Navigate(srv.URL+form), chromedp.WaitVisible("#node-id"))
	webtest.Axe(t, trainer, "form view")
	webtest.Do(t, trainer, chromedp.Focus("#node-id"), chromedp.KeyEvent("walked-away"),
		chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown),
		chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent("Narrator"),
		chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent("You walked away before they had finished."))
	if got := webtest.Eval[string](t, trainer, `document.activeElement.id + " " + document.getElementById("node-ending").value`); got != "node-text mixed" {
		t.Fatalf("after typing the form's focus and kind are %q", got)
	}
	webtest.Do(t, trainer, chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter))
	if !webtest.Until(t, trainer, `location.search.includes("notice=add-node")`) {
		t.Fatalf("the node was not added: %q", text(t, trainer, "main"))
	}
	if n := text(t, trainer, ".notice"); !strings.Contains(n, "Node added.") {
		t.Errorf("after the edit the form view says %q", n)
	}
	if h := text(t, trainer, "#outline-node-walked-away"); !strings.Contains(h, "walked-away: ending, mixed") {
		t.Errorf("the new node is listed as %q", h)
	}
	webtest.Axe(t, trainer, "form view after an edit")
	webtest.Do(t, trainer, chromedp.Navigate(srv.URL+"/studio/scenarios/our-colleague-struggling"), chromedp.WaitVisible(".cm-editor"))
	if src := webtest.Eval[string](t, trainer, `document.getElementById("source").value`); !strings.Contains(src,
		"  walked-away:\n    ending: mixed\n    speaker: \"Narrator\"\n    text: |\n      You walked away before they had finished.\n") {
		t.Errorf("the text view does not hold the new node:\n%s", src)
	}
}
