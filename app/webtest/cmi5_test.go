package webtest_test

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/lms"
	"github.com/upstand/upstand/app/webtest"
	"github.com/upstand/upstand/app/xapi/xapitest"
)

// The cmi5 IRIs the test checks statements against.
const (
	cmi5Category    = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
	moveOnCategory  = "https://w3id.org/xapi/cmi5/context/categories/moveon"
	sessionIDExt    = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
	masteryScoreExt = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore"
	verbInitialized = "http://adlnet.gov/expapi/verbs/initialized"
	verbCompleted   = "http://adlnet.gov/expapi/verbs/completed"
	verbPassed      = "http://adlnet.gov/expapi/verbs/passed"
	verbFailed      = "http://adlnet.gov/expapi/verbs/failed"
	verbTerminated  = "http://adlnet.gov/expapi/verbs/terminated"
	verbAnswered    = "http://adlnet.gov/expapi/verbs/answered"
)

// cmi5Session is one launch of the AU, as the test's LMS made it.
type cmi5Session struct {
	id, token string
	fetches   int
	stateSets int // state documents written with its token
}

// cmi5LMS is the test's learning management system and LRS: it makes
// launches (a session id, a one-time fetch URL, the LMS.LaunchData state
// document) and takes xAPI statements and state documents, refusing what
// a real LRS would refuse and noting every breach of the cmi5 rules on
// the AU's requests.
type cmi5LMS struct {
	t            *testing.T
	actor        map[string]any
	registration string
	activityID   string
	publisherID  string
	mastery      float64
	mode         string // the next launch's launchMode; empty: Normal

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced on every request
	sessions   []*cmi5Session
	statements []map[string]any
	session    map[string]string // statement id → the session whose token sent it
	state      map[string][]byte // stateId → document
	problems   []string
}

func (l *cmi5LMS) problem(format string, args ...any) {
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

func (l *cmi5LMS) notify() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// waitFor waits until cond (called under the lock) holds, up to 30
// seconds from the last request the LMS received.
func (l *cmi5LMS) waitFor(what string, cond func() bool) {
	l.t.Helper()
	for {
		l.mu.Lock()
		if cond() {
			l.mu.Unlock()
			return
		}
		ch := l.changed
		l.mu.Unlock()
		select {
		case <-ch:
		case <-time.After(30 * time.Second):
			l.t.Fatalf("the LMS waited 30 s for %s after its last request", what)
		}
	}
}

// launch makes a new session: a fresh session id, fetch URL and token,
// and the launch data the LMS writes before every launch (cmi5 10.0).
func (l *cmi5LMS) launch(base, module string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.sessions) + 1
	s := &cmi5Session{id: fmt.Sprintf("session-%d-%d", n, time.Now().UnixNano()), token: fmt.Sprintf("dG9rZW4tJWQ%d", n)}
	l.sessions = append(l.sessions, s)
	ld, _ := json.Marshal(map[string]any{
		"contextTemplate": map[string]any{
			"contextActivities": map[string]any{
				"grouping": []any{map[string]any{"objectType": "Activity", "id": l.publisherID}},
			},
			"extensions": map[string]any{sessionIDExt: s.id},
		},
		"launchMode":   cmp.Or(l.mode, "Normal"),
		"moveOn":       "CompletedAndPassed",
		"masteryScore": l.mastery,
		"returnURL":    base + "/returned.html",
	})
	l.state["LMS.LaunchData"] = ld
	actor, _ := json.Marshal(l.actor)
	q := url.Values{
		"endpoint":     {base + "/lrs/"},
		"fetch":        {fmt.Sprintf("%s/lms/fetch/%d", base, n)},
		"actor":        {string(actor)},
		"registration": {l.registration},
		"activityId":   {l.activityID},
	}
	return base + "/pkg/" + module + "/index.html?" + q.Encode()
}

