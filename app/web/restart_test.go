package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	upstand "github.com/upstand/upstand"
	"github.com/upstand/upstand/app/db"
	"github.com/upstand/upstand/app/fixture"
	"github.com/upstand/upstand/app/org"
)

// requestLimit bounds each request of the restart test: a request that
// takes longer hangs, which an outage must never make it do.
const requestLimit = 20 * time.Second

// try is browser.do for goroutines: it reports a failed or hung request
// as an error instead of failing the test.
func (b *browser) try(req *http.Request) (*http.Response, string, error) {
	b.mu.Lock()
	for _, c := range b.jar {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	b.mu.Unlock()
	resp, err := b.s.App().Test(req, int(requestLimit/time.Millisecond))
	if err != nil {
		return nil, "", fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c
		}
	}
	return resp, string(body), nil
}

func (b *browser) tryGet(path string) (*http.Response, string, error) {
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Accept", "text/html")
	return b.try(req)
}

func (b *browser) tryPost(path string, form url.Values, token string) (*http.Response, string, error) {
	form.Set("_csrf", token)
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	return b.try(req)
}

// loadRecord is what the clients of the restart test saw.
type loadRecord struct {
	mu       sync.Mutex
	choices  map[string]int // attempt id → choices acknowledged (the highest "at" + 1)
	finished map[string]bool
	outages  atomic.Int64 // 503s
	acks     atomic.Int64 // state changes acknowledged
	problems []string
}

func (r *loadRecord) problem(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.problems) < 20 {
		r.problems = append(r.problems, fmt.Sprintf(format, args...))
	}
}

// answer checks one response of the load: a success, or a 503 with the
// "briefly unavailable" page; anything else (a 500, a CSRF refusal, a
// hang) is a problem. It says whether the request succeeded.
func (r *loadRecord) answer(what string, resp *http.Response, body string, err error, ok ...int) bool {
	if err != nil {
		r.problem("%s: %v", what, err)
		return false
	}
	for _, code := range ok {
		if resp.StatusCode == code {
			return true
		}
	}
	if resp.StatusCode == http.StatusServiceUnavailable {
		r.outages.Add(1)
		if !strings.Contains(body, "briefly unavailable") || resp.Header.Get("Retry-After") == "" ||
			!strings.Contains(body, resp.Header.Get("X-Request-ID")) {
			r.problem("%s: a 503 without the unavailable page, Retry-After and request id:\n%s", what, clip(body))
		}
		return false
	}
	r.problem("%s: status %d\n%s", what, resp.StatusCode, clip(body))
	return false
}

