package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/store"
)

// The trainers' studio through the real server: who may use it, the
// editor (save, problems, the live check, concurrent edits), publishing to
// learners, history, export, playtest, limits, and author text that must
// stay inert.

// studioPath is a studio route filled with x's own drafts: a course's
// for the routes only a course has, the library's first scenario for the
// library's.
func studioPath(x *tenant, route string) string {
	switch {
	case strings.Contains(route, "/library/"):
		return strings.Replace(route, ":id", x.Course.Scenarios[0].Scenario.ID, 1)
	case strings.Contains(route, "/analytics/"):
		return strings.Replace(route, ":id", x.PublishedScenario, 1)
	case strings.HasSuffix(route, "/files"):
		return strings.NewReplacer(":kind", "modules", ":id", x.Module).Replace(route)
	}
	return strings.NewReplacer(":kind", "scenarios", ":id", x.Scenario).Replace(route)
}

// studioRoutes are the app's routes under /studio, as "METHOD /pattern".
func studioRoutes(s *testServer) []string {
	var out []string
	for _, r := range s.App().GetRoutes(true) {
		if strings.HasPrefix(r.Path, "/studio") && r.Method != http.MethodHead {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

// intruderForm would do something on most studio POST routes if the wall
// were not there.
var intruderForm = url.Values{"kind": {"scenario"}, "id": {"intruder"}, "title": {"Intruder"}, "from": {"scenario:anxiety-disclosure"},
	"revision": {"1"}, "source": {"id: intruder\n"}, "note": {"Intruder"}, "name": {"02-intruder"}, "required": {"on"}, "choice": {"1"}}

// TestStudioIsForTrainersOnly: every route under /studio is a 404 for a
// learner and for an org admin who is not a trainer, with none of the
// studio's content in the body, and sends an anonymous visitor to sign in;
// a refused POST changes nothing. The trainer gets each page.
func TestStudioIsForTrainersOnly(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Alder")
	anon := s.browser(t)
	before := a.snapshot(t, s)
	routes := studioRoutes(s)
	if len(routes) < 15 {
		t.Fatalf("only %d studio routes found: %v", len(routes), routes)
	}
	for _, route := range routes {
		method, pattern, _ := strings.Cut(route, " ")
		path := studioPath(a, pattern)
		for _, who := range []struct {
			name string
			v    *browser
		}{{"a learner", a.memberV}, {"an org admin who is not a trainer", a.adminV}} {
			var resp *http.Response
			var body string
			if method == http.MethodGet {
				resp, body = who.v.get(path)
			} else {
				resp, body = who.v.post(path, cloneValues(intruderForm))
			}
			if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Alder Corridor Talk") || strings.Contains(body, "Alder Handover Talk") {
				t.Errorf("%s: %s %s: status %d, want 404 showing nothing of the studio", who.name, method, path, resp.StatusCode)
			}
		}
		if method == http.MethodGet {
			if resp, _ := anon.get(path); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
				t.Errorf("anonymous %s %s: status %d to %q, want 303 to /signin", method, path, resp.StatusCode, resp.Header.Get("Location"))
			}
			if resp, body := a.trainerV.get(path); resp.StatusCode != 200 {
				t.Errorf("the trainer: %s %s: status %d, want 200\n%s", method, path, resp.StatusCode, clip(body))
			}
		}
	}
	if after := a.snapshot(t, s); after != before {
		t.Errorf("refused requests changed the organisation:\nbefore %s\nafter  %s", before, after)
	}
	// The studio is in the header for trainers only.
	if _, body := a.trainerV.get("/courses"); !strings.Contains(body, `href="/studio"`) {
		t.Error("the trainer's header has no link to the studio")
	}
	if _, body := a.adminV.get("/courses"); strings.Contains(body, `href="/studio"`) {
		t.Error("a non-trainer's header links to the studio")
	}
}

// TestStudioPostsNeedACSRFToken: every POST under /studio, sent by the
// trainer without a token or with another session's, is a 403 and changes
// nothing; with the trainer's own token it is not refused.
func TestStudioPostsNeedACSRFToken(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Hazel")
	other := s.browser(t)
	if resp, _ := other.signIn(a.trainerKey); resp.StatusCode != 200 {
		t.Fatal("the other browser's sign-in")
	}
	v := a.trainerV
	checked := 0
	for _, route := range studioRoutes(s) {
		method, pattern, _ := strings.Cut(route, " ")
		if method != http.MethodPost {
			continue
		}
		checked++
		path := studioPath(a, pattern)
		before := a.snapshot(t, s)
		for name, form := range map[string]url.Values{
			"no token":                withToken(intruderForm, ""),
			"another session's token": withToken(intruderForm, other.token()),
		} {
			resp, body := v.postRaw(path, form)
			if resp.StatusCode != http.StatusForbidden || strings.Contains(body, "Intruder") {
				t.Errorf("POST %s, %s: status %d, want 403", path, name, resp.StatusCode)
			}
		}
		if after := a.snapshot(t, s); after != before {
			t.Fatalf("POST %s without a valid token changed the organisation:\nbefore %s\nafter  %s", path, before, after)
		}
		if resp, _ := v.postRaw(path, withToken(intruderForm, v.token())); resp.StatusCode == http.StatusForbidden {
			t.Errorf("POST %s with the trainer's own token: 403", path)
		}
	}
	if checked < 9 {
		t.Errorf("only %d studio POST routes found", checked)
	}
}

// draft is a studio draft as stored.
func (s *testServer) draft(t *testing.T, x *tenant, kind, id string) store.Authored {
	t.Helper()
	d, err := s.st.Org(x.Org.ID).Authored(context.Background(), kind, id)
	if err != nil {
		t.Fatalf("draft %s %s: %v", kind, id, err)
	}
	return d
}

var revisionField = regexp.MustCompile(`name="revision" value="(\d+)"`)

// revisionOn is the revision the editor page's form carries.
func revisionOn(t *testing.T, body string) string {
	t.Helper()
	m := revisionField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no revision on the page\n%s", clip(body))
	}
	return m[1]
}

