package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/uptrace/bun"

	"github.com/upstand/upstand/app/auth"
	"github.com/upstand/upstand/app/authoring"
	"github.com/upstand/upstand/app/catalogue"
	"github.com/upstand/upstand/app/config"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/db"
	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/fixture"
	"github.com/upstand/upstand/app/graphview"
	"github.com/upstand/upstand/app/learning"
	"github.com/upstand/upstand/app/lms"
	"github.com/upstand/upstand/app/mail"
	"github.com/upstand/upstand/app/metrics"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/passkeytest"
	"github.com/upstand/upstand/app/remind"
	"github.com/upstand/upstand/app/store"
)

// The one test harness of the web layer: a server with every route wired
// (the bundled courses, a fresh database, an injected clock, captured
// logs), browsers with cookie jars that go through app.Test, and passkeys
// made by a software authenticator and used over HTTP exactly as
// passkey.js uses them.

func TestMain(m *testing.M) { dbtest.Main(m) }

// testServer is the web layer as main builds it, with what tests reach
// past it: the clock, the logs and the relying party passkeys answer.
type testServer struct {
	*Server
	owner *bun.DB               // the database as its owner, beneath row-level security
	app   *bun.DB               // the database as the app connects to it (under row-level security)
	cats  *catalogue.Catalogues // what Learning serves and Studio publishes to, shared as in main
	clock *fixture.Clock
	logs  *syncBuffer
	rp    virtualwebauthn.RelyingParty
}

// serverOptions vary the server: env holds UPSTAND_* settings (such as an
// https base URL or a body limit), mail an SMTP sender, start the clock's
// first reading (the present when zero).
type serverOptions struct {
	env   map[string]string
	mail  *mail.Sender
	start time.Time
	// queries, when set, sees every statement the server sends
	// (the coverage benchmark's EXPLAIN ANALYZE).
	queries bun.QueryHook
	// app and owner, when set, are the database (as the application and
	// as its owner) instead of a fresh one from dbtest.
	app, owner *bun.DB
	db         []db.Option // more options for a fresh database's application pool (db.Trace)
}

