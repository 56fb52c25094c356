package webtest_test

import (
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/webtest"
)

// balancer stands for the load balancer in front of several app servers:
// one public address, requests passed to the servers in turn — GETs in
// turn, and POSTs in turn on their own count, so two POSTs in a row (a
// passkey ceremony's begin and finish) always reach different servers. It
// keeps the Host header, as a balancer does, so the servers see their
// public address.
type balancer struct {
	backends []*httputil.ReverseProxy
	names    []string
	mu       sync.Mutex
	gets     int
	posts    int
	served   []string // "METHOD path -> server", in order
}

func newBalancer(t *testing.T, servers map[string]*webtest.Server, order []string) *balancer {
	t.Helper()
	b := &balancer{names: order}
	for _, name := range order {
		u, err := url.Parse(servers[name].URL)
		if err != nil {
			t.Fatal(err)
		}
		b.backends = append(b.backends, httputil.NewSingleHostReverseProxy(u))
	}
	return b
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	var i int
	if r.Method == http.MethodPost {
		i = b.posts % len(b.backends)
		b.posts++
	} else {
		i = b.gets % len(b.backends)
		b.gets++
	}
	b.served = append(b.served, r.Method+" "+r.URL.Path+" -> "+b.names[i])
	b.mu.Unlock()
	b.backends[i].ServeHTTP(w, r)
}

// servedBy is the server that answered the last request of method and
// path (a path prefix ending in "/" matches any below it).
func (b *balancer) servedBy(method, path string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.served) - 1; i >= 0; i-- {
		req, server, _ := strings.Cut(b.served[i], " -> ")
		m, p, _ := strings.Cut(req, " ")
		if m == method && (p == path || strings.HasSuffix(path, "/") && strings.HasPrefix(p, path) || strings.HasPrefix(path, "*") && strings.HasSuffix(p, path[1:])) {
			return server
		}
	}
	return ""
}

// TestTwoServersOneDatabase: two `upstand serve` processes share one
// PostgreSQL behind one public address. Started at the same moment on an
// empty database, they apply each migration once. A passkey registration
// begun on one finishes on the other, and so does a sign-in; a session
// made on one is valid on the other; signing out on one ends the session
// on both.
func TestTwoServersOneDatabase(t *testing.T) {
	dbURL := dbtest.EmptyURL(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	public := fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	servers := map[string]*webtest.Server{
		"A": webtest.LaunchServer(t, dbURL, public),
		"B": webtest.LaunchServer(t, dbURL, public),
	}
	servers["A"].WaitReady(t)
	servers["B"].WaitReady(t)

	// Each migration applied once.
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var applied, distinct int
	if err := db.QueryRow("SELECT count(*), count(DISTINCT name) FROM bun_migrations").Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "migrations", "*.up.sql"))
	if applied != distinct || applied != len(files) {
		t.Errorf("%d migrations recorded (%d distinct) for %d migration files", applied, distinct, len(files))
	}

	lb := newBalancer(t, servers, []string{"A", "B"})
	proxy := &http.Server{Handler: lb}
	go func() { _ = proxy.Serve(ln) }()
	t.Cleanup(func() { _ = proxy.Close() })

	out := servers["A"].Command(t, "admin", "create-org", "--name", "Twin Trust", "--admin-name", "Tam Admin", "--admin-email", "tam@twin.example")
	org := orgIDRE.FindStringSubmatch(out)
	if org == nil {
		t.Fatalf("no organisation id in:\n%s", out)
	}
	out = servers["B"].Command(t, "admin", "invite", "--org", org[1], "--name", "Lou Learner", "--email", "lou@twin.example")
	link := linkRE.FindString(out)
	if !strings.HasPrefix(link, public+"/enrol/") {
		t.Fatalf("no enrolment link on the public address in:\n%s", out)
	}

	ctx := webtest.Tab(t)
	webtest.AddAuthenticator(t, ctx)
	webtest.Do(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible("#enrol-form"),
		chromedp.SendKeys("#passkey-name", "Laptop"),
		chromedp.Click(`#enrol-form button[type="submit"]`),
		chromedp.WaitVisible("#my-name"))
	begin, finish := lb.servedBy("POST", "*/begin"), lb.servedBy("POST", "*/finish")
	if begin == "" || finish == "" || begin == finish {
		t.Errorf("the registration began on %q and finished on %q, want two servers", begin, finish)
	}

	// The session works on both: pages in a row alternate between them.
	for i := range 4 {
		webtest.Do(t, ctx, chromedp.Navigate(public+"/courses"), chromedp.WaitVisible(".cards"))
		if by := lb.servedBy("GET", "/courses"); by == "" {
			t.Fatalf("visit %d: the balancer did not see /courses", i)
		}
	}
	seen := map[string]bool{}
	lb.mu.Lock()
	for _, s := range lb.served {
		if strings.HasPrefix(s, "GET /courses -> ") {
			seen[strings.TrimPrefix(s, "GET /courses -> ")] = true
		}
	}
	lb.mu.Unlock()
	if !seen["A"] || !seen["B"] {
		t.Errorf("the signed-in catalogue was served by %v, want both servers", seen)
	}

	// Sign out through one; the old session cookie then fails on both.
	jar := webtest.Call(t, ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{public}}).Cookies
	var session *http.Cookie
	for _, c := range jar {
		if strings.Contains(c.Name, "session") {
			session = &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	if session == nil {
		t.Fatalf("no session cookie among %d", len(jar))
	}
	webtest.Do(t, ctx, chromedp.Click(`header form[action="/signout"] button`), chromedp.WaitVisible("#signin-form"))
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for name, s := range servers {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/courses", nil)
		req.AddCookie(session)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
			t.Errorf("server %s after sign-out: %d to %q, want 303 to /signin", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}

	// Signing in again: begun on one server, finished on the other.
	webtest.Do(t, ctx, chromedp.Click(`#signin-form button[type="submit"]`))
	webtest.WaitPath(t, ctx, "/")
	webtest.Do(t, ctx, chromedp.WaitVisible(".cards"))
	begin, finish = lb.servedBy("POST", "/signin/begin"), lb.servedBy("POST", "/signin/finish")
	if begin == "" || finish == "" || begin == finish {
		t.Errorf("the sign-in began on %q and finished on %q, want two servers", begin, finish)
	}
}