// escaped is text as html/template writes it into a page's text.
func escaped(s string) string {
	var b strings.Builder
	_ = template.Must(template.New("").Parse("{{.}}")).Execute(&b, s)
	return b.String()
}

// TestStudioCreate: a new scenario or course starts from the template and
// opens in the editor with no problems; a copy starts from the library;
// mistakes come back on the form with a 422 and create nothing.
func TestStudioCreate(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Birch")
	v := a.trainerV
	v.page("/studio", "Birch Corridor Talk", "Birch Handover Talk", "Birch Induction Course", `action="/studio/new"`)
	lib := a.Course.Scenarios[0].Scenario
	for _, tc := range []struct {
		name, path string
		form       url.Values
		to         string // the editor it opens, or "" for a refusal
		wants      []string
	}{
		{"a scenario", "/studio/new", url.Values{"kind": {"scenario"}, "id": {"night-shift"}, "title": {"Night shift"}},
			"/studio/scenarios/night-shift", []string{"Night shift", "Created from the template", "No problems found: ready to publish"}},
		{"a course", "/studio/new", url.Values{"kind": {"module"}, "id": {"night-course"}, "title": {"Night course"}},
			"/studio/modules/night-course", []string{"Night course", "01-introduction.md", "No problems found: ready to publish"}},
		{"a copy", "/studio/copy", url.Values{"from": {"scenario:" + lib.ID}, "id": {"my-copy"}},
			"/studio/scenarios/my-copy", []string{escaped(lib.Title), "Copied from the library", "No problems found: ready to publish"}},
		{"an id that is not a slug", "/studio/new", url.Values{"kind": {"scenario"}, "id": {"Night Shift"}, "title": {"Night shift"}},
			"", []string{"Use lower-case letters, digits and single hyphens"}},
		{"the library's id", "/studio/new", url.Values{"kind": {"scenario"}, "id": {lib.ID}, "title": {"Mine"}},
			"", []string{"The library already has a scenario with this id"}},
		{"an id the organisation uses", "/studio/new", url.Values{"kind": {"scenario"}, "id": {a.Scenario}, "title": {"Again"}},
			"", []string{"Your organisation already has one with this id"}},
		{"no title", "/studio/new", url.Values{"kind": {"scenario"}, "id": {"untitled"}, "title": {"  "}},
			"", []string{"Give it a title."}},
		{"a copy of nothing", "/studio/copy", url.Values{"from": {"scenario:no-such-scenario"}, "id": {"nothing"}},
			"", []string{"Choose what to copy."}},
	} {
		// One browser, one test: the rows run in order, without subtests.
		if tc.to != "" {
			loc := v.redirect(tc.path, tc.form, tc.to)
			v.page(loc, tc.wants...)
			continue
		}
		before := a.snapshot(t, s)
		resp, body := v.post(tc.path, tc.form)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", tc.name, resp.StatusCode)
		}
		for _, w := range tc.wants {
			if !strings.Contains(body, escaped(w)) {
				t.Errorf("%s: the page lacks %q", tc.name, w)
			}
		}
		if after := a.snapshot(t, s); after != before {
			t.Errorf("%s: a refused create changed the studio:\nbefore %s\nafter  %s", tc.name, before, after)
		}
	}
}