// newTestServer builds the web layer with the real embedded templates, the
// repository's assets and courses, and a fresh database; /readyz answers
// ready until a test replaces s.ready.
func newTestServer(t testing.TB, o serverOptions) *testServer {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	build := config.FlagSet(fs, func(k string) (string, bool) { v, ok := o.env[k]; return v, ok })
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	cfg, err := build()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := content.Load(os.DirFS("../.."))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(LogHandler(slog.NewTextHandler(logs, nil))) // as main wraps the process logger
	clock := fixture.NewClock(o.start)
	app, owner := o.app, o.owner
	if app == nil {
		app, owner = dbtest.NewWithAdminOptions(t, o.db...)
	}
	if o.queries != nil {
		app = app.WithQueryHook(o.queries)
	}
	st := store.New(app)
	identity, err := auth.New(st, auth.DefaultConfig(cfg.BaseURL), clock.Now, log)
	if err != nil {
		t.Fatal(err)
	}
	cats := catalogue.New(cat, clock.Now)
	meters := metrics.New(nil)
	cover := org.NewCoverage(st, cats, clock.Now)
	// The reminders' queue is there to enqueue into; nothing works its
	// jobs here (app/remind's tests do).
	reminders, err := remind.New(remind.Config{Store: st, Coverage: cover, Catalogues: cats, DB: app.DB, Mail: o.mail,
		BaseURL: cfg.BaseURL, Now: clock.Now, Log: log, NoScan: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Deps{Config: cfg, Log: log, Assets: os.DirFS("../../assets"), Now: clock.Now,
		Ready: func(context.Context) error { return nil }, Store: st, Auth: identity,
		Learning: learning.New(st, cats, clock.Now, learning.WithEvents(meters)), Metrics: meters, Org: org.New(st, org.Config{BaseURL: cfg.BaseURL}, clock.Now),
		Studio: authoring.New(st, cats, os.DirFS("../.."), clock.Now), Graph: testGraphs(t), Mail: o.mail,
		Coverage: cover, Remind: reminders, Packages: lms.NewDownloads(cats, cfg.QuickExitURL, clock.Now)})
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{Server: s, owner: owner, app: app, cats: cats, clock: clock, logs: logs,
		rp: virtualwebauthn.RelyingParty{ID: cfg.BaseURL.Hostname(), Name: "Upstand", Origin: cfg.Origin()}}
}

// do sends one request through app.Test, as it is: no cookies, no token.
func (s *testServer) do(t testing.TB, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// organisation creates an organisation directly in the store.
func (s *testServer) organisation(t testing.TB, name string) store.Organisation {
	t.Helper()
	org, err := s.st.Global().CreateOrganisation(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return org
}

// person adds someone to org (no passkey) and returns a browser signed in
// as them, holding a CSRF token.
func (s *testServer) person(t testing.TB, org store.Organisation, name string, admin bool) (*browser, store.Person) {
	t.Helper()
	handle := make([]byte, 64)
	_, _ = rand.Read(handle)
	p, err := s.st.Org(org.ID).CreatePerson(context.Background(), store.NewPerson{Name: name,
		Email: strings.ReplaceAll(strings.ToLower(name), " ", ".") + "@example.org", UserHandle: handle, IsOrgAdmin: admin})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := s.auth.StartSession(context.Background(), p, "192.0.2.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	b := s.browser(t)
	b.setCookie(s.sessionCookie, token)
	b.get("/courses") // picks up a CSRF token
	return b, p
}

// browser is one browser: its own cookies, sent and updated on every
// request through app.Test. Forms carry the CSRF token of its cookie, as
// the page's hidden field does.
type browser struct {
	t   testing.TB
	s   *testServer
	mu  sync.Mutex
	jar map[string]*http.Cookie
}

// browser is a new browser with no cookies: signed out.
func (s *testServer) browser(t testing.TB) *browser {
	return &browser{t: t, s: s, jar: map[string]*http.Cookie{}}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	b.mu.Lock()
	for _, c := range b.jar {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	b.mu.Unlock()
	resp, body := b.s.do(b.t, req)
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" || (!c.Expires.IsZero() && c.Expires.Before(time.Now())) {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c
		}
	}
	return resp, body
}

// cookie is the value of one of the browser's cookies ("" if none).
func (b *browser) cookie(name string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.jar[name]; ok {
		return c.Value
	}
	return ""
}

func (b *browser) setCookie(name, value string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.jar[name] = &http.Cookie{Name: name, Value: value}
}

// session is the browser's session token ("" when signed out).
func (b *browser) session() string { return b.cookie(b.s.sessionCookie) }

// token is the CSRF token a page gave the browser, fetching a page first if
// it has none yet.
func (b *browser) token() string {
	b.t.Helper()
	if b.cookie(b.s.csrfCookie) == "" {
		b.get("/")
	}
	return b.cookie(b.s.csrfCookie)
}

// get GETs a page as a browser does; headers are name, value pairs.
func (b *browser) get(path string, headers ...string) (*http.Response, string) {
	b.t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Accept", "text/html")
	setHeaders(req, headers)
	return b.do(req)
}

// post sends a form as a browser does, with the browser's CSRF token;
// headers are name, value pairs.
func (b *browser) post(path string, form url.Values, headers ...string) (*http.Response, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", b.token())
	return b.postRaw(path, form, headers...)
}

// postRaw sends a form exactly as given (no token added) with extra
// headers, name, value pairs.
func (b *browser) postRaw(path string, form url.Values, headers ...string) (*http.Response, string) {
	b.t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	setHeaders(req, headers)
	return b.do(req)
}

func setHeaders(req *http.Request, pairs []string) {
	for i := 0; i+1 < len(pairs); i += 2 {
		req.Header.Set(pairs[i], pairs[i+1])
	}
}

// postJSON is passkey.js's fetch: JSON in and out, token in X-CSRF-Token.
func (b *browser) postJSON(path, body string) (*http.Response, string) {
	b.t.Helper()
	return b.postBody(path, "application/json", body)
}

// postBody is postJSON with the body declared as contentType (none when
// empty).
func (b *browser) postBody(path, contentType, body string) (*http.Response, string) {
	b.t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-CSRF-Token", b.token())
	req.Header.Set("Origin", b.s.cfg.Origin())
	return b.do(req)
}

// page GETs a page and fails unless it is a 200 that rendered completely
// with no inline script or style (the CSP would block them) and holds
// every one of wants.
func (b *browser) page(path string, wants ...string) string {
	b.t.Helper()
	resp, body := b.get(path)
	if resp.StatusCode != 200 {
		b.t.Fatalf("GET %s: status %d\n%s", path, resp.StatusCode, clip(body))
	}
	// A template that fails half-way still sends a 200 with a cut-off
	// page; the layout's end shows it finished.
	if !strings.Contains(body, "</html>") || templateError.MatchString(body) {
		b.t.Fatalf("GET %s: the page did not render completely\n%s", path, clip(body[max(0, len(body)-1500):]))
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, " style=") || strings.Contains(body, "<style") {
		b.t.Errorf("GET %s: inline script or style", path)
	}
	for _, w := range wants {
		if !strings.Contains(body, w) {
			b.t.Errorf("GET %s lacks %q", path, w)
		}
	}
	return body
}

// templateError is how a template's error starts ("template: name:line:
// ..."), and not a page's own words ("made from the template: change it").
var templateError = regexp.MustCompile(`template: (\S+:\d+|no template)`)

// redirect POSTs a form and fails unless it redirects (303) to want
// (ignoring the query when want has none; anywhere when want is ""); it
// returns the location.
func (b *browser) redirect(path string, form url.Values, want string) string {
	b.t.Helper()
	resp, body := b.post(path, form)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("POST %s: status %d to %q, want 303 to %s\n%s", path, resp.StatusCode, loc, want, clip(body))
	}
	got := loc
	if !strings.Contains(want, "?") {
		got, _, _ = strings.Cut(loc, "?")
	}
	if want != "" && got != want {
		b.t.Fatalf("POST %s redirected to %s, want %s", path, loc, want)
	}
	return loc
}

func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

// passkey is a software authenticator holding one credential.
type passkey struct {
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
}

type ceremonyJSON struct {
	Ceremony string          `json:"ceremony"`
	Options  json.RawMessage `json:"options"`
}

func (b *browser) begin(path string) ceremonyJSON {
	b.t.Helper()
	resp, body := b.postJSON(path, "{}")
	if resp.StatusCode != 200 {
		b.t.Fatalf("POST %s: status %d: %s", path, resp.StatusCode, body)
	}
	var c ceremonyJSON
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		b.t.Fatalf("POST %s: %v: %s", path, err, body)
	}
	return c
}

var enrolTokenRE = regexp.MustCompile(`/enrol/([A-Za-z0-9_-]+)`)

// enrol opens an enrolment link and registers a new passkey from it, which
// signs the browser in.
func (b *browser) enrol(link string) *passkey {
	b.t.Helper()
	m := enrolTokenRE.FindStringSubmatch(link)
	if m == nil {
		b.t.Fatalf("not an enrolment link: %q", link)
	}
	base := "/enrol/" + m[1]
	b.page(base)
	c := b.begin(base + "/begin")
	ao, err := virtualwebauthn.ParseAttestationOptions(string(c.Options))
	if err != nil {
		b.t.Fatal(err)
	}
	pk := &passkey{
		auth: virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte(ao.UserID)}),
		cred: passkeytest.NewCredential(b.t),
	}
	body := virtualwebauthn.CreateAttestationResponse(b.s.rp, pk.auth, pk.cred, *ao)
	resp, out := b.postJSON(base+"/finish?ceremony="+url.QueryEscape(c.Ceremony)+"&name=Laptop", body)
	if resp.StatusCode != 200 {
		b.t.Fatalf("finish enrolment: status %d: %s", resp.StatusCode, out)
	}
	pk.auth.AddCredential(pk.cred)
	return pk
}

