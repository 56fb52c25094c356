package web

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
	"github.com/upstand/upstand/app/xapi"
	"github.com/upstand/upstand/app/xapi/xapitest"
)

// apiGet asks the xAPI endpoint as a learning record store does: the key
// as HTTP Basic credentials (none when user and pass are empty), xAPI's
// version header, and headers (name, value pairs) over those.
func (s *testServer) apiGet(t *testing.T, path, user, pass string, headers ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if user != "" || pass != "" {
		req.SetBasicAuth(user, pass)
	}
	req.Header.Set("X-Experience-API-Version", "1.0.3")
	setHeaders(req, headers)
	return s.do(t, req)
}

// statementsOf follows the endpoint's more links from path to the last
// page, with the key (user, pass), and returns every statement in order.
func (s *testServer) statementsOf(t *testing.T, path, user, pass string) []xapi.Statement {
	t.Helper()
	var all []xapi.Statement
	for pages := 0; path != ""; pages++ {
		if pages > 1000 {
			t.Fatal("more than 1,000 pages: the more links go round in circles")
		}
		resp, body := s.apiGet(t, path, user, pass)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: status %d: %s", path, resp.StatusCode, body)
		}
		if v := resp.Header.Get("X-Experience-API-Version"); v != "1.0.3" {
			t.Errorf("GET %s: X-Experience-API-Version %q", path, v)
		}
		if resp.Header.Get("X-Experience-API-Consistent-Through") == "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("GET %s: headers %v", path, resp.Header)
		}
		if len(resp.Cookies()) > 0 {
			t.Errorf("GET %s set cookies: %v", path, resp.Cookies())
		}
		var res xapi.StatementResult
		if err := json.Unmarshal([]byte(body), &res); err != nil {
			t.Fatalf("GET %s: %v: %s", path, err, body)
		}
		if res.Statements == nil || (res.More != "" && len(res.Statements) == 0) {
			t.Fatalf("GET %s: %s", path, clip(body))
		}
		all = append(all, res.Statements...)
		path = res.More
	}
	return all
}

func ids(ss []xapi.Statement) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}

// failQuiz has p start the tenant's course and fail its quiz: a failed
// quiz, and a second learner.
func (s *testServer) failQuiz(t *testing.T, x *tenant, p store.Person) {
	t.Helper()
	ctx := context.Background()
	l := org.ActorFor(s.st, p, "")
	if _, err := s.learn.Start(ctx, l, x.Course.Module.ID, false); err != nil {
		t.Fatal(err)
	}
	st := x.Course.Quizzes[0].Step
	picks := make([]int, len(st.Quiz.Questions))
	for i, q := range st.Quiz.Questions {
		picks[i] = slices.IndexFunc(q.Options, func(o *content.Option) bool { return !o.Correct }) + 1
	}
	res, err := s.learn.SubmitQuiz(ctx, l, x.Course.Module.ID, st.Index, picks)
	if err != nil || res.Attempt.Passed {
		t.Fatalf("failing the quiz: %+v %v", res.Attempt, err)
	}
}