// brokenScore makes the template's first choice score a competency the
// scenario does not declare: one problem, at the score's key.
func brokenScore(source string) (string, int, int) {
	broken := strings.Replace(source, "score: {listening: 1}", "score: {listning: 1}", 1)
	before, _, _ := strings.Cut(broken, "listning: 1")
	line := strings.Count(before, "\n") + 1
	col := len(before) - strings.LastIndex(before, "\n")
	return broken, line, col
}

// TestStudioEditor: a draft with a problem is saved, and the editor lists
// the problem by line and column with the rules' one-line message; the
// live check answers the same problems as JSON and saves nothing; a save
// from a revision someone else has saved since is refused with a 409, the
// difference, and the person's own text still in the editor; CRLF line
// breaks from the textarea are saved as LF, tabs kept.
func TestStudioEditor(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Cedar")
	v := a.trainerV
	url0 := "/studio/scenarios/" + a.Scenario
	file := a.Scenario + ".yaml"
	original := s.draft(t, a, authoring.Scenario, a.Scenario).Files[file]
	broken, line, col := brokenScore(original)

	// Saved with its problem, which the editor shows where it is.
	body := v.page(url0, "No problems found: ready to publish")
	v.redirect(url0, url.Values{"revision": {revisionOn(t, body)}, "file": {file}, "source": {broken}}, url0+"?notice=saved")
	if got := s.draft(t, a, authoring.Scenario, a.Scenario); got.Files[file] != broken || got.Revision != 2 {
		t.Fatalf("the draft with a problem was not saved: revision %d", got.Revision)
	}
	_, errs := content.ParseScenario("scenarios/"+file, []byte(broken))
	if len(errs) != 1 || errs[0].Line != line || errs[0].Col != col || !strings.Contains(errs[0].Msg, "listning") {
		t.Fatalf("the rules found %v, want one problem with the score at %d:%d", errs, line, col)
	}
	want := fmt.Sprintf("line %d, column %d: %s", line, col, problemText(errs[0]))
	body = v.page(url0+"?notice=saved", "Saved.", "1 problem", escaped(want), `href="#line-`+strconv.Itoa(line)+`"`, "Fix every problem before publishing.")
	if strings.Contains(body, `action="`+url0+`/publish"`) {
		t.Error("the editor offers to publish a draft with problems")
	}

	// The live check: the same problem as JSON, nothing saved.
	check := func(source string) []checkedProblem {
		t.Helper()
		before := s.draft(t, a, authoring.Scenario, a.Scenario)
		resp, out := v.post(url0+"/check?file="+file, url.Values{"source": {source}}, "Accept", "application/json")
		var got struct {
			Errors []checkedProblem `json:"errors"`
		}
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || json.Unmarshal([]byte(out), &got) != nil || got.Errors == nil {
			t.Fatalf("check: status %d %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), clip(out))
		}
		if after := s.draft(t, a, authoring.Scenario, a.Scenario); after.Revision != before.Revision || after.Files[file] != before.Files[file] {
			t.Error("the check saved the draft")
		}
		return got.Errors
	}
	e := errs[0]
	if got := check(broken); len(got) != 1 || got[0] != (checkedProblem{Line: line, Col: col, Rule: e.Rule, Where: e.Where, Message: e.Msg, Text: problemText(e)}) {
		t.Errorf("check of the broken text: %+v, want %+v", got, e)
	}
	if got := check(original); len(got) != 0 {
		t.Errorf("check of the template: %+v, want no problems", got)
	}

	// Two people save from the same revision: the second is refused.
	other := s.browser(t)
	if resp, _ := other.signIn(a.trainerKey); resp.StatusCode != 200 {
		t.Fatal("the second browser's sign-in")
	}
	rev := revisionOn(t, v.page(url0))
	if rev2 := revisionOn(t, other.page(url0)); rev2 != rev {
		t.Fatalf("the two editors opened revisions %s and %s", rev, rev2)
	}
	theirs := strings.Replace(original, "minutes: 10", "minutes: 15", 1)
	mine := strings.Replace(original, "minutes: 10", "minutes: 20", 1)
	v.redirect(url0, url.Values{"revision": {rev}, "file": {file}, "source": {theirs}}, url0)
	resp, body := other.post(url0, url.Values{"revision": {rev}, "file": {file}, "source": {mine}})
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("the second save from revision %s: status %d, want 409", rev, resp.StatusCode)
	}
	for _, w := range []string{"Not saved: someone else saved this draft", "-minutes: 15", escaped("+minutes: 20"),
		`<textarea id="source" name="source"`, ">" + escaped(mine) + "</textarea>"} {
		if !strings.Contains(body, w) {
			t.Errorf("the conflict page lacks %q", w)
		}
	}
	if got := s.draft(t, a, authoring.Scenario, a.Scenario).Files[file]; got != theirs {
		t.Error("the refused save changed the draft")
	}
	// Saving again from the conflict page replaces theirs, knowingly.
	other.redirect(url0, url.Values{"revision": {revisionOn(t, body)}, "file": {file}, "source": {mine}}, url0)
	if got := s.draft(t, a, authoring.Scenario, a.Scenario).Files[file]; got != mine {
		t.Error("the save from the conflict page was not kept")
	}

	// A textarea sends CRLF; tabs inside a string are text.
	crlf := strings.ReplaceAll(strings.Replace(original, "title: ", "title: \t", 1), "\n", "\r\n")
	rev = revisionOn(t, v.page(url0))
	v.redirect(url0, url.Values{"revision": {rev}, "file": {file}, "source": {crlf}}, url0)
	if got := s.draft(t, a, authoring.Scenario, a.Scenario).Files[file]; got != strings.ReplaceAll(crlf, "\r\n", "\n") {
		t.Errorf("CRLF text was saved as %q", clip(got))
	}
	v.page(url0, "No problems found: ready to publish")

	// A file the draft does not have, and a kind there is not, are 404s.
	for _, p := range []string{url0 + "?file=other.yaml", "/studio/lessons/" + a.Scenario, "/studio/modules/" + a.Scenario} {
		if resp, _ := v.get(p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, resp.StatusCode)
		}
	}
}