// TestDatabaseRestartUnderLoad stops the database server for real (a
// fast shutdown of its own PostgreSQL) and starts it again while learners
// make scenario choices and finish courses. The app is not restarted:
// /readyz goes 503 and back to 200 by itself; every request during the
// outage is answered at once with the 503 page (never a hang, a 500 or a
// CSRF refusal); and every choice and completion acknowledged to a
// learner is in the database afterwards.
func TestDatabaseRestartUnderLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	base := "/dev/shm"
	if _, err := os.Stat(base); err != nil {
		base = os.TempDir()
	}
	parent, err := os.MkdirTemp(base, "upstand-restart-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	if err := os.Chmod(parent, 0o755); err != nil { // the postgres OS user must reach it
		t.Fatal(err)
	}
	opts := db.ClusterOptions{Dir: filepath.Join(parent, "pg"), Database: "upstand"}
	cluster, err := db.StartCluster(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cluster.Stop() })
	owner, err := db.Open(ctx, cluster.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Close() })
	dir, err := db.Migrations(upstand.Files)
	if err != nil {
		t.Fatal(err)
	}
	m, err := db.NewMigrator(owner, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	app, err := db.Open(ctx, cluster.URL(), db.AsApp())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })

	s := newTestServer(t, serverOptions{start: learnStart, app: app, owner: owner})
	s.ready = func(ctx context.Context) error { return app.PingContext(ctx) } // as serve's
	o := s.organisation(t, "Restart Trust")
	mod, _ := s.learn.Content().Module("anti-oppressive-practice")
	var step int
	for _, st := range mod.Steps {
		if st.Scenario != nil {
			step = st.Index
			break
		}
	}
	players := make([]*browser, 3)
	for i := range players {
		players[i], _ = s.person(t, o, fmt.Sprintf("Player %d", i), false)
		players[i].redirect(courseURL(mod.ID)+"/start", nil, "")
	}
	// The finishers have done every step; only the finish is left.
	finishers := make([]*browser, 12)
	people := map[*browser]string{}
	for i := range finishers {
		b, person := s.person(t, o, fmt.Sprintf("Finisher %d", i), false)
		fixture.Play(t, s.learn, org.ActorFor(s.st, person, ""), mod.ID, fixture.Plan{})
		finishers[i], people[b] = b, person.ID.String()
	}

	rec := &loadRecord{choices: map[string]int{}, finished: map[string]bool{}}
	var stop atomic.Bool
	var wg sync.WaitGroup
	attemptRE := regexp.MustCompile(`name="attempt" value="([^"]+)"`)
	atRE := regexp.MustCompile(`name="at" value="(\d+)"`)
	choiceRE := regexp.MustCompile(`name="choice" value="(\d+)"`)
	scenario := stepURL(mod.ID, step)
	for i, b := range players {
		token := b.token()
		wg.Go(func() {
			for !stop.Load() {
				resp, body, err := b.tryGet(scenario)
				if !rec.answer(fmt.Sprintf("player %d: the scenario page", i), resp, body, err, 200) {
					continue
				}
				attempt, at, choice := attemptRE.FindStringSubmatch(body), atRE.FindStringSubmatch(body), choiceRE.FindStringSubmatch(body)
				if attempt == nil || at == nil || choice == nil { // before the first attempt, or at an ending: (re)start
					resp, body, err = b.tryPost(scenario+"/scenario", url.Values{}, token)
					rec.answer(fmt.Sprintf("player %d: start", i), resp, body, err, 303)
					continue
				}
				resp, body, err = b.tryPost(scenario+"/choose", url.Values{"attempt": {attempt[1]}, "at": {at[1]}, "choice": {choice[1]}}, token)
				if rec.answer(fmt.Sprintf("player %d: choose", i), resp, body, err, 303) && strings.HasSuffix(resp.Header.Get("Location"), "/feedback") {
					n, _ := strconv.Atoi(at[1])
					rec.mu.Lock()
					rec.choices[attempt[1]] = max(rec.choices[attempt[1]], n+1)
					rec.mu.Unlock()
					rec.acks.Add(1)
				}
			}
		})
	}
	wg.Go(func() {
		// One finish after another, each retried until it is acknowledged.
		for i := 0; i < len(finishers) && !stop.Load(); {
			b := finishers[i]
			resp, body, err := b.tryPost(finishURL(mod.ID), url.Values{"confidence": {"1"}, "skip": {"1"}}, b.token())
			if rec.answer(fmt.Sprintf("finisher %d", i), resp, body, err, 303) {
				if loc := resp.Header.Get("Location"); loc != completeURL(mod.ID) {
					rec.problem("finisher %d: sent to %s", i, loc)
				}
				rec.mu.Lock()
				rec.finished[people[b]] = true
				rec.mu.Unlock()
				rec.acks.Add(1)
				i++
			}
		}
	})
	finish := func() {
		stop.Store(true)
		wg.Wait()
	}
	defer finish()

	waitUntil := func(what string, limit time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(limit)
		for !cond() {
			if time.Now().After(deadline) {
				finish()
				t.Fatalf("%s: not within %s; problems: %v", what, limit, rec.problems)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	readyz := func() int {
		resp, _, err := s.browser(t).tryGet("/readyz")
		if err != nil {
			return 0
		}
		return resp.StatusCode
	}
	waitUntil("load under way", 60*time.Second, func() bool { return rec.acks.Load() >= 6 })

	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	waitUntil("/readyz 503 with the database down", 30*time.Second, func() bool { return readyz() == http.StatusServiceUnavailable })
	waitUntil("503s answered to the load", 30*time.Second, func() bool { return rec.outages.Load() >= 3 })
	// A page and a form during the outage, from here: a clear 503.
	learner := players[0]
	resp, body, err := learner.tryGet("/courses")
	rec.answer("a page during the outage", resp, body, err)
	resp, body, err = learner.tryPost(scenario+"/scenario", url.Values{}, learner.token())
	rec.answer("a form during the outage", resp, body, err)
	if resp != nil && resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a form during the outage: %d, want 503", resp.StatusCode)
	}

	cluster, err = db.StartCluster(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cluster.Stop() })
	waitUntil("/readyz 200 with the database back", 60*time.Second, func() bool { return readyz() == http.StatusOK })
	after := rec.acks.Load()
	waitUntil("the load carrying on after the restart", 60*time.Second, func() bool { return rec.acks.Load() >= after+6 })
	finish()

	for _, p := range rec.problems {
		t.Error(p)
	}
	if strings.Contains(s.logs.String(), "csrf refused") {
		t.Error("the outage was taken for a CSRF attack")
	}
	// Every acknowledged choice and completion is stored.
	for attempt, n := range rec.choices {
		var stored int
		if err := owner.NewRaw("SELECT count(*) FROM scenario_choices WHERE attempt_id = ?", attempt).Scan(ctx, &stored); err != nil {
			t.Fatal(err)
		}
		if stored < n {
			t.Errorf("attempt %s: %d choices acknowledged, %d stored", attempt, n, stored)
		}
	}
	if len(rec.finished) == 0 {
		t.Error("no completion was acknowledged")
	}
	for person := range rec.finished {
		var stored int
		if err := owner.NewRaw("SELECT count(*) FROM completions WHERE person_id = ?", person).Scan(ctx, &stored); err != nil {
			t.Fatal(err)
		}
		if stored != 1 {
			t.Errorf("person %s: a completion acknowledged, %d stored", person, stored)
		}
	}
	t.Logf("%d choices and %d completions acknowledged and stored; %d requests answered 503 during the outage",
		rec.acks.Load()-int64(len(rec.finished)), len(rec.finished), rec.outages.Load())
}