// TestXAPIStatements: an organisation's key reads its statements, page by
// page through the more links, each exactly once and in order, the same
// as the download; they pass the xAPI 1.0.3 rules; the filters select
// what they name; another organisation's key sees only its own.
func TestXAPIStatements(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a, b := s.newTenant(t, "Aspen"), s.newTenant(t, "Beech")
	s.failQuiz(t, a, a.Admin)
	aID, aSecret := a.apiKey.ID.String(), a.apiKey.Secret

	asc := s.statementsOf(t, "/xapi/statements?limit=3&ascending=true", aID, aSecret)
	desc := s.statementsOf(t, "/xapi/statements?limit=2", aID, aSecret)
	whole := s.statementsOf(t, "/xapi/statements?limit=0&ascending=true", aID, aSecret)
	if len(asc) < 10 {
		t.Fatalf("only %d statements", len(asc))
	}
	seen := map[string]bool{}
	for _, st := range asc {
		if seen[st.ID] {
			t.Errorf("statement %s given twice", st.ID)
		}
		seen[st.ID] = true
	}
	if !slices.Equal(ids(asc), ids(whole)) {
		t.Errorf("paging by 3 gives another list than one page:\n%v\n%v", ids(asc), ids(whole))
	}
	back := ids(desc)
	slices.Reverse(back)
	if !slices.Equal(back, ids(asc)) {
		t.Errorf("newest first, by 2, is not the same list reversed")
	}
	// The download is the same statements, in the same order.
	resp, body := a.adminV.get("/coverage/exports/statements.json")
	var download []xapi.Statement
	if err := json.Unmarshal([]byte(body), &download); resp.StatusCode != 200 || err != nil {
		t.Fatalf("the download: %d %v %s", resp.StatusCode, err, clip(body))
	}
	if !slices.Equal(ids(download), ids(asc)) {
		t.Errorf("the download differs from the endpoint:\n%v\n%v", ids(download), ids(asc))
	}
	verbs := map[string]int{}
	home := strings.TrimSuffix(s.cfg.BaseURL.String(), "/")
	for _, st := range asc {
		verbs[st.Verb.ID]++
		if st.Actor.Account.HomePage != home || (st.Actor.Account.Name != a.Member.ID.String() && st.Actor.Account.Name != a.Admin.ID.String()) {
			t.Errorf("actor %+v", st.Actor)
		}
	}
	for _, v := range []string{xapi.VerbInitialized, xapi.VerbAnswered, xapi.VerbCompleted, xapi.VerbPassed, xapi.VerbFailed} {
		if verbs[v] == 0 {
			t.Errorf("no statement with %s: %v", v, verbs)
		}
	}
	raw, _ := json.Marshal(asc)
	if leaks := b.leaks(string(raw)); len(leaks) > 0 || strings.Contains(string(raw), b.Member.ID.String()) ||
		strings.Contains(string(raw), a.Member.Email) || strings.Contains(string(raw), a.Member.Name) {
		t.Errorf("A's statements show B's data or a name or email: %v", leaks)
	}

	// B's key: B's statements only.
	bs := s.statementsOf(t, "/xapi/statements?limit=5", b.apiKey.ID.String(), b.apiKey.Secret)
	if len(bs) == 0 {
		t.Fatal("B has no statements")
	}
	for _, st := range bs {
		if st.Actor.Account.Name != b.Member.ID.String() || seen[st.ID] {
			t.Errorf("B's key gets %s about %s", st.ID, st.Actor.Account.Name)
		}
	}
	ids := s.statementsOf(t, "/xapi/statements?format=ids&limit=500", aID, aSecret)
	xapitest.Validate(t, slices.Concat(asc, bs, ids))

	// Filters.
	count := func(verb string) int { return verbs[verb] }
	check := func(query string, want int, ok func(xapi.Statement) bool) {
		t.Helper()
		got := s.statementsOf(t, "/xapi/statements?"+query, aID, aSecret)
		if len(got) != want {
			t.Errorf("%s: %d statements, want %d", query, len(got), want)
		}
		for _, st := range got {
			if !ok(st) {
				t.Errorf("%s: %s %s", query, st.Verb.ID, st.Object.ID)
			}
		}
	}
	check("verb="+url.QueryEscape(xapi.VerbAnswered), count(xapi.VerbAnswered), func(st xapi.Statement) bool { return st.Verb.ID == xapi.VerbAnswered })
	check("verb="+url.QueryEscape(xapi.VerbFailed)+"&limit=1", count(xapi.VerbFailed), func(st xapi.Statement) bool { return st.Verb.ID == xapi.VerbFailed })
	course := xapi.NewBuilder(s.cfg.BaseURL).CourseIRI(a.Course.Module.ID)
	check("activity="+url.QueryEscape(course), count(xapi.VerbInitialized)+1, func(st xapi.Statement) bool { return st.Object.ID == course })
	check("activity="+url.QueryEscape("https://elsewhere.example/x"), 0, nil)
	at := asc[0].Stored // the test clock stands still: every record is of this moment
	check("since="+url.QueryEscape(at.Add(-time.Microsecond).Format(time.RFC3339Nano)), len(asc), func(xapi.Statement) bool { return true })
	check("since="+url.QueryEscape(at.Format(time.RFC3339Nano)), 0, nil)
	check("until="+url.QueryEscape(at.Format(time.RFC3339Nano)), len(asc), func(xapi.Statement) bool { return true })
	check("until="+url.QueryEscape(at.Add(-time.Microsecond).Format(time.RFC3339Nano)), 0, nil)
}