// TestStudioPublishReachesLearners: a draft with problems is not
// published (the editor says why); a clean one is, with its note, in the
// history with a diff against the draft; a course using the organisation's
// published scenario, once published, is in the catalogue of the
// organisation's learners and of no one else's; a scenario a published
// course uses cannot be unpublished; export downloads the file.
func TestStudioPublishReachesLearners(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a, b := s.newTenant(t, "Aspen"), s.newTenant(t, "Beech")
	v := a.trainerV
	sc := "/studio/scenarios/" + a.Scenario
	file := a.Scenario + ".yaml"
	original := s.draft(t, a, authoring.Scenario, a.Scenario).Files[file]
	broken, _, _ := brokenScore(original)
	published := func() (string, int) {
		t.Helper()
		vs, err := s.st.Org(a.Org.ID).AuthoredVersions(context.Background(), authoring.Scenario, a.Scenario)
		if err != nil {
			t.Fatal(err)
		}
		return s.draft(t, a, authoring.Scenario, a.Scenario).PublishedVersion, len(vs)
	}

	// Refused: problems, no note, a revision that is not the latest.
	v.redirect(sc, url.Values{"revision": {"1"}, "file": {file}, "source": {broken}}, sc)
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"problems", url.Values{"revision": {"2"}, "note": {"First"}}, "This draft has problems. Fix every one before publishing."},
		{"no note", url.Values{"revision": {"2"}, "note": {" "}}, "Say in a line what changed, for the history."},
		{"an old revision", url.Values{"revision": {"1"}, "note": {"First"}}, "Someone else saved this draft after you opened it"},
	} {
		resp, body := v.post(sc+"/publish", tc.form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) {
			t.Errorf("publish with %s: status %d, want 422 saying %q\n%s", tc.name, resp.StatusCode, tc.want, clip(body))
		}
		if ver, n := published(); ver != "" || n != 0 {
			t.Fatalf("publish with %s published %q (%d versions)", tc.name, ver, n)
		}
	}

	// Fixed and published.
	v.redirect(sc, url.Values{"revision": {"2"}, "file": {file}, "source": {original}}, sc)
	v.redirect(sc+"/publish", url.Values{"revision": {"3"}, "note": {"First cut for the ward"}}, sc+"?notice=published")
	ver, n := published()
	if ver == "" || n != 1 {
		t.Fatalf("published %q, %d versions", ver, n)
	}
	v.page(sc+"?notice=published", "Published: learners now get this version.", "Published: learners get version <code>"+ver+"</code>")
	// Publishing it again changes nothing.
	v.redirect(sc+"/publish", url.Values{"revision": {"3"}, "note": {"Again"}}, sc+"?notice=unchanged")

	// History: the version with its note and publisher, and the draft's
	// changes since.
	changed := strings.Replace(original, "minutes: 10", "minutes: 12", 1)
	v.redirect(sc, url.Values{"revision": {"3"}, "file": {file}, "source": {changed}}, sc)
	v.page(sc+"/history", ver, "(learners get this)", "First cut for the ward", a.Trainer.Name,
		"Changes from "+ver+" to draft", "-minutes: 10", escaped("+minutes: 12"))
	v.page(sc+"/history?from="+ver+"&to="+ver, "No differences between "+ver+" and "+ver)
	if resp, _ := v.get(sc + "/history?from=nonsense&to=draft"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a diff from a version that does not exist: status %d, want 404", resp.StatusCode)
	}

	// Export: the draft's file as a download.
	resp, body := v.get(sc + "/export")
	if resp.StatusCode != 200 || body != changed ||
		resp.Header.Get("Content-Type") != "application/yaml; charset=utf-8" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="`+file+`"` {
		t.Errorf("export: status %d, %q, %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"), clip(body))
	}
	lib := a.Course.Scenarios[0].Scenario.ID
	want, err := os.ReadFile("../../scenarios/" + lib + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	resp, body = v.get("/studio/library/scenarios/" + lib + "/export")
	if resp.StatusCode != 200 || body != string(want) || resp.Header.Get("Content-Disposition") != `attachment; filename="`+lib+`.yaml"` {
		t.Errorf("library export: status %d, %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	if resp, _ := v.get("/studio/library/scenarios/" + a.Scenario + "/export"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("library export of the organisation's own scenario: status %d, want 404", resp.StatusCode)
	}

	// A course using the organisation's published scenario.
	course := "aspen-night-course"
	cu := "/studio/modules/" + course
	v.redirect("/studio/new", url.Values{"kind": {"module"}, "id": {course}, "title": {"Aspen Night Course"}}, cu)
	mod := s.draft(t, a, authoring.Module, course).Files["module.yaml"]
	withScenario := strings.Replace(mod, "  - lesson: 01-introduction.md\n", "  - lesson: 01-introduction.md\n  - scenario: "+a.PublishedScenario+"\n", 1)
	if withScenario == mod {
		t.Fatal("the course template has no lesson step to follow")
	}
	v.redirect(cu, url.Values{"revision": {"1"}, "file": {"module.yaml"}, "source": {withScenario}}, cu)
	v.page(cu, "No problems found: ready to publish")
	v.redirect(cu+"/publish", url.Values{"revision": {"2"}, "note": {"Launch"}}, cu+"?notice=published")

	a.memberV.page("/courses", "Aspen Night Course")
	a.memberV.page("/courses/"+course, "Aspen Night Course")
	if _, body := b.memberV.get("/courses"); strings.Contains(body, "Aspen Night Course") {
		t.Error("another organisation's learner sees the course")
	}
	if resp, body := b.memberV.get("/courses/" + course); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Aspen") {
		t.Errorf("another organisation's learner opens the course: status %d, want 404", resp.StatusCode)
	}

	// The scenario the course uses stays published until the course goes.
	pu := "/studio/scenarios/" + a.PublishedScenario
	resp, body = v.post(pu+"/unpublish", nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "The published course “Aspen Night Course” uses this scenario") {
		t.Errorf("unpublishing a scenario a course uses: status %d\n%s", resp.StatusCode, clip(body))
	}
	v.redirect(cu+"/unpublish", nil, cu+"?notice=unpublished")
	if _, body := a.memberV.get("/courses"); strings.Contains(body, "Aspen Night Course") {
		t.Error("the learner still sees the unpublished course")
	}
	v.redirect(pu+"/unpublish", nil, pu+"?notice=unpublished")
	v.page(pu, "Not published: learners do not see it.")
}

// scenarioRows counts what a learner's play writes.
func scenarioRows(t *testing.T, s *testServer) string {
	t.Helper()
	var out []string
	for _, table := range []string{"scenario_attempts", "scenario_choices", "step_events", "course_attempts"} {
		var n int
		if err := s.owner.NewRaw("SELECT count(*) FROM "+table).Scan(context.Background(), &n); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %d", table, n))
	}
	return strings.Join(out, ", ")
}

// TestStudioPlaytest: the playtest starts at the start node, a choice shows
// its feedback and the state (scores) after it, a start from another node
// works, an ending offers to play again, and nothing of it is stored as a
// learner's play.
func TestStudioPlaytest(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Elm")
	v := a.trainerV
	pt := "/studio/scenarios/" + a.Scenario + "/playtest"
	before := scenarioRows(t, s)

	v.page(pt, "Node <code>opening</code>", "Describe the moment", "Something the learner could say or do.",
		"State after 0 choices", `Listening without judgement</th><td role="cell" data-label="Score">0</td>`, `name="path" value=""`)
	resp, body := v.post(pt, url.Values{"from": {"opening"}, "path": {""}, "choice": {"1"}})
	if resp.StatusCode != 200 {
		t.Fatalf("playtest choice: status %d\n%s", resp.StatusCode, clip(body))
	}
	for _, w := range []string{"Feedback on “Something the learner could say or do.”", "Why this helps, or what it risks.",
		"Node <code>good-ending</code>: ending (positive)", "State after 1 choice<", `Listening without judgement</th><td role="cell" data-label="Score">1</td>`,
		"<code>opening</code>: Something the learner could say or do.", "Play again from the start"} {
		if !strings.Contains(body, w) {
			t.Errorf("after a choice, the playtest lacks %q", w)
		}
	}
	// The second choice, from a path carried by the page.
	_, body = v.post(pt, url.Values{"from": {"opening"}, "path": {""}, "choice": {"2"}})
	if !strings.Contains(body, "Node <code>mixed-ending</code>: ending (mixed)") || !strings.Contains(body, `Listening without judgement</th><td role="cell" data-label="Score">0</td>`) {
		t.Errorf("the second choice did not lead to the mixed ending with no score\n%s", clip(body))
	}
	// From another node; a path that no longer plays starts again.
	v.page(pt+"?from=good-ending", "Node <code>good-ending</code>")
	_, body = v.post(pt, url.Values{"from": {"opening"}, "path": {"7,7"}, "choice": {"1"}})
	if !strings.Contains(body, "the playtest started again") || !strings.Contains(body, "Node <code>opening</code>") {
		t.Errorf("a path that does not play did not restart\n%s", clip(body))
	}
	// A draft with problems cannot be played.
	file := a.Scenario + ".yaml"
	broken, _, _ := brokenScore(s.draft(t, a, authoring.Scenario, a.Scenario).Files[file])
	v.redirect("/studio/scenarios/"+a.Scenario, url.Values{"revision": {"1"}, "file": {file}, "source": {broken}}, "")
	v.page(pt, "The draft has problems, so it cannot be played yet.")
	// A course is not played here.
	if resp, _ := v.get("/studio/modules/" + a.Module + "/playtest"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("playtest of a course: status %d, want 404", resp.StatusCode)
	}
	if after := scenarioRows(t, s); after != before {
		t.Errorf("the playtest wrote learner records: before %s, after %s", before, after)
	}
}

// postLarge sends a form of the trainer's with source n bytes long through
// a real listener, as a browser pastes it (app.Test cannot send a body
// fasthttp refuses), and reads the answer while it writes.
func postLarge(t *testing.T, addr string, v *browser, path string, form url.Values, n int) (*http.Response, string) {
	t.Helper()
	form = withToken(form, v.token())
	form.Set("source", "id: big\n#"+strings.Repeat("a", n))
	enc := form.Encode()
	var cookies []string
	for _, name := range []string{v.s.sessionCookie, v.s.csrfCookie} {
		cookies = append(cookies, name+"="+v.cookie(name))
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	go func() {
		_, _ = io.WriteString(conn, "POST "+path+" HTTP/1.1\r\nHost: localhost\r\nAccept: text/html\r\n"+
			"Content-Type: application/x-www-form-urlencoded\r\nCookie: "+strings.Join(cookies, "; ")+"\r\n"+
			"Content-Length: "+strconv.Itoa(len(enc))+"\r\n\r\n"+enc)
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// TestStudioOversizedPaste: a 10 MB paste into the editor is refused by the
// body limit with a page that names the limit; with a body limit that lets
// it through, a file over the format's limit is refused by the studio,
// in the editor. Nothing is saved either way.
func TestStudioOversizedPaste(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, bodyLimit string
		size            int
		status          int
		want            string
	}{
		{"over the body limit", "1048576", 10 << 20, http.StatusRequestEntityTooLarge,
			"What was sent is too large: Upstand accepts at most 1 MiB at a time, so nothing of it was saved."},
		{"over the file limit", "4194304", 2 << 20, http.StatusUnprocessableEntity,
			"a file may be at most 1048576 bytes (1 MiB)."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, serverOptions{env: map[string]string{"UPSTAND_BODY_LIMIT": tc.bodyLimit}})
			a := s.newTenant(t, "Fir")
			addr := listen(t, s)
			before := a.snapshot(t, s)
			resp, body := postLarge(t, addr, a.trainerV, "/studio/scenarios/"+a.Scenario,
				url.Values{"revision": {"1"}, "file": {a.Scenario + ".yaml"}}, tc.size)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) || !strings.Contains(body, "</html>") {
				t.Errorf("status %d, want %d with a page saying %q\n%s", resp.StatusCode, tc.status, tc.want, clip(body))
			}
			if after := a.snapshot(t, s); after != before {
				t.Error("the oversized paste changed the draft")
			}
		})
	}
}

// TestStudioAuthorTextIsInert: markup an author writes — a script tag in a
// title, a speaker or a choice, an image with an event handler, a
// javascript: link in Markdown, raw HTML in a node's text (a problem the
// editor quotes) — is shown as text in the editor, the problems and the
// playtest, never as markup.
func TestStudioAuthorTextIsInert(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Gorse")
	v := a.trainerV
	sc := "/studio/scenarios/" + a.Scenario
	file := a.Scenario + ".yaml"
	original := s.draft(t, a, authoring.Scenario, a.Scenario).Files[file]
	hostile := strings.NewReplacer(
		`title: "Gorse Corridor Talk"`, `title: "<script>alert('title')</script>"`,
		`speaker: "A colleague"`, `speaker: "<script>alert('speaker')</script>"`,
		`"Something the learner could say or do."`, `"<img src=x onerror=alert('choice')>"`,
		`feedback: "Why this helps, or what it risks."`, `feedback: "[Read more](javascript:alert('feedback'))"`,
	).Replace(original)
	if strings.Count(hostile, "alert(") != 4 {
		t.Fatalf("the template changed: only %d replacements\n%s", strings.Count(hostile, "alert("), hostile)
	}
	raw := strings.Replace(hostile, "Describe the moment", "<script>alert('node')</script> Describe the moment", 1)
	inert := func(what, body string) {
		t.Helper()
		for _, bad := range []string{"<script>alert", "<img src=x", `href="javascript:`} {
			if strings.Contains(strings.ToLower(body), strings.ToLower(bad)) {
				t.Errorf("%s: %q appears as markup", what, bad)
			}
		}
	}

	// Raw HTML is a problem: the editor quotes it, escaped.
	v.redirect(sc, url.Values{"revision": {"1"}, "file": {file}, "source": {raw}}, sc)
	body := v.page(sc, "&lt;script&gt;alert(&#39;node&#39;)&lt;/script&gt;", "1 problem")
	inert("the editor with raw HTML", body)
	_, out := v.post(sc+"/check", url.Values{"source": {raw}, "file": {file}}, "Accept", "application/json")
	if !strings.Contains(out, `\u003cscript\u003e`) || strings.Contains(out, "<script>") {
		t.Errorf("the check's JSON carries the markup unescaped: %s", clip(out))
	}

	// Without it the draft is clean and plays; the rest stays text.
	v.redirect(sc, url.Values{"revision": {"2"}, "file": {file}, "source": {hostile}}, sc)
	body = v.page(sc, "No problems found", "<h1>&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;</h1>")
	inert("the editor", body)
	body = v.page(sc+"/playtest", "&lt;script&gt;alert(&#39;speaker&#39;)&lt;/script&gt;", "&lt;img src=x onerror=alert(&#39;choice&#39;)&gt;")
	inert("the playtest", body)
	resp, body := v.post(sc+"/playtest", url.Values{"from": {"opening"}, "path": {""}, "choice": {"1"}})
	if resp.StatusCode != 200 || !strings.Contains(body, "Read more</a>") {
		t.Errorf("the playtest's feedback: status %d\n%s", resp.StatusCode, clip(body))
	}
	inert("the playtest's feedback", body)
	inert("the studio's list", v.page("/studio"))
}

