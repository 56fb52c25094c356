package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/fixture"
	"github.com/upstand/upstand/app/learning"
	"github.com/upstand/upstand/app/org"
)

// learnStart is the clock's first reading in the learner's tests.
var learnStart = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

// playToEnd plays a scenario step through the pages along a path to the
// wanted outcome, returning the attempt id.
func playToEnd(t *testing.T, c *browser, module string, n int, sc *content.Scenario, want content.Outcome) string {
	t.Helper()
	base := stepURL(module, n)
	c.page(base, "About this scenario", html.EscapeString(sc.ContentWarning), "Not now")
	c.redirect(base+"/scenario", nil, base)
	var attempt string
	for i, choice := range learning.PathTo(sc, want) {
		body := c.page(base, "What do you do?", "Support if you need it")
		m := regexp.MustCompile(`name="attempt" value="([^"]+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no attempt id on the node page")
		}
		attempt = m[1]
		c.redirect(base+"/choose", url.Values{"attempt": {attempt}, "at": {strconv.Itoa(i)}, "choice": {strconv.Itoa(choice)}}, base+"/feedback")
		c.page(base+"/feedback", "Feedback on your choice", "You chose:", "Support if you need it")
	}
	c.page(base, "How it ended", learning.OutcomeWords(want), "Your path", "Try again")
	return attempt
}

// TestLearnerJourneyOverHTTP takes a learner through a whole bundled course
// with plain forms (no JavaScript): start past the content warning, the
// confidence checks, every step, completion, certificate, verification
// signed out, and the record as CSV.
func TestLearnerJourneyOverHTTP(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{start: learnStart})
	org := s.organisation(t, "Brightwater Homes")
	c, _ := s.person(t, org, "Asha Patel", false)
	m, _ := s.learn.Content().Module("microaggressions")
	base := courseURL(m.ID)

	c.page("/", "Your courses", "optional", m.Title)
	c.page("/courses?audience=responder", "Your courses")
	c.page(base, m.Title, "Content warning", "What you will learn", "Start the course", "Support if you need it", "Samaritans")
	c.page(base+"/begin", "Before you start", m.ContentWarning, "Continue", "Not now")
	c.redirect(base+"/start", nil, confidenceURL(m.ID, "pre"))
	c.page(confidenceURL(m.ID, "pre"), m.Confidence[0], "Strongly agree", "Skip this check")
	c.redirect(confidenceURL(m.ID, "pre"), url.Values{"confidence": {"1"}, "s1": {"2"}, "s2": {"3"}}, stepURL(m.ID, 1))
	// Starting again just resumes.
	c.redirect(base+"/start", nil, stepURL(m.ID, 1))

	for _, st := range m.Steps {
		u := stepURL(m.ID, st.Index)
		switch st.Kind {
		case content.LessonStep:
			c.page(u, fmt.Sprintf("Step %d of %d", st.Index, len(m.Steps)), st.Lesson.Title, "Take a break", "Previous")
		case content.ScenarioStep:
			playToEnd(t, c, m.ID, st.Index, st.Scenario, content.Positive)
		case content.QuizStep:
			c.page(u, "Check your understanding", html.EscapeString(st.Quiz.Questions[0].Prompt))
			form := url.Values{}
			for i, q := range st.Quiz.Questions {
				pick := 1
				if i > 0 { // get the first one wrong on purpose
					for j, o := range q.Options {
						if o.Correct {
							pick = j + 1
						}
					}
				} else if q.Options[0].Correct {
					pick = 2
				}
				form.Set("q"+strconv.Itoa(i+1), strconv.Itoa(pick))
			}
			loc := c.redirect(u+"/quiz", form, "")
			c.page(loc, "Your quiz result", "You passed.", "not quite", "The best answer:")
		case content.ReflectionStep:
			c.page(u, "This is private.", st.Reflection)
			c.redirect(u+"/reflection", url.Values{"note": {"I would check in with the person first."}}, u)
			c.page(u+"?saved=1", "Your note is saved", "I would check in with the person first.", "Delete this note")
		}
	}
	c.page(finishURL(m.ID), "One last thing", "Save and finish")
	c.redirect(finishURL(m.ID), url.Values{"confidence": {"1"}, "s1": {"4"}, "s2": {"5"}}, completeURL(m.ID))
	body := c.page(completeURL(m.ID), "Course complete", "View your certificate", "Valid until")
	certURL := regexp.MustCompile(`href="(/certificates/[0-9a-f-]{36})"`).FindStringSubmatch(body)
	if certURL == nil {
		t.Fatal("no certificate link on the completion page")
	}
	body = c.page(certURL[1], "Certificate of completion", "Asha Patel", m.Title, "Verification code")
	code := regexp.MustCompile(`/verify/([a-z2-7]{26})`).FindStringSubmatch(body)
	if code == nil {
		t.Fatal("no verification link on the certificate")
	}
	// The certificate shows the version's date, not its hash, and the code
	// may wrap only between its groups of four.
	if strings.Contains(body, m.Version) {
		t.Error("the certificate shows the course version's hash")
	}
	groups := regexp.MustCompile(`<span class="code-group">([a-z2-7]{1,4})</span>`).FindAllStringSubmatch(body, -1)
	var joined []string
	for _, g := range groups {
		joined = append(joined, g[1])
	}
	if strings.Join(joined, "-") != learning.GroupCode(code[1]) || !strings.Contains(body, `</span>-<wbr><span class="code-group">`) {
		t.Errorf("the code is not set in unbreakable groups: %q", joined)
	}

	// Anyone may verify, signed out; they see the name, course and dates.
	anon := s.browser(t)
	body = anon.page("/verify/"+code[1], "This is a genuine Upstand certificate", "Asha Patel", m.Title, "Valid until", "revision "+m.Version)
	if strings.Contains(body, "microaggressions/steps") || strings.Contains(body, "I would check in") {
		t.Error("the verify page shows more than name, course and dates")
	}
	anon.page("/verify/"+strings.ToUpper(learning.GroupCode(code[1])), "genuine")
	if resp, body := anon.get("/verify/aaaaaaaaaaaaaaaaaaaaaaaaaa"); resp.StatusCode != 404 || !strings.Contains(body, "No certificate has this code") {
		t.Errorf("unknown code: status %d", resp.StatusCode)
	}
	if resp, _ := anon.get(base); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Errorf("a course page signed out: status %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	c.page("/record", "My record", m.Title, "Certificate", "Positive outcome", "Passed")
	resp, body := c.get("/record.csv")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV: status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, r := range rows[1:] {
		kinds[r[0]]++
	}
	if kinds["completion"] != 1 || kinds["course attempt"] != 1 || kinds["scenario attempt"] != len(m.Scenarios()) || kinds["quiz attempt"] != 1 {
		t.Errorf("CSV rows by kind: %v", kinds)
	}
	if rows[1][1] != m.Title || rows[1][7] != code[1] {
		t.Errorf("CSV completion row %v", rows[1])
	}
	// The course page now offers the certificate and a retake.
	c.page(base, "See your completion and certificate", "Take the course again")
	c.page("/courses", "Complete")
}

// TestScenarioWithHTMX checks the fragments htmx swaps in: no layout, the
// feedback announced through the live region, focus target present.
func TestScenarioWithHTMX(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{start: learnStart})
	org := s.organisation(t, "Brightwater Homes")
	c, _ := s.person(t, org, "Ben Okafor", false)
	m, _ := s.learn.Content().Module("handling-disclosures")
	c.redirect(courseURL(m.ID)+"/start", nil, "")
	n := m.Scenarios()[0]
	var idx int
	for _, st := range m.Steps {
		if st.Scenario == n {
			idx = st.Index
		}
	}
	base := stepURL(m.ID, idx)
	page := c.page(base, "About this scenario")
	if !strings.Contains(page, "htmx.min.") || !strings.Contains(page, `id="player-live"`) || !strings.Contains(page, `aria-live="polite"`) {
		t.Error("the scenario page lacks htmx or its live region")
	}
	resp, body := c.post(base+"/scenario", nil, "HX-Request", "true")
	if resp.StatusCode != 200 || strings.Contains(body, "<html") || !strings.Contains(body, "What do you do?") || !strings.Contains(body, "data-focus") {
		t.Fatalf("htmx start: status %d\n%s", resp.StatusCode, clip(body))
	}
	attempt := regexp.MustCompile(`name="attempt" value="([^"]+)"`).FindStringSubmatch(body)[1]
	first := learning.PathTo(n, content.Positive)[0]
	resp, body = c.post(base+"/choose", url.Values{"attempt": {attempt}, "at": {"0"}, "choice": {strconv.Itoa(first)}}, "HX-Request", "true")
	if resp.StatusCode != 200 || strings.Contains(body, "<html") || !strings.Contains(body, "Feedback on your choice") ||
		!strings.Contains(body, `id="player-live" hx-swap-oob="innerHTML">Feedback on your choice:`) ||
		resp.Header.Get("HX-Push-Url") != base+"/feedback" {
		t.Fatalf("htmx choice: status %d, push %q\n%s", resp.StatusCode, resp.Header.Get("HX-Push-Url"), clip(body))
	}
	// The same choice again (a double click): nothing applies twice; the
	// learner is shown where things stand.
	resp, _ = c.post(base+"/choose", url.Values{"attempt": {attempt}, "at": {"0"}, "choice": {strconv.Itoa(first)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != base {
		t.Fatalf("stale choice: status %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = c.get(base, "HX-Request", "true")
	if resp.StatusCode != 200 || strings.Contains(body, "<html") || !strings.Contains(body, "What happens next") {
		t.Fatalf("htmx continue: status %d\n%s", resp.StatusCode, clip(body))
	}
	// Choices that are not offered are refused, and the attempt stays
	// where it was: nothing recorded, the same node shown.
	stored := func() (n int) {
		if err := s.owner.NewRaw("SELECT count(*) FROM scenario_choices WHERE attempt_id = ?", attempt).Scan(context.Background(), &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	choicesBefore, pageBefore := stored(), c.page(base)
	for _, choice := range []string{"99", "0", "-1", "2147483648", "1.5", ""} {
		resp, body := c.post(base+"/choose", url.Values{"attempt": {attempt}, "at": {"1"}, "choice": {choice}})
		if resp.StatusCode != 400 || choice == "99" && !strings.Contains(body, "not on offer") {
			t.Errorf("choice %q: status %d", choice, resp.StatusCode)
		}
		if n, page := stored(), c.page(base); n != choicesBefore || page != strings.ReplaceAll(pageBefore, c.token(), c.token()) {
			t.Errorf("choice %q changed the attempt: %d choices (was %d)", choice, n, choicesBefore)
		}
	}
	if resp, _ := c.post(base+"/choose", url.Values{"attempt": {"nonsense"}, "at": {"1"}, "choice": {"1"}}); resp.StatusCode != 404 {
		t.Errorf("malformed attempt id: status %d", resp.StatusCode)
	}
}

// TestAdminCannotReadLearnerRecords: an org admin's session gets 404 for a
// learner's scenario choices, quiz answers, notes and certificate.
func TestAdminCannotReadLearnerRecords(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{start: learnStart})
	org := s.organisation(t, "Brightwater Homes")
	learner, _ := s.person(t, org, "Gita Rao", false)
	admin, _ := s.person(t, org, "Hal Admin", true)
	m, _ := s.learn.Content().Module("microaggressions")
	learner.redirect(courseURL(m.ID)+"/start", nil, "")
	var scenarioStep, quizStep, reflectionStep int
	for _, st := range m.Steps {
		switch {
		case st.Kind == content.ScenarioStep && scenarioStep == 0:
			scenarioStep = st.Index
		case st.Kind == content.QuizStep:
			quizStep = st.Index
		case st.Kind == content.ReflectionStep:
			reflectionStep = st.Index
		}
	}
	attempt := playToEnd(t, learner, m.ID, scenarioStep, m.Steps[scenarioStep-1].Scenario, content.Negative)
	review := stepURL(m.ID, scenarioStep) + "/attempts/" + attempt
	learner.page(review, "How it ended", "You chose:")
	quizLoc := learner.redirect(stepURL(m.ID, quizStep)+"/quiz", url.Values{"q1": {"1"}, "q2": {"1"}, "q3": {"1"}, "q4": {"1"}, "q5": {"1"}, "q6": {"1"}, "q7": {"1"}, "q8": {"1"}}, "")
	learner.page(quizLoc, "Your quiz result")
	learner.redirect(stepURL(m.ID, reflectionStep)+"/reflection", url.Values{"note": {"Something private"}}, stepURL(m.ID, reflectionStep))
	body := learner.page(stepURL(m.ID, reflectionStep), "Something private")
	noteID := regexp.MustCompile(`/reflections/([0-9a-f-]{36})/delete`).FindStringSubmatch(body)[1]

	for _, path := range []string{review, quizLoc} {
		if resp, body := admin.get(path); resp.StatusCode != 404 || strings.Contains(body, "You chose") {
			t.Errorf("admin GET %s: status %d, want 404", path, resp.StatusCode)
		}
	}
	if resp, _ := admin.post("/reflections/"+noteID+"/delete", nil); resp.StatusCode != 404 {
		t.Errorf("admin deletes the learner's note: status %d, want 404", resp.StatusCode)
	}
	if body := admin.page("/record", "My record"); strings.Contains(body, "Something private") {
		t.Error("the admin's record shows the learner's note")
	}
	if _, body := admin.get("/record"); strings.Contains(body, m.Title) {
		t.Error("the admin's record lists the learner's attempts")
	}
	// The note survived, and its author may delete it.
	learner.page(stepURL(m.ID, reflectionStep), "Something private")
	learner.redirect("/reflections/"+noteID+"/delete", nil, stepURL(m.ID, reflectionStep))
	if body := learner.page(stepURL(m.ID, reflectionStep)+"?saved=deleted", "Your note is deleted"); strings.Contains(body, "Something private") {
		t.Error("the deleted note is still shown")
	}
}

// TestFiftyFinishesCompleteOnce sends the same "complete the course" form
// fifty times at once: one completion, one certificate, and every request
// lands on the completion page.
func TestFiftyFinishesCompleteOnce(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{start: learnStart})
	o := s.organisation(t, "Brightwater Homes")
	c, p := s.person(t, o, "Fay Wu", false)
	svc := s.learn
	m, _ := svc.Content().Module("anti-oppressive-practice")
	// Every step done (reflections skipped), through the service: only
	// the finish goes through the pages.
	fixture.Play(t, svc, org.ActorFor(s.st, p, ""), m.ID, fixture.Plan{})
	ctx := context.Background()
	var wg sync.WaitGroup
	codes := make([]string, 50)
	for i := range codes {
		wg.Go(func() {
			resp, _ := c.post(finishURL(m.ID), url.Values{"confidence": {"1"}, "skip": {"1"}})
			codes[i] = strconv.Itoa(resp.StatusCode) + " " + resp.Header.Get("Location")
		})
	}
	wg.Wait()
	for i, got := range codes {
		if got != "303 "+completeURL(m.ID) {
			t.Fatalf("request %d: %s", i, got)
		}
	}
	var n int
	if err := s.owner.NewRaw("SELECT count(*) FROM completions JOIN certificates ON certificates.completion_id = completions.id").Scan(ctx, &n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d completions with certificates, want 1", n)
	}
}

func TestSupportResourcesAdmin(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{start: learnStart})
	org := s.organisation(t, "Brightwater Homes")
	learner, _ := s.person(t, org, "Kim Park", false)
	admin, _ := s.person(t, org, "Lee Admin", true)
	if resp, _ := learner.get("/admin/support"); resp.StatusCode != 404 {
		t.Errorf("a learner opens the support admin: %d", resp.StatusCode)
	}
	if resp, _ := learner.post("/admin/support", url.Values{"name": {"Fake"}, "phone": {"1"}}); resp.StatusCode != 404 {
		t.Errorf("a learner adds a resource: %d", resp.StatusCode)
	}
	admin.page("/admin/support", "Support resources", "Samaritans")
	admin.redirect("/admin/support", url.Values{"name": {"Health Assured EAP"}, "description": {"Free counselling, any time"}, "phone": {"0800 030 5182"}}, "/admin/support")
	if resp, body := admin.post("/admin/support", url.Values{"name": {"Bad"}, "link": {"javascript:alert(1)"}}); resp.StatusCode != 400 || !strings.Contains(body, "https://") {
		t.Errorf("a javascript: link: status %d", resp.StatusCode)
	}
	learner.page("/courses/microaggressions", "Health Assured EAP", `href="tel:08000305182"`, "Samaritans")
	body := admin.page("/admin/support", "Health Assured EAP")
	id := regexp.MustCompile(`/admin/support/([0-9a-f-]{36})/delete`).FindStringSubmatch(body)[1]
	admin.redirect("/admin/support/"+id, url.Values{"name": {"EAP"}, "link": {"https://eap.example.org/"}}, "/admin/support")
	learner.page("/courses/microaggressions", `href="https://eap.example.org/"`)
	admin.redirect("/admin/support/"+id+"/delete", nil, "/admin/support")
	if body := learner.page("/courses/microaggressions"); strings.Contains(body, "eap.example.org") {
		t.Error("a deleted resource is still shown")
	}
}

// TestFormsNeedCSRF: a learner's state-changing form without the token is
// refused and changes nothing.
func TestLearnerFormsNeedCSRF(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{start: learnStart})
	org := s.organisation(t, "Brightwater Homes")
	c, _ := s.person(t, org, "Mo Farah", false)
	if resp, _ := c.postRaw("/courses/microaggressions/start", url.Values{"_csrf": {"forged"}}); resp.StatusCode != 403 {
		t.Fatalf("start without a valid token: %d", resp.StatusCode)
	}
	c.page("/courses/microaggressions", "Not started")
}

// TestHTMXIsThePinnedCopy: assets/js/htmx.min.js is the file npm installs
// for the version pinned in package.json, unmodified.
func TestHTMXIsThePinnedCopy(t *testing.T) {
	t.Parallel()
	ours, err := os.ReadFile("../../assets/js/htmx.min.js")
	if err != nil {
		t.Fatal(err)
	}
	npm, err := os.ReadFile("../../node_modules/htmx.org/dist/htmx.min.js")
	if err != nil {
		t.Fatalf("%v: run 'npm ci' in the repository root", err)
	}
	if string(ours) != string(npm) {
		t.Fatal("assets/js/htmx.min.js differs from node_modules/htmx.org/dist/htmx.min.js: copy it again after changing the pin")
	}
	if !strings.Contains(string(ours), `version:"2.`) {
		t.Fatal("htmx is not a 2.x release")
	}
}

// TestEditorBundleIsBuilt: assets/js/editor.min.js is what esbuild makes of
// assets/src/editor.js and the CodeMirror pinned in package.json, with the
// options of package.json's build:editor script (which go tool task
// assets:editor runs), byte for byte.
func TestEditorBundleIsBuilt(t *testing.T) {
	t.Parallel()
	ours, err := os.ReadFile("../../assets/js/editor.min.js")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("../../node_modules/.bin/esbuild"); err != nil {
		t.Fatalf("%v: run 'npm ci' in the repository root", err)
	}
	// Without --outfile esbuild writes the bundle to stdout.
	cmd := exec.Command("npm", "run", "--silent", "build:editor")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	built, err := cmd.Output()
	if err != nil {
		t.Fatalf("npm run build:editor: %v\n%s", err, stderr.Bytes())
	}
	if !bytes.Equal(ours, built) {
		t.Fatalf("assets/js/editor.min.js (%d bytes) differs from what the pinned packages build (%d bytes): run 'go tool task assets:editor' and commit the result", len(ours), len(built))
	}
}