// TestXAPIRefusals: every bad request is a clear JSON 4xx with xAPI's
// version header, changes nothing and logs no secret.
func TestXAPIRefusals(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a, b := s.newTenant(t, "Aspen"), s.newTenant(t, "Beech")
	ctx := context.Background()
	admin := org.ActorFor(s.st, a.Admin, "")
	other, err := s.org.CreateAPIKey(ctx, admin, "Second store")
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := s.org.CreateAPIKey(ctx, admin, "Old store")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.org.RevokeAPIKey(ctx, admin, revoked.ID); err != nil {
		t.Fatal(err)
	}
	aID, aSecret := a.apiKey.ID.String(), a.apiKey.Secret
	// A real more link of A's key, and one of the second key.
	_, body := s.apiGet(t, "/xapi/statements?limit=1", aID, aSecret)
	var page xapi.StatementResult
	if err := json.Unmarshal([]byte(body), &page); err != nil || page.More == "" {
		t.Fatalf("no more link: %v %s", err, body)
	}
	_, body = s.apiGet(t, "/xapi/statements?limit=1", other.ID.String(), other.Secret)
	var otherPage xapi.StatementResult
	if err := json.Unmarshal([]byte(body), &otherPage); err != nil || otherPage.More == "" {
		t.Fatalf("no more link: %v %s", err, body)
	}
	tampered := []byte(page.More)
	tampered[len(tampered)-5] ^= 1
	if tampered[len(tampered)-5] == '.' || tampered[len(tampered)-5] == '&' {
		tampered[len(tampered)-5] = 'x'
	}

	before := a.snapshot(t, s) + b.snapshot(t, s)
	audit := func() int {
		n := 0
		for _, x := range []*tenant{a, b} {
			es, err := s.org.AuditLog(ctx, org.ActorFor(s.st, x.Admin, ""), store.AuditFilter{})
			if err != nil {
				t.Fatal(err)
			}
			n += len(es)
		}
		return n
	}
	entries := audit()
	for _, c := range []struct {
		name, path, user, pass string
		headers                []string
		status                 int
		says                   string
	}{
		{"no credentials", "/xapi/statements", "", "", nil, 401, "HTTP Basic"},
		{"a bearer token", "/xapi/statements", "", "", []string{"Authorization", "Bearer " + aSecret}, 401, "HTTP Basic"},
		{"A's key id with B's secret", "/xapi/statements", aID, b.apiKey.Secret, nil, 401, "not valid"},
		{"B's key id with A's secret", "/xapi/statements", b.apiKey.ID.String(), aSecret, nil, 401, "not valid"},
		{"a key id that is no uuid", "/xapi/statements", "root", aSecret, nil, 401, "not valid"},
		{"a revoked key", "/xapi/statements", revoked.ID.String(), revoked.Secret, nil, 401, "not valid"},
		{"limit=10^9", "/xapi/statements?limit=10^9", aID, aSecret, nil, 400, "limit"},
		{"limit=1000000000", "/xapi/statements?limit=1000000000", aID, aSecret, nil, 400, "at most 500"},
		{"a malformed since", "/xapi/statements?since=last%20tuesday", aID, aSecret, nil, 400, "since must be a timestamp"},
		{"a tampered more link", string(tampered), aID, aSecret, nil, 400, "more link is not valid"},
		{"another key's more link", otherPage.More, aID, aSecret, nil, 400, "more link is not valid"},
		{"a more link with a filter", page.More + "&limit=3", aID, aSecret, nil, 400, "stands alone"},
		{"an unknown parameter", "/xapi/statements?colour=red", aID, aSecret, nil, 400, "Unknown parameter"},
		{"a NUL in since", "/xapi/statements?since=2026-12-03T09:00:00Z%00", aID, aSecret, nil, 400, "since must be a timestamp"},
		{"a bell in a verb", "/xapi/statements?verb=http://adlnet.gov/expapi/verbs/answered%07", aID, aSecret, nil, 400, "verb must be an absolute IRI"},
		{"a broken query string", "/xapi/statements?since=%zz", aID, aSecret, nil, 400, "percent-encoding"},
		{"no version header", "/xapi/statements", aID, aSecret, []string{"X-Experience-API-Version", ""}, 400, "X-Experience-API-Version"},
		{"another version", "/xapi/statements", aID, aSecret, []string{"X-Experience-API-Version", "2.0.0"}, 400, "1.0.3"},
	} {
		resp, body := s.apiGet(t, c.path, c.user, c.pass, c.headers...)
		var problem struct {
			Error  string `json:"error"`
			Status int    `json:"status"`
		}
		if resp.StatusCode != c.status || json.Unmarshal([]byte(body), &problem) != nil || !strings.Contains(problem.Error, c.says) {
			t.Errorf("%s: status %d %s, want %d saying %q", c.name, resp.StatusCode, body, c.status, c.says)
		}
		if resp.Header.Get("X-Experience-API-Version") != "1.0.3" {
			t.Errorf("%s: no X-Experience-API-Version", c.name)
		}
		if c.status == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
			t.Errorf("%s: WWW-Authenticate %q", c.name, resp.Header.Get("WWW-Authenticate"))
		}
		if strings.Contains(body, aSecret) || strings.Contains(body, b.apiKey.Secret) || len(resp.Cookies()) > 0 {
			t.Errorf("%s: the answer repeats a secret or sets a cookie", c.name)
		}
	}
	// Not a form: a POST needs no CSRF token to be told the endpoint
	// only reads.
	req := httptest.NewRequest("POST", "/xapi/statements", strings.NewReader("[]"))
	req.SetBasicAuth(aID, aSecret)
	if resp, body := s.do(t, req); resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(body, "use GET") {
		t.Errorf("POST: %d %s", resp.StatusCode, body)
	}
	if resp, body := s.apiGet(t, "/xapi/about", "", ""); resp.StatusCode != 200 || body != `{"version":["1.0.3"]}` {
		t.Errorf("about: %d %s", resp.StatusCode, body)
	}

	if after := a.snapshot(t, s) + b.snapshot(t, s); after != before {
		t.Errorf("refused requests changed something:\n%s\n%s", before, after)
	}
	if audit() != entries {
		t.Error("refused requests wrote audit entries")
	}
	logs := s.logs.String()
	for _, secret := range []string{aSecret, b.apiKey.Secret, other.Secret, revoked.Secret,
		base64.StdEncoding.EncodeToString([]byte(aID + ":" + aSecret))} {
		if strings.Contains(logs, secret) {
			t.Errorf("a secret reached the log:\n%s", logs)
		}
	}
}