// TestStudioFormControlsHaveLabels: every control of every form on the
// studio's pages — the list, the editor of a scenario and of a course, the
// playtest, the history and the form view — has a label (a <label for>, an enclosing
// label, or an aria-label), and every id on a page is used once.
func TestStudioFormControlsHaveLabels(t *testing.T) {
	t.Parallel()
	bare, _ := html.Parse(strings.NewReader(`<label for="a">A</label><input id="a"><label>B <input></label><textarea name="c"></textarea><i id="a"></i>`))
	if got := unlabelledControls(bare); len(got) != 2 {
		t.Fatalf("the check found %q, want the textarea without a label and the id used twice", got)
	}
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Holly")
	v := a.trainerV
	for _, p := range []string{"/studio", "/studio/scenarios/" + a.Scenario, "/studio/modules/" + a.Module,
		"/studio/scenarios/" + a.Scenario + "/playtest", "/studio/scenarios/" + a.PublishedScenario + "/history",
		"/studio/scenarios/" + a.PublishedScenario, "/studio/scenarios/" + a.Scenario + "/form",
		"/studio/scenarios/" + a.Scenario + "/form?node=opening&choice=1"} {
		doc, err := html.Parse(strings.NewReader(v.page(p)))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, problem := range unlabelledControls(doc) {
			t.Errorf("%s: %s", p, problem)
		}
	}
}