func (l *cmi5LMS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	defer l.notify()
	switch {
	case strings.HasPrefix(r.URL.Path, "/lms/fetch/"):
		// cmi5 8.2: POST only; the token once, then error 1, both 200.
		var n int
		fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/lms/fetch/"), "%d", &n)
		if r.Method != http.MethodPost || n < 1 || n > len(l.sessions) {
			l.problem("fetch: %s %s", r.Method, r.URL.Path)
			http.Error(w, "POST to a launch's fetch URL", http.StatusMethodNotAllowed)
			return
		}
		s := l.sessions[n-1]
		s.fetches++
		w.Header().Set("Content-Type", "application/json")
		if s.fetches > 1 {
			json.NewEncoder(w).Encode(map[string]string{"error-code": "1", "error-text": "The authorization token has already been returned."})
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"auth-token": s.token})
		return
	case strings.HasPrefix(r.URL.Path, "/lrs/"):
	default:
		http.NotFound(w, r)
		return
	}
	// The LRS: the AU's token and the xAPI version on every request.
	var sess *cmi5Session
	for _, s := range l.sessions {
		if r.Header.Get("Authorization") == "Basic "+s.token {
			sess = s
		}
	}
	if sess == nil {
		l.problem("%s %s: Authorization %q is no session's token", r.Method, r.URL.Path, r.Header.Get("Authorization"))
		http.Error(w, "unauthorised", http.StatusUnauthorized)
		return
	}
	if v := r.Header.Get("X-Experience-API-Version"); v != "1.0.3" {
		l.problem("%s %s: X-Experience-API-Version %q", r.Method, r.URL.Path, v)
		http.Error(w, "X-Experience-API-Version 1.0.3 is required", http.StatusBadRequest)
		return
	}
	body, _ := io.ReadAll(r.Body)
	q := r.URL.Query()
	switch r.URL.Path {
	case "/lrs/statements":
		if r.Method != http.MethodPost {
			l.problem("statements: %s", r.Method)
			http.Error(w, "POST statements", http.StatusMethodNotAllowed)
			return
		}
		var batch []map[string]any
		if bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")) {
			if err := json.Unmarshal(body, &batch); err != nil {
				l.problem("statements: %v", err)
			}
		} else {
			var one map[string]any
			if err := json.Unmarshal(body, &one); err != nil {
				l.problem("statements: %v", err)
			}
			batch = append(batch, one)
		}
		var ids []string
		for _, s := range batch {
			id, _ := s["id"].(string)
			if _, dup := l.session[id]; dup {
				l.problem("statement id %s sent twice", id)
			}
			l.session[id] = sess.id
			l.statements = append(l.statements, s)
			ids = append(ids, id)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(ids)
	case "/lrs/activities/state":
		agent := map[string]any{}
		_ = json.Unmarshal([]byte(q.Get("agent")), &agent)
		if q.Get("activityId") != l.activityID || q.Get("registration") != l.registration || !reflect.DeepEqual(agent, l.actor) {
			l.problem("state %s: activityId %q, registration %q, agent %q", q.Get("stateId"), q.Get("activityId"), q.Get("registration"), q.Get("agent"))
		}
		id := q.Get("stateId")
		switch r.Method {
		case http.MethodGet:
			doc, ok := l.state[id]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write(doc)
		case http.MethodPut, http.MethodPost:
			if id == "LMS.LaunchData" {
				l.problem("the AU wrote LMS.LaunchData (cmi5 10.0 forbids it)")
				http.Error(w, "read only", http.StatusForbidden)
				return
			}
			if !json.Valid(body) {
				l.problem("state %s: not JSON: %s", id, body)
			}
			l.state[id] = body
			sess.stateSets++
			w.WriteHeader(http.StatusNoContent)
		default:
			l.problem("state: %s", r.Method)
		}
	case "/lrs/agents/profile":
		if r.Method != http.MethodGet || q.Get("profileId") != "cmi5LearnerPreferences" {
			l.problem("agent profile: %s %s", r.Method, q.Get("profileId"))
		}
		http.NotFound(w, r)
	default:
		l.problem("LRS: %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
	}
}

// terminated reports whether session s has sent its terminated statement.
func (l *cmi5LMS) terminated(s *cmi5Session) bool {
	for _, st := range l.statements {
		if l.session[st["id"].(string)] == s.id && verbOf(st) == verbTerminated {
			return true
		}
	}
	return false
}

func verbOf(s map[string]any) string {
	v, _ := s["verb"].(map[string]any)
	id, _ := v["id"].(string)
	return id
}