// TestAPIKeysPage: an org admin makes a key (shown once, with a clear
// error for a missing name), sees it listed without its secret, uses it,
// revokes it (after which it is refused), and both are in the audit log.
// Nobody else reaches the page.
func TestAPIKeysPage(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Aspen")
	a.adminV.page("/admin/api-keys", "API keys", a.apiKey.Name, a.apiKey.ID.String())
	if resp, body := a.adminV.post("/admin/api-keys", url.Values{"name": {"  "}}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Give the key a name") {
		t.Errorf("a key without a name: %d", resp.StatusCode)
	}
	resp, body := a.adminV.post("/admin/api-keys", url.Values{"name": {"Our LRS"}})
	m := regexp.MustCompile(`value="([0-9a-f-]{36}):([A-Za-z0-9_-]{43})"`).FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("making a key: %d\n%s", resp.StatusCode, clip(body))
	}
	id, secret := m[1], m[2]
	list := a.adminV.page("/admin/api-keys", "Our LRS", id, "Live")
	if strings.Contains(list, secret) {
		t.Error("the list shows the secret")
	}
	if resp, _ := s.apiGet(t, "/xapi/statements", id, secret); resp.StatusCode != 200 {
		t.Errorf("the new key: %d", resp.StatusCode)
	}
	a.adminV.redirect("/admin/api-keys/"+id+"/revoke", nil, "/admin/api-keys")
	a.adminV.page("/admin/api-keys?notice=revoked", "no longer works", "Revoked")
	if resp, _ := s.apiGet(t, "/xapi/statements", id, secret); resp.StatusCode != 401 {
		t.Errorf("the revoked key: %d", resp.StatusCode)
	}
	if resp, _ := a.adminV.post("/admin/api-keys/"+id+"/revoke", nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("revoking twice: %d", resp.StatusCode)
	}
	a.adminV.page("/admin/audit", "Created an API key", "Revoked an API key", "Our LRS")
	for _, v := range []*browser{a.memberV, a.trainerV} {
		if resp, _ := v.get("/admin/api-keys"); resp.StatusCode != 404 {
			t.Errorf("a non-admin's key page: %d", resp.StatusCode)
		}
		if resp, _ := v.post("/admin/api-keys", url.Values{"name": {"Mine"}}); resp.StatusCode != 404 {
			t.Errorf("a non-admin making a key: %d", resp.StatusCode)
		}
	}
	if strings.Contains(s.logs.String(), secret) {
		t.Error("the secret reached the log")
	}
}