// TestFiftyChoicesApplyOnce sends fifty choices on the same scenario page
// at once, half of them the same choice and the rest others on offer: one
// applies (its learner goes on to the feedback), the others are told
// where things stand, and the attempt holds exactly one choice.
func TestFiftyChoicesApplyOnce(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{start: learnStart})
	c, _ := s.person(t, s.organisation(t, "Brightwater Homes"), "Dee Mensah", false)
	m, _ := s.learn.Content().Module("handling-disclosures")
	var step int
	for _, st := range m.Steps {
		if st.Scenario != nil {
			step = st.Index
			break
		}
	}
	base := stepURL(m.ID, step)
	c.redirect(courseURL(m.ID)+"/start", nil, "")
	c.redirect(base+"/scenario", nil, base)
	page := c.page(base, "What do you do?")
	attempt := regexp.MustCompile(`name="attempt" value="([^"]+)"`).FindStringSubmatch(page)[1]
	var offered []string
	for _, m := range regexp.MustCompile(`name="choice" value="(\d+)"`).FindAllStringSubmatch(page, -1) {
		offered = append(offered, m[1])
	}
	if len(offered) < 2 {
		t.Fatalf("%d choices on the first node", len(offered))
	}
	token := c.token()
	results := make([]string, 50)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			choice := offered[0]
			if i%2 == 1 {
				choice = offered[i%len(offered)]
			}
			<-start
			resp, body, err := c.tryPost(base+"/choose", url.Values{"attempt": {attempt}, "at": {"0"}, "choice": {choice}}, token)
			switch {
			case err != nil:
				results[i] = err.Error()
			case resp.StatusCode != http.StatusSeeOther:
				results[i] = fmt.Sprintf("status %d: %s", resp.StatusCode, clip(body))
			default:
				results[i] = resp.Header.Get("Location")
			}
		})
	}
	close(start)
	wg.Wait()
	applied := 0
	for i, got := range results {
		switch got {
		case base + "/feedback":
			applied++
		case base:
		default:
			t.Errorf("request %d: %s", i, got)
		}
	}
	var stored int
	if err := s.owner.NewRaw("SELECT count(*) FROM scenario_choices WHERE attempt_id = ?", attempt).Scan(context.Background(), &stored); err != nil {
		t.Fatal(err)
	}
	if applied != 1 || stored != 1 {
		t.Fatalf("%d choices applied and %d stored, want 1 and 1", applied, stored)
	}
}