// signIn signs the browser in with a passkey through /signin; it returns
// the finish response.
func (b *browser) signIn(pk *passkey) (*http.Response, string) {
	b.t.Helper()
	b.get("/signin")
	return b.finishSignIn(b.begin("/signin/begin"), pk)
}

// finishSignIn answers a sign-in ceremony with an assertion from pk.
func (b *browser) finishSignIn(c ceremonyJSON, pk *passkey) (*http.Response, string) {
	b.t.Helper()
	ao, err := virtualwebauthn.ParseAssertionOptions(string(c.Options))
	if err != nil {
		b.t.Fatal(err)
	}
	pk.cred.Counter++
	body := virtualwebauthn.CreateAssertionResponse(b.s.rp, pk.auth, pk.cred, *ao)
	return b.postJSON("/signin/finish?ceremony="+url.QueryEscape(c.Ceremony), body)
}

// signedInAs reports whom the browser's session belongs to, by asking the
// server ("" when not signed in).
func (b *browser) signedInAs() string {
	b.t.Helper()
	resp, body := b.get("/account")
	if resp.StatusCode == http.StatusSeeOther {
		return ""
	}
	m := regexp.MustCompile(`<dd id="my-name">([^<]*)</dd>`).FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		b.t.Fatalf("GET /account: status %d\n%.1000s", resp.StatusCode, body)
	}
	return m[1]
}

// syncBuffer is a log buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var (
	graphsOnce sync.Once
	graphs     *graphview.Renderer
	graphsErr  error
)

// testGraphs is one in-process graph renderer for the package's tests
// (Graphviz's WebAssembly instance is the process's anyway).
func testGraphs(t testing.TB) graphview.Drawer {
	graphsOnce.Do(func() { graphs, graphsErr = graphview.New(context.Background()) })
	if graphsErr != nil {
		t.Fatal(graphsErr)
	}
	return graphs
}