// readCSVBody parses a downloaded CSV.
func readCSVBody(t *testing.T, body string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, clip(body))
	}
	return rows
}

// TestExportsByRole: the exports page and its downloads for an org admin
// (everything), a team manager (their team's coverage only), anyone else
// (nothing) and someone signed out; downloads stream (chunked) as
// attachments and show another organisation nothing.
func TestExportsByRole(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a, b := s.newTenant(t, "Aspen"), s.newTenant(t, "Beech")
	ctx := context.Background()
	for _, x := range []*tenant{a, b} {
		admin := org.ActorFor(s.st, x.Admin, "")
		if _, err := s.cover.AddRequirement(ctx, admin, org.RequirementInput{ModuleID: x.Course.Module.ID, TeamID: &x.Team.ID,
			Refresher: store.RefresherModule}); err != nil {
			t.Fatal(err)
		}
		if err := s.cover.SetManager(ctx, admin, x.Team.ID, x.Member.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	download := func(v *browser, path, contentType string) string {
		t.Helper()
		resp, body := v.get(path)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), contentType) ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment; filename=\"upstand-") {
			t.Fatalf("GET %s: %d %v\n%s", path, resp.StatusCode, resp.Header, clip(body))
		}
		if resp.ContentLength != -1 || !slices.Contains(resp.TransferEncoding, "chunked") {
			t.Errorf("GET %s: not streamed (length %d, transfer encoding %v)", path, resp.ContentLength, resp.TransferEncoding)
		}
		if leaks := b.leaks(body); len(leaks) > 0 {
			t.Errorf("GET %s shows B's %q", path, leaks)
		}
		return body
	}

	// The org admin.
	a.adminV.page("/coverage/exports", "/coverage/exports/coverage.csv", "/coverage/exports/completions.csv",
		"/coverage/exports/statements.json", s.cfg.BaseURL.JoinPath("xapi", "statements").String())
	rows := readCSVBody(t, download(a.adminV, "/coverage/exports/coverage.csv", "text/csv"))
	if len(rows) != 2 || rows[1][0] != a.Member.ID.String() || rows[1][2] != a.Team.Name || rows[1][5] != "Complete" {
		t.Errorf("the admin's coverage CSV: %q", rows)
	}
	rows = readCSVBody(t, download(a.adminV, "/coverage/exports/completions.csv", "text/csv"))
	if len(rows) != 2 || rows[1][0] != a.Course.Completion.ID.String() {
		t.Errorf("the admin's completions CSV: %q", rows)
	}
	var statements []json.RawMessage
	if err := json.Unmarshal([]byte(download(a.adminV, "/coverage/exports/statements.json", "application/json")), &statements); err != nil || len(statements) == 0 {
		t.Errorf("the statements download: %v", err)
	}

	// The team's manager: their team's coverage, nothing else.
	page := a.memberV.page("/coverage/exports", "/coverage/exports/coverage.csv", "for the teams you manage")
	if strings.Contains(page, "completions.csv") || strings.Contains(page, "statements.json") || strings.Contains(page, "/admin/") {
		t.Error("the manager's page offers admin downloads")
	}
	rows = readCSVBody(t, download(a.memberV, "/coverage/exports/coverage.csv", "text/csv"))
	if len(rows) != 2 || rows[1][2] != a.Team.Name {
		t.Errorf("the manager's coverage CSV: %q", rows)
	}
	for _, path := range []string{"/coverage/exports/completions.csv", "/coverage/exports/statements.json"} {
		if resp, _ := a.memberV.get(path); resp.StatusCode != 404 {
			t.Errorf("the manager's %s: %d", path, resp.StatusCode)
		}
	}

	// Someone who manages nothing, and someone signed out.
	for _, path := range []string{"/coverage/exports", "/coverage/exports/coverage.csv", "/coverage/exports/completions.csv", "/coverage/exports/statements.json"} {
		if resp, _ := a.trainerV.get(path); resp.StatusCode != 404 {
			t.Errorf("a trainer's %s: %d", path, resp.StatusCode)
		}
		if resp, _ := s.browser(t).get(path); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
			t.Errorf("signed out, %s: %d", path, resp.StatusCode)
		}
	}
}