// unlabelledControls lists the form controls in doc that have no label,
// and ids used more than once.
func unlabelledControls(doc *html.Node) []string {
	attr := func(n *html.Node, key string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == key {
				return a.Val, true
			}
		}
		return "", false
	}
	labelled := map[string]bool{}
	ids := map[string]int{}
	type control struct {
		n       *html.Node
		inLabel bool
	}
	var controls []control
	var walk func(n *html.Node, inLabel bool)
	walk = func(n *html.Node, inLabel bool) {
		if n.Type == html.ElementNode {
			if id, ok := attr(n, "id"); ok {
				ids[id]++
			}
			switch n.Data {
			case "label":
				if f, ok := attr(n, "for"); ok {
					labelled[f] = true
				}
				inLabel = true
			case "input", "select", "textarea":
				typ, _ := attr(n, "type")
				if typ != "hidden" && typ != "submit" && typ != "button" {
					controls = append(controls, control{n, inLabel})
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLabel)
		}
	}
	walk(doc, false)
	var out []string
	for _, c := range controls {
		id, _ := attr(c.n, "id")
		_, aria := attr(c.n, "aria-label")
		_, ariaBy := attr(c.n, "aria-labelledby")
		if !c.inLabel && !aria && !ariaBy && (id == "" || !labelled[id]) {
			name, _ := attr(c.n, "name")
			out = append(out, fmt.Sprintf("<%s name=%q id=%q> has no label", c.n.Data, name, id))
		}
	}
	for id, n := range ids {
		if n > 1 {
			out = append(out, fmt.Sprintf("id %q is used %d times", id, n))
		}
	}
	return out
}
