package webtest_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/lms"
	"github.com/upstand/upstand/app/lms/engine"
	"github.com/upstand/upstand/app/webtest"
)

// lmsHost is the test's learning management system: scorm-again (pinned
// in package-lock.json) as window.API, the package in an iframe, and the
// data model kept in sessionStorage across a close and a relaunch.
const lmsHost = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>LMS</title>
<script src="/scorm-again/scorm12.min.js"></script></head><body>
<iframe id="sco" title="Course" style="width:100%;height:90vh"></iframe>
<script>
window.API = new Scorm12API({autocommit: false, logLevel: 5});
var saved = sessionStorage.getItem("cmi");
if (saved) {
  var cmi = JSON.parse(saved);
  if (cmi.core && cmi.core.exit === "suspend") { cmi.core.entry = "resume"; }
  try { API.loadFromJSON(cmi); } catch (e) { window.loadError = String(e); }
}
window.closeCourse = function () {
  var frame = document.getElementById("sco");
  window.courseClosed = false;
  frame.addEventListener("load", function () {
    sessionStorage.setItem("cmi", JSON.stringify(API.renderCMIToJSONObject().cmi));
    window.courseClosed = true;
  }, {once: true});
  frame.src = "about:blank";
  return true;
};
document.getElementById("sco").src = location.hash.slice(1);
</script></body></html>`

// servePackages exports every bundled module as a SCORM 1.2 package and
// serves each unzipped under /pkg/<module>/, with the host page at
// /lms.html and scorm-again beside it.
func servePackages(t testing.TB, cat *content.Catalogue) *httptest.Server {
	t.Helper()
	files := map[string][]byte{}
	for _, m := range cat.Modules {
		var buf bytes.Buffer
		if err := lms.SCORM12(&buf, m, lms.Options{QuickExitURL: "https://www.bbc.co.uk/weather", Created: time.Unix(0, 0)}); err != nil {
			t.Fatalf("export %s: %v (go tool task wasm builds the engine)", m.ID, err)
		}
		if buf.Len() > 4<<20 {
			t.Errorf("%s: package is %d bytes, over 4 MB", m.ID, buf.Len())
		}
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			_, _ = b.ReadFrom(rc)
			rc.Close()
			files["/pkg/"+m.ID+"/"+f.Name] = b.Bytes()
		}
	}
	scorm, err := os.ReadFile(filepath.Join("..", "..", "node_modules", "scorm-again", "dist", "scorm12.min.js"))
	if err != nil {
		t.Fatalf("scorm-again is missing (%v): run 'npm ci' in the repository root", err)
	}
	files["/scorm-again/scorm12.min.js"] = scorm
	files["/lms.html"] = []byte(lmsHost)
	types := map[string]string{".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css",
		".wasm": "application/wasm", ".json": "application/json", ".xml": "application/xml"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", types[path.Ext(r.URL.Path)])
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestLMSEngineSameResults plays, for every bundled scenario, a shortest
// path to every state it can reach through the server's engine (in this
// process) and through the WebAssembly build in the exported package in
// Chromium, and compares every view on the way: state (node, variables,
// scores, path, outcome), text, choices and feedback.
func TestLMSEngineSameResults(t *testing.T) {
	cat := bundled(t)
	srv := servePackages(t, cat)
	ctx := webtest.Tab(t)
	native := engine.New()
	// Every scenario, also one in no module, is loaded from its canonical
	// JSON into the engine of the first package, as the runtime does.
	webtest.Do(t, ctx, chromedp.Navigate(srv.URL+"/pkg/"+cat.Modules[0].ID+"/index.html"))
	if !webtest.Until(t, ctx, `window.upstandRuntime && window.upstandRuntime.ready`) {
		t.Fatal("the engine did not start")
	}
	// The engine's first load (docs/benchmarks.md): from navigation start
	// until the engine answers, engine.wasm fetched and compiled.
	t.Logf("engine ready %.0f ms after navigation start", webtest.Eval[float64](t, ctx, `window.upstandTimings.engineReady`))
	total := 0
	for _, s := range cat.Scenarios {
		if _, err := native.Load(string(s.Canonical), "", s.Version); err != nil {
			t.Fatal(err)
		}
		paths, err := engine.Paths(s, 100000)
		if err != nil {
			t.Fatal(err)
		}
		var want [][]engine.View
		for _, p := range paths {
			views, err := native.Trace(s.ID, p)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, views)
		}
		// In slices, so that each evaluation stays well inside one
		// browser action's deadline on a busy machine.
		cj, _ := json.Marshal(string(s.Canonical))
		webtest.Eval[bool](t, ctx, fmt.Sprintf(`JSON.parse(window.upstandEngine.load(%s, "", %q)).ok.id === %q`, cj, s.Version, s.ID))
		var played []any
		for start := 0; start < len(paths); start += 40 {
			pj, _ := json.Marshal(paths[start:min(start+40, len(paths))])
			raw := webtest.Eval[string](t, ctx, fmt.Sprintf(`(function () {
  var e = window.upstandEngine, id = %q;
  function call(r) { r = JSON.parse(r); if (r.error) { throw new Error(r.error); } return r.ok; }
  return JSON.stringify(%s.map(function (p) {
    var v = call(e.begin(id)), out = [v];
    p.forEach(function (c) { v = call(e.choose(id, JSON.stringify(v.state), c)); out.push(v); });
    return out;
  }));
})()`, s.ID, pj))
			var part []any
			if err := json.Unmarshal([]byte(raw), &part); err != nil {
				t.Fatal(err)
			}
			played = append(played, part...)
		}
		got := any(played)
		var exp any
		wb, _ := json.Marshal(want)
		if err := json.Unmarshal(wb, &exp); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, exp) {
			t.Errorf("%s: the WebAssembly engine differs from the server's engine", s.ID)
		}
		total += len(paths)
	}
	t.Logf("%d scenarios, %d paths played through both builds", len(cat.Scenarios), total)
}

// positivePath is a shortest path of choice ids to a positive ending of s.
func positivePath(t *testing.T, s *content.Scenario) []int {
	t.Helper()
	var path []int
	err := s.Walk(100000, func(r *content.Reached) bool {
		if s.Nodes[r.Node].Ending == content.Positive {
			path = r.Path()
			return false
		}
		return true
	})
	if err != nil || path == nil {
		t.Fatalf("%s: no positive ending found (%v)", s.ID, err)
	}
	return path
}

// positivePlay loads s into eng and returns a shortest path of choices to
// a positive ending with the views the engine shows along it: what the
// package's player must show and accept.
func positivePlay(t *testing.T, eng *engine.Engine, s *content.Scenario) ([]int, []engine.View) {
	t.Helper()
	if _, err := eng.Load(string(s.Canonical), "", s.Version); err != nil {
		t.Fatal(err)
	}
	path := positivePath(t, s)
	views, err := eng.Trace(s.ID, path)
	if err != nil {
		t.Fatal(err)
	}
	return path, views
}

// inFrame evaluates a JavaScript expression with d, the package's
// document, and w, its window, in the LMS host page.
func inFrame(expr string) string {
	return `(function () { var w = document.getElementById("sco").contentWindow, d = w.document; return (` + expr + `); })()`
}

// inPage is an expression on the tab's own document, d, as inFrame's is on
// the package's frame.
func inPage(expr string) string {
	return `(function () { var d = document; return (` + expr + `); })()`
}

// playPackage plays an exported module to its end by its own controls, in
// the document js puts an expression on (inPage or inFrame, with d the
// document): every scenario by its positive path, every quiz answered
// right. After a scenario's first choice it calls firstChoice once (the
// step and the choice made), where a test closes
// and relaunches the package. It returns the choices and answers made.
func playPackage(t *testing.T, ctx context.Context, m *content.Module, js func(string) string, click func(sel string),
	firstChoice func(st *content.Step, choice int)) (choices, answers int) {
	t.Helper()
	eng := engine.New()
	relaunched := false
	click("#step-0 [data-next]")
	for _, st := range m.Steps {
		sec := fmt.Sprintf("#step-%d", st.Index)
		if !webtest.Until(t, ctx, js(fmt.Sprintf(`!d.querySelector(%q).hidden`, sec))) {
			t.Fatalf("step %d not shown", st.Index)
		}
		switch st.Kind {
		case content.ScenarioStep:
			s := st.Scenario
			path, views := positivePlay(t, eng, s)
			for i, c := range path {
				if !webtest.Until(t, ctx, js(fmt.Sprintf(`d.querySelectorAll(%q).length === %d`, sec+" [data-choice-list] button", len(views[i].Choices)))) {
					t.Fatalf("%s step %d: choices not shown", s.ID, i)
				}
				k := 0
				for j, ch := range views[i].Choices {
					if ch.ID == c {
						k = j + 1
					}
				}
				click(fmt.Sprintf("%s [data-choice-list] li:nth-child(%d) button", sec, k))
				choices++
				if !relaunched && i == 0 {
					relaunched = true
					firstChoice(st, c)
					if !webtest.Until(t, ctx, js(fmt.Sprintf(`!d.querySelector(%q).hidden && d.querySelector(%q).innerHTML.indexOf(%q) >= 0`, sec, sec+" [data-scene]", string(views[1].HTML)))) {
						t.Fatalf("relaunch did not resume %s after the first choice", s.ID)
					}
				}
			}
			if !webtest.Until(t, ctx, js(fmt.Sprintf(`!d.querySelector(%q).hidden`, sec+" [data-ending]"))) {
				t.Fatalf("%s: no ending shown", s.ID)
			}
		case content.QuizStep:
			for i, q := range st.Quiz.Questions {
				for j, o := range q.Options {
					if o.Correct {
						click(fmt.Sprintf("#q%d-%d-%d", st.Index, i, j))
					}
				}
				answers++
			}
			click(sec + ` button[type="submit"]`)
			if !webtest.Until(t, ctx, js(fmt.Sprintf(`d.querySelector(%q).textContent.indexOf("you passed") >= 0`, sec+" [data-quiz-result]"))) {
				t.Fatal("quiz not passed")
			}
		}
		click(sec + " [data-next]")
	}
	if !webtest.Until(t, ctx, js(`!d.querySelector("#step-end").hidden`)) {
		t.Fatal("finish not shown")
	}
	return choices, answers
}

// disclosuresPackage serves the bundled library's packages and returns the
// handling-disclosures module, which the SCORM 1.2 tests play.
func disclosuresPackage(t *testing.T) (*httptest.Server, *content.Module) {
	t.Helper()
	cat := bundled(t)
	srv := servePackages(t, cat)
	m, ok := cat.Module("handling-disclosures")
	if !ok {
		t.Fatal("no module handling-disclosures")
	}
	return srv, m
}

// TestSCORM12InScormAgain plays a module's package to the end inside a
// real SCORM 1.2 runtime, closing and relaunching it halfway through a
// scenario, and checks what the LMS recorded.
func TestSCORM12InScormAgain(t *testing.T) {
	srv, m := disclosuresPackage(t)
	ctx := webtest.Tab(t)
	launches := 0
	launch := func() {
		// A new query each time: the same URL with a fragment would not
		// load the page again.
		launches++
		webtest.Do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/lms.html?launch=%d#/pkg/%s/index.html", srv.URL, launches, m.ID)))
		if !webtest.Until(t, ctx, inFrame(`!!w.upstandRuntime && w.upstandRuntime.ready && w.upstandRuntime.live`)) {
			t.Fatalf("the package did not start inside the LMS: %s", webtest.Eval[string](t, ctx,
				`JSON.stringify({loadError: window.loadError || "", lastError: API.LMSGetLastError(), diagnostic: API.LMSGetDiagnostic(API.LMSGetLastError()), status: document.getElementById("sco").contentWindow.document.getElementById("lms-status").textContent})`))
		}
	}
	click := func(sel string) {
		t.Helper()
		if !webtest.Eval[bool](t, ctx, inFrame(fmt.Sprintf(`(function (b) { if (!b || b.closest("[hidden]")) { return false; } b.click(); return true; })(d.querySelector(%q))`, sel))) {
			t.Fatalf("nothing visible to click at %s", sel)
		}
	}
	lmsValue := func(key string) string {
		return webtest.Eval[string](t, ctx, fmt.Sprintf(`String(API.LMSGetValue(%q))`, key))
	}
	launch()
	if got := lmsValue("cmi.core.lesson_status"); got != "incomplete" {
		t.Errorf("status at launch %q, want incomplete", got)
	}
	// Close mid-scenario and launch again: it resumes at the same scene.
	choices, answers := playPackage(t, ctx, m, inFrame, click, func(st *content.Step, _ int) {
		if !webtest.Eval[bool](t, ctx, `closeCourse()`) || !webtest.Until(t, ctx, `window.courseClosed`) {
			t.Fatal("close")
		}
		saved := webtest.Eval[string](t, ctx, `sessionStorage.getItem("cmi")`)
		var cmi struct {
			Core struct {
				Exit, LessonStatus string
			} `json:"core"`
			SuspendData string `json:"suspend_data"`
		}
		if err := json.Unmarshal([]byte(saved), &cmi); err != nil {
			t.Fatal(err)
		}
		var sd struct {
			V  string `json:"v"`
			At int    `json:"at"`
			D  []any  `json:"d"`
		}
		if err := json.Unmarshal([]byte(cmi.SuspendData), &sd); err != nil {
			t.Fatalf("suspend_data %q: %v\n%s", cmi.SuspendData, err, saved)
		}
		if sd.V != m.Version || sd.At != st.Index || cmi.Core.Exit != "suspend" {
			t.Errorf("after closing: suspend_data %+v, exit %q; want version %s at step %d, exit suspend", sd, cmi.Core.Exit, m.Version, st.Index)
		}
		launch()
	})
	if got := lmsValue("cmi.core.lesson_status"); got != "passed" {
		t.Errorf("status %q, want passed; finish page: %s", got, webtest.Eval[string](t, ctx, inFrame(`d.querySelector("#step-end").innerText`)))
	}
	if got := lmsValue("cmi.core.score.raw"); got != "100" {
		t.Errorf("score %q, want 100", got)
	}
	if got := lmsValue("cmi.interactions._count"); got != fmt.Sprint(choices+answers) {
		t.Errorf("%s interactions, want %d (%d choices, %d answers)", got, choices+answers, choices, answers)
	}
	if !webtest.Eval[bool](t, ctx, `closeCourse()`) || !webtest.Until(t, ctx, `window.courseClosed`) {
		t.Fatal("close")
	}
	var cmi struct {
		Core struct {
			SessionTime string `json:"session_time"`
			Exit        string `json:"exit"`
		} `json:"core"`
		SuspendData  string `json:"suspend_data"`
		Interactions map[string]struct {
			ID              string `json:"id"`
			Type            string `json:"type"`
			StudentResponse string `json:"student_response"`
			Result          string `json:"result"`
		} `json:"interactions"`
	}
	saved := webtest.Eval[string](t, ctx, `sessionStorage.getItem("cmi")`)
	if err := json.Unmarshal([]byte(saved), &cmi); err != nil {
		t.Fatalf("%v: %s", err, saved)
	}
	t.Logf("data model after the course: %s", saved)
	if !strings.Contains(cmi.SuspendData, m.Version) || len(cmi.SuspendData) > 4096 {
		t.Errorf("suspend_data %q", cmi.SuspendData)
	}
	correct, neutral := 0, 0
	for _, in := range cmi.Interactions {
		switch {
		case in.Type != "choice" || in.ID == "" || len(in.ID) > 255 || strings.ContainsAny(in.ID, " \t"):
			t.Errorf("interaction %+v", in)
		case in.Result == "correct":
			correct++
		case in.Result == "neutral":
			neutral++
		}
	}
	if correct != answers || neutral != choices {
		t.Errorf("%d correct answers and %d scenario choices recorded, want %d and %d", correct, neutral, answers, choices)
	}
	if cmi.Core.SessionTime == "" || cmi.Core.SessionTime == "0000:00:00" {
		t.Errorf("session_time %q", cmi.Core.SessionTime)
	}
	if cmi.Core.Exit != "" {
		t.Errorf("exit %q after completing, want empty", cmi.Core.Exit)
	}
}

// TestSCORM12ByKeyboard plays a package from start to finish with the
// keyboard alone, outside any LMS, and runs axe-core on every kind of
// step it shows.
func TestSCORM12ByKeyboard(t *testing.T) {
	srv, m := disclosuresPackage(t)
	ctx := webtest.Tab(t)
	webtest.Do(t, ctx, chromedp.Navigate(srv.URL+"/pkg/"+m.ID+"/index.html"))
	if !webtest.Until(t, ctx, `!!window.upstandRuntime && window.upstandRuntime.ready`) {
		t.Fatal("the package did not start")
	}
	webtest.Axe(t, ctx, "package introduction")
	tabTo(t, ctx, "#step-0 [data-next]")
	enter(t, ctx, "#h-1")
	checked := map[content.StepKind]bool{}
	eng := engine.New()
	for _, st := range m.Steps {
		sec := fmt.Sprintf("#step-%d", st.Index)
		if !focusedIs(t, ctx, fmt.Sprintf("#h-%d", st.Index)) {
			t.Errorf("step %d: focus is not on its heading", st.Index)
		}
		first := !checked[st.Kind]
		checked[st.Kind] = true
		if first {
			webtest.Axe(t, ctx, "package "+string(st.Kind))
		}
		switch st.Kind {
		case content.ScenarioStep:
			s := st.Scenario
			path, views := positivePlay(t, eng, s)
			webtest.Until(t, ctx, fmt.Sprintf(`document.querySelectorAll(%q).length > 0`, sec+" [data-choice-list] button"))
			for i, c := range path {
				k := 0
				for j, ch := range views[i].Choices {
					if ch.ID == c {
						k = j + 1
					}
				}
				tabTo(t, ctx, fmt.Sprintf("%s [data-choice-list] li:nth-child(%d) button", sec, k))
				webtest.Do(t, ctx, chromedp.KeyEvent(kb.Enter))
				want := "You chose: " + views[i+1].Feedback.Text
				if !webtest.Until(t, ctx, fmt.Sprintf(`document.querySelector(%q).textContent.indexOf(%q) === 0`, sec+" [data-feedback]", want)) {
					t.Fatalf("%s: choice %d not made", s.ID, i+1)
				}
				if !focusedIs(t, ctx, sec+" [data-feedback]") {
					t.Errorf("%s: after choice %d focus is not on the feedback", s.ID, i+1)
				}
				if first && i == 0 {
					webtest.Axe(t, ctx, "package scenario feedback")
				}
			}
			if first {
				webtest.Axe(t, ctx, "package scenario ending")
			}
		case content.QuizStep:
			for i, q := range st.Quiz.Questions {
				tabTo(t, ctx, fmt.Sprintf("#q%d-%d-0", st.Index, i))
				// Tab lands on a group's first option unchecked; Space
				// checks it, each ArrowDown checks the next.
				for j, o := range q.Options {
					if o.Correct {
						if j == 0 {
							webtest.Do(t, ctx, chromedp.KeyEvent(" "))
						}
						break
					}
					webtest.Do(t, ctx, chromedp.KeyEvent(kb.ArrowDown))
				}
			}
			tabTo(t, ctx, sec+` button[type="submit"]`)
			webtest.Do(t, ctx, chromedp.KeyEvent(kb.Enter))
			if !webtest.Until(t, ctx, fmt.Sprintf(`document.querySelector(%q).textContent.indexOf("you passed") >= 0`, sec+" [data-quiz-result]")) {
				t.Fatalf("quiz not passed by keyboard: %s", text(t, ctx, sec+" [data-quiz-result]"))
			}
			webtest.Axe(t, ctx, "package quiz result")
		}
		tabTo(t, ctx, sec+" [data-next]")
		next := fmt.Sprintf("#h-%d", st.Index+1)
		if st.Index == len(m.Steps) {
			next = "#h-end"
		}
		enter(t, ctx, next)
	}
	if s := text(t, ctx, "[data-summary]"); !strings.HasPrefix(s, "You have completed this course and passed its quiz.") {
		t.Errorf("finish says %q", s)
	}
	webtest.Axe(t, ctx, "package finish")
}

// BenchmarkLMSEngineFirstLoad is what a learner waits for before a
// scenario in an exported package can play (docs/benchmarks.md): from
// navigation start until the engine answers, in a new tab with the
// browser's cache off, the package served from a local server. It reports
// the median and the slowest of the loads.
func BenchmarkLMSEngineFirstLoad(b *testing.B) {
	cat, err := content.Load(os.DirFS("../.."))
	if err != nil {
		b.Fatal(err)
	}
	srv := servePackages(b, cat)
	url := srv.URL + "/pkg/" + cat.Modules[0].ID + "/index.html"
	var took []float64
	for b.Loop() {
		ctx := webtest.Tab(b)
		webtest.Call(b, ctx, network.Enable, network.EnableParams{})
		webtest.Call(b, ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true})
		webtest.Do(b, ctx, chromedp.Navigate(url))
		if !webtest.Until(b, ctx, `window.upstandRuntime && window.upstandRuntime.ready`) {
			b.Fatal("the engine did not start")
		}
		took = append(took, webtest.Eval[float64](b, ctx, `window.upstandTimings.engineReady`))
	}
	slices.Sort(took)
	b.ReportMetric(took[len(took)/2], "median-ms")
	b.ReportMetric(took[len(took)-1], "max-ms")
}