// at is the value at a path of keys in decoded JSON, or nil.
func at(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// ids are the "id"s of a context activities list (an array, or one
// activity, as xAPI allows).
func ids(v any) []string {
	list, ok := v.([]any)
	if !ok && v != nil {
		list = []any{v}
	}
	var out []string
	for _, a := range list {
		if id, ok := at(a, "id").(string); ok {
			out = append(out, id)
		}
	}
	return out
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
var durationRE = regexp.MustCompile(`^PT[0-9]+(\.[0-9]+)?S$`)

// serveCMI5 exports m as a cmi5 package and serves it unzipped under
// /pkg/<module>/, with the test's LMS and LRS beside it and a page for
// the returnURL.
func serveCMI5(t *testing.T, m *content.Module) (*cmi5LMS, *httptest.Server) {
	t.Helper()
	var buf bytes.Buffer
	if err := lms.CMI5(&buf, m, lms.Options{QuickExitURL: "https://www.bbc.co.uk/weather", Created: time.Unix(0, 0)}); err != nil {
		t.Fatalf("export: %v (go tool task wasm builds the engine)", err)
	}
	files := map[string][]byte{"/returned.html": []byte(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>LMS</title></head><body><h1>Back in the LMS</h1></body></html>`)}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		files["/pkg/"+m.ID+"/"+f.Name] = b
	}
	mastery, ok := lms.MasteryScore(m)
	if !ok {
		t.Fatal("handling-disclosures has no masteryScore")
	}
	var masteryScore float64
	fmt.Sscan(mastery, &masteryScore)
	lmsSrv := &cmi5LMS{
		t:            t,
		actor:        map[string]any{"objectType": "Agent", "name": "Ada Learner", "account": map[string]any{"homePage": "https://lms.example.org", "name": "learner-0042"}},
		registration: "8f3c2a4e-1b6d-4c1e-9a57-2d0c6b1e4f10",
		activityID:   "https://lms.example.org/cmi5/courses/17/aus/1",
		publisherID:  lms.AUIRI(m),
		mastery:      masteryScore,
		changed:      make(chan struct{}),
		session:      map[string]string{},
		state:        map[string][]byte{},
	}
	types := map[string]string{".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css",
		".wasm": "application/wasm", ".json": "application/json", ".xml": "application/xml"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := files[r.URL.Path]; ok {
			w.Header().Set("Content-Type", types[path.Ext(r.URL.Path)])
			w.Write(b)
			return
		}
		lmsSrv.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return lmsSrv, srv
}

// launchIn launches the AU in the tab as the LMS would and waits until
// it has started with the LMS; it returns the session.
func (l *cmi5LMS) launchIn(t *testing.T, ctx context.Context, base, module string) *cmi5Session {
	t.Helper()
	webtest.Do(t, ctx, chromedp.Navigate(l.launch(base, module)))
	if !webtest.Until(t, ctx, `!!window.upstandRuntime && window.upstandRuntime.ready && window.upstandRuntime.live`) {
		l.mu.Lock()
		defer l.mu.Unlock()
		t.Fatalf("the AU did not start: %s; LMS problems: %v", webtest.Eval[string](t, ctx, `document.getElementById("lms-status").textContent`), l.problems)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sessions[len(l.sessions)-1]
}

// clickVisible clicks the element at sel, which must be shown.
func clickVisible(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	if !webtest.Eval[bool](t, ctx, fmt.Sprintf(`(function (b) { if (!b || b.closest("[hidden]")) { return false; } b.click(); return true; })(document.querySelector(%q))`, sel)) {
		t.Fatalf("nothing visible to click at %s", sel)
	}
}

// TestCMI5InALaunch serves a module's cmi5 package with a minimal LMS and
// LRS in the test process, launches the AU as an LMS does, plays the
// course to the end by the page's own controls (closing and relaunching
// it halfway through a scenario, which resumes), leaves through the
// returnURL, and checks every statement received against the cmi5 rules
// and with xapi-validation.
func TestCMI5InALaunch(t *testing.T) {
	cat := bundled(t)
	m, ok := cat.Module("handling-disclosures")
	if !ok {
		t.Fatal("no module handling-disclosures")
	}
	lmsSrv, srv := serveCMI5(t, m)

	ctx := webtest.Tab(t)
	launch := func() *cmi5Session { return lmsSrv.launchIn(t, ctx, srv.URL, m.ID) }
	click := func(sel string) { clickVisible(t, ctx, sel) }

	first := launch()
	// The fetch URL is one-time: a second POST gets error 1 (cmi5 8.2.3).
	fr, err := http.Post(fmt.Sprintf("%s/lms/fetch/1", srv.URL), "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	var ferr map[string]string
	json.NewDecoder(fr.Body).Decode(&ferr)
	fr.Body.Close()
	if ferr["error-code"] != "1" {
		t.Errorf("second fetch answered %v, want error-code 1", ferr)
	}

	// Close mid-scenario: the session ends with terminated; a new launch
	// resumes at the same scene.
	choices, answers := playPackage(t, ctx, m, inPage, click, func(st *content.Step, c int) {
		webtest.Do(t, ctx, chromedp.Navigate("about:blank"))
		var saved struct {
			V        string `json:"v"`
			Progress string `json:"progress"`
		}
		var err error
		lmsSrv.waitFor("the first session's terminated statement and its progress with the choice", func() bool {
			err = json.Unmarshal(lmsSrv.state["upstand.progress"], &saved)
			return lmsSrv.terminated(first) && strings.Contains(saved.Progress, fmt.Sprintf(`":%d"`, c))
		})
		if err != nil || saved.V != m.Version || !strings.Contains(saved.Progress, fmt.Sprintf(`"at":%d`, st.Index)) {
			t.Errorf("state after closing: %+v (%v); want version %s at step %d", saved, err, m.Version, st.Index)
		}
		launch()
	})
	if s := text(t, ctx, "[data-summary]"); !strings.HasPrefix(s, "You have completed this course and passed its quiz.") {
		t.Errorf("finish says %q", s)
	}
	// Leave by the page's own control: terminated, then the returnURL.
	click("[data-exit]")
	if !webtest.Until(t, ctx, `location.pathname === "/returned.html"`) {
		t.Fatal("the exit did not go back to the returnURL")
	}
	lmsSrv.mu.Lock()
	second := lmsSrv.sessions[len(lmsSrv.sessions)-1]
	lmsSrv.mu.Unlock()
	lmsSrv.waitFor("the second session's terminated statement", func() bool { return lmsSrv.terminated(second) })

	lmsSrv.mu.Lock()
	defer lmsSrv.mu.Unlock()
	for _, p := range lmsSrv.problems {
		t.Errorf("LMS: %s", p)
	}
	for _, s := range lmsSrv.sessions {
		// Once by the AU; the first session's once more by the test.
		want := 1
		if s == first {
			want = 2
		}
		if s.fetches != want {
			t.Errorf("%s: the fetch URL was asked %d times, want %d", s.id, s.fetches, want)
		}
	}
	all := lmsSrv.statements
	raw, _ := json.MarshalIndent(all, "", " ")
	t.Logf("%d statements", len(all))
	checkCMI5Statements(t, lmsSrv, all, choices+answers, answers, m.Version, map[string]int{verbCompleted: 1, verbPassed: 1, verbFailed: 0})
	if t.Failed() {
		t.Logf("statements:\n%s", raw)
	}
	xapitest.Validate(t, all)
}

// checkCMI5Statements checks the statements of one registration against
// the cmi5 rules (sections 9.1 to 9.7): the properties every statement
// needs, those of each defined verb, and the order within each session
// and within the registration (by timestamp, as cmi5 9.3 orders them).
func checkCMI5Statements(t *testing.T, l *cmi5LMS, all []map[string]any, wantAnswered, wantQuiz int, version string, want map[string]int) {
	t.Helper()
	type stmt struct {
		s    map[string]any
		verb string
		at   time.Time
	}
	bySession := map[string][]stmt{}
	seen := map[string]bool{}
	answered, quizAnswers := 0, 0
	for _, s := range all {
		id, _ := s["id"].(string)
		verb := verbOf(s)
		where := fmt.Sprintf("statement %s (%s)", id, verb)
		fail := func(format string, args ...any) { t.Errorf(where+": "+format, args...) }
		if !uuidRE.MatchString(id) || seen[id] {
			fail("id is not a fresh UUID")
		}
		seen[id] = true
		ts, _ := s["timestamp"].(string)
		when, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil || !strings.HasSuffix(ts, "Z") {
			fail("timestamp %q is not UTC (cmi5 9.7)", ts)
		}
		if !reflect.DeepEqual(s["actor"], l.actor) {
			fail("actor %v is not the launch actor", s["actor"])
		}
		ctx, _ := s["context"].(map[string]any)
		if at(ctx, "registration") != l.registration {
			fail("context.registration %v", at(ctx, "registration"))
		}
		sid, _ := at(ctx, "extensions", sessionIDExt).(string)
		if sid == "" || sid != l.session[id] {
			fail("session id extension %q, sent with the token of %s", sid, l.session[id])
		}
		if !slices.Contains(ids(at(ctx, "contextActivities", "grouping")), l.publisherID) {
			fail("the contextTemplate's publisher id is not in context.contextActivities.grouping")
		}
		if at(ctx, "extensions", lms.VersionExtension) != version {
			fail("module version extension %v, want %s", at(ctx, "extensions", lms.VersionExtension), version)
		}
		category := ids(at(ctx, "contextActivities", "category"))
		result, _ := s["result"].(map[string]any)
		_, hasSuccess := result["success"]
		_, hasCompletion := result["completion"]
		_, hasScore := result["score"]
		dur, _ := result["duration"].(string)
		objectID := at(s, "object", "id")
		switch verb {
		case verbAnswered:
			// A cmi5 allowed statement: about a question, in the AU.
			answered++
			if slices.Contains(category, cmi5Category) || slices.Contains(category, moveOnCategory) {
				fail("an allowed statement has a cmi5 category")
			}
			if objectID == l.activityID || !slices.Contains(ids(at(ctx, "contextActivities", "parent")), l.activityID) {
				fail("object %v should be a question whose parent is the AU", objectID)
			}
			if at(s, "object", "definition", "interactionType") != "choice" || at(result, "response") == nil {
				fail("not a choice interaction with a response")
			}
			if at(s, "object", "definition", "correctResponsesPattern") != nil {
				quizAnswers++
				if _, ok := result["success"].(bool); !ok {
					fail("a quiz answer without success")
				}
			}
		case verbInitialized, verbCompleted, verbPassed, verbFailed, verbTerminated:
			if objectID != l.activityID {
				fail("object id %v is not the launch activityId", objectID)
			}
			if !slices.Contains(category, cmi5Category) {
				fail("no cmi5 category")
			}
			if slices.Contains(category, moveOnCategory) != (hasSuccess || hasCompletion) {
				fail("the moveOn category is required exactly with success or completion (cmi5 9.6.2.2)")
			}
			switch verb {
			case verbInitialized:
				if result != nil {
					fail("initialized has a result")
				}
			case verbCompleted:
				if result["completion"] != true || hasSuccess || hasScore || !durationRE.MatchString(dur) {
					fail("completed needs completion true and a duration, no success or score: %v", result)
				}
			case verbPassed, verbFailed:
				scaled, _ := at(result, "score", "scaled").(float64)
				raw, _ := at(result, "score", "raw").(float64)
				if result["success"] != (verb == verbPassed) || hasCompletion || !durationRE.MatchString(dur) ||
					at(result, "score", "min") != 0.0 || at(result, "score", "max") != 100.0 || raw != float64(int(raw)) {
					fail("result %v", result)
				}
				if (verb == verbPassed) != (scaled >= l.mastery) || at(ctx, "extensions", masteryScoreExt) != l.mastery {
					fail("score %v against the masteryScore %v (cmi5 9.3.4, 9.3.5, 9.6.3.2)", scaled, l.mastery)
				}
			case verbTerminated:
				if !durationRE.MatchString(dur) || hasSuccess || hasCompletion || hasScore {
					fail("terminated needs a duration only: %v", result)
				}
			}
		default:
			fail("a verb the package does not send")
		}
		bySession[l.session[id]] = append(bySession[l.session[id]], stmt{s, verb, when})
	}
	if answered != wantAnswered || quizAnswers != wantQuiz {
		t.Errorf("%d answered statements (%d quiz answers), want %d (%d)", answered, quizAnswers, wantAnswered, wantQuiz)
	}
	// Order, per session and per registration.
	count := map[string]int{}
	passedAt := time.Time{}
	for _, sess := range l.sessions {
		list := bySession[sess.id]
		sort.SliceStable(list, func(i, j int) bool { return list[i].at.Before(list[j].at) })
		if len(list) < 2 || list[0].verb != verbInitialized || list[len(list)-1].verb != verbTerminated {
			t.Errorf("%s: statements must begin with initialized and end with terminated (%d statements)", sess.id, len(list))
			continue
		}
		verdicts := 0
		perSession := map[string]int{}
		for i, st := range list {
			if i > 0 && !st.at.After(list[i-1].at) {
				t.Errorf("%s: two statements at %s: order by timestamp is ambiguous", sess.id, st.at)
			}
			count[st.verb]++
			if st.verb != verbAnswered {
				perSession[st.verb]++
				if perSession[st.verb] > 1 {
					t.Errorf("%s: %s twice in a session", sess.id, st.verb)
				}
			}
			switch st.verb {
			case verbPassed:
				verdicts++
				passedAt = st.at
			case verbFailed:
				verdicts++
				if !passedAt.IsZero() {
					t.Errorf("%s: failed after passed in the registration", sess.id)
				}
			}
		}
		if verdicts > 1 {
			t.Errorf("%s: both passed and failed in one session", sess.id)
		}
	}
	for _, v := range []string{verbCompleted, verbPassed, verbFailed} {
		if count[v] != want[v] {
			t.Errorf("in the registration: %d %s, want %d", count[v], path.Base(v), want[v])
		}
	}
	if count[verbInitialized] != len(l.sessions) || count[verbTerminated] != len(l.sessions) {
		t.Errorf("%d initialized and %d terminated for %d sessions", count[verbInitialized], count[verbTerminated], len(l.sessions))
	}
}

// TestCMI5FailedThenBrowse takes a module's quiz wrongly in a Normal
// launch, which ends the session with failed, then passes it in a Browse
// launch, which must send no completed, passed or failed and keep no
// progress.
func TestCMI5FailedThenBrowse(t *testing.T) {
	cat := bundled(t)
	m, ok := cat.Module("handling-disclosures")
	if !ok {
		t.Fatal("no module handling-disclosures")
	}
	lmsSrv, srv := serveCMI5(t, m)
	ctx := webtest.Tab(t)
	var quiz *content.Step
	for _, st := range m.Steps {
		if st.Kind == content.QuizStep {
			quiz = st
		}
	}
	takeQuiz := func(right bool) {
		t.Helper()
		clickVisible(t, ctx, fmt.Sprintf(`[data-goto="%d"]`, quiz.Index))
		for i, q := range quiz.Quiz.Questions {
			for j, o := range q.Options {
				if o.Correct == right {
					clickVisible(t, ctx, fmt.Sprintf("#q%d-%d-%d", quiz.Index, i, j))
					break
				}
			}
		}
		clickVisible(t, ctx, fmt.Sprintf(`#step-%d button[type="submit"]`, quiz.Index))
		want := "you passed"
		if !right {
			want = "not passed this time"
		}
		if !webtest.Until(t, ctx, fmt.Sprintf(`document.querySelector("#step-%d [data-quiz-result]").textContent.indexOf(%q) >= 0`, quiz.Index, want)) {
			t.Fatalf("the quiz result does not say %q", want)
		}
	}
	closeAndWait := func(s *cmi5Session) {
		t.Helper()
		webtest.Do(t, ctx, chromedp.Navigate("about:blank"))
		lmsSrv.waitFor(s.id+"'s terminated statement", func() bool { return lmsSrv.terminated(s) })
	}

	normal := lmsSrv.launchIn(t, ctx, srv.URL, m.ID)
	takeQuiz(false)
	closeAndWait(normal)
	lmsSrv.mu.Lock()
	lmsSrv.mode = "Browse"
	lmsSrv.mu.Unlock()
	browse := lmsSrv.launchIn(t, ctx, srv.URL, m.ID)
	if s := text(t, ctx, "#lms-status"); !strings.Contains(s, "browsing") {
		t.Errorf("in Browse mode the page says %q", s)
	}
	takeQuiz(true)
	closeAndWait(browse)

	lmsSrv.mu.Lock()
	defer lmsSrv.mu.Unlock()
	for _, p := range lmsSrv.problems {
		t.Errorf("LMS: %s", p)
	}
	if browse.stateSets != 0 {
		t.Errorf("the Browse session wrote %d state documents, want none", browse.stateSets)
	}
	n := len(quiz.Quiz.Questions)
	checkCMI5Statements(t, lmsSrv, lmsSrv.statements, 2*n, 2*n, m.Version, map[string]int{verbCompleted: 0, verbPassed: 0, verbFailed: 1})
	for _, st := range lmsSrv.statements {
		if verbOf(st) == verbFailed && lmsSrv.session[st["id"].(string)] != normal.id {
			t.Errorf("failed sent in %s, want the Normal session", lmsSrv.session[st["id"].(string)])
		}
	}
	xapitest.Validate(t, lmsSrv.statements)
}
