package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

func TestRedactSecrets(t *testing.T) {
	t.Parallel()
	const tok = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWo"
	for _, tc := range []struct{ in, want string }{
		{"/enrol/" + tok, "/enrol/:token"},
		{"/enrol/" + tok + "/begin", "/enrol/:token/begin"},
		{"/enrol/" + tok + "/finish?ceremony=x", "/enrol/:token/finish?ceremony=x"},
		{"/ENROL/" + tok, "/enrol/:token"},
		{"//enrol//" + tok + "/", "/enrol/:token/"},
		{"/Demo/" + tok, "/demo/:token"},
		{"/verify/ABCD-EFGH-JKLM", "/verify/:code"},
		{"/%65nrol/" + tok, "/enrol/:token"},
		{"/enrol%2F" + tok, "/enrol/:token"},
		{"/%2565nrol/" + tok, "/enrol/:token"},
		{"/%zz/../enrol/" + tok, "/%zz/../enrol/:token"},
		{`Get "https://learn.example:8443/enrol/` + tok + `": refused`, `Get "https://learn.example:8443/enrol/:token": refused`},
		{"links /demo/a and /demo/b", "links /demo/:token and /demo/:token"},
		{"/enrol/:token/begin", "/enrol/:token/begin"},
		{"/courses/demo", "/courses/demo"},
		{"/enrol/", "/enrol/"},
		{"/home/me/demo/var/postgres", "/home/me/demo/var/postgres"},
		{"no path at all", "no path at all"},
	} {
		if got := redactSecrets(tc.in); got != tc.want {
			t.Errorf("redactSecrets(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestLogHandler: the message, strings, errors, Stringers and groups are
// redacted, attributes bound with With too; a line logged with a
// request's context carries its id.
func TestLogHandler(t *testing.T) {
	t.Parallel()
	var buf strings.Builder
	log := slog.New(LogHandler(slog.NewTextHandler(&buf, nil))).With("bound", "/demo/secret1")
	ctx := context.WithValue(context.Background(), requestIDContext{}, "rid123")
	log.WarnContext(ctx, "refused /enrol/secret2", "err", fmt.Errorf("open /enrol/secret3: nope"),
		"url", mustURL(t, "http://localhost/verify/secret4"), slog.Group("g", "p", "/enrol/secret5"))
	out := buf.String()
	if strings.Contains(out, "secret") {
		t.Errorf("a secret reached the log: %s", out)
	}
	if !strings.Contains(out, "request_id=rid123") {
		t.Errorf("no request id from the context: %s", out)
	}
	if _, twice := LogHandler(LogHandler(slog.NewTextHandler(io.Discard, nil))).(*logHandler).next.(*logHandler); twice {
		t.Error("LogHandler wrapped an already wrapped handler")
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// secretRoute is a route whose path carries a secret.
type secretRoute struct {
	name   string // as Fiber registers it
	method string
	path   string // with %s for the secret
	group  string // rate-limit group
}

var secretRoutes = []secretRoute{
	{"GET /enrol/:token", "GET", "/enrol/%s", "enrol"},
	{"POST /enrol/:token/begin", "POST", "/enrol/%s/begin", "enrol"},
	{"POST /enrol/:token/finish", "POST", "/enrol/%s/finish?ceremony=bogus&name=Laptop", "enrol"},
	{"GET /demo/:token", "GET", "/demo/%s", "demo"},
	{"POST /demo/:token", "POST", "/demo/%s", "demo"},
	{"GET /verify/:code", "GET", "/verify/%s", "verify"},
}

// TestEverySecretRouteIsCovered: a route with a :token or :code parameter
// must be in secretRoutes, and redactSecrets must hide its secret.
func TestEverySecretRouteIsCovered(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, demoMode)
	known := map[string]bool{}
	for _, r := range secretRoutes {
		known[r.name] = true
	}
	for _, r := range s.App().GetRoutes(true) {
		if r.Method == http.MethodHead {
			continue
		}
		for _, p := range r.Params {
			if p != "token" && p != "code" {
				continue
			}
			if !known[r.Method+" "+r.Path] {
				t.Errorf("%s %s carries a secret and is not in secretRoutes", r.Method, r.Path)
			}
			path := strings.Replace(r.Path, ":"+p, "s3cr3t", 1)
			if strings.Contains(redactSecrets(path), "s3cr3t") {
				t.Errorf("%s %s: redactSecrets(%q) keeps the secret", r.Method, r.Path, path)
			}
		}
	}
}

// TestNoLogLineHoldsASecret sends every route that carries a secret in
// its path every way a request can end — it works (200, 303), it cannot
// be read (400: a malformed request, a bad ceremony; 501: an unknown
// method),
// it is refused before any route runs (403: no CSRF token, a cross-site
// fetch), the secret is unknown (404), the body or the headers are too
// large for fasthttp (413, 431), the database fails (500) or is gone
// (503), too many tries (429) — and checks that each answer is logged,
// with its request id, and that no log line holds any secret used.
func TestNoLogLineHoldsASecret(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{env: map[string]string{"UPSTAND_DEMO": "true", "UPSTAND_BODY_LIMIT": "16384"}})
	a := s.newTenant(t, "Rowan")
	ctx := context.Background()
	var secrets []string
	n := 0
	invite := func() string {
		n++
		_, link, err := s.org.Invite(ctx, s.operator(a.Org.ID), store.PersonDetails{Name: fmt.Sprintf("Rowan Person %d", n),
			Email: fmt.Sprintf("person%d@rowan.example", n)})
		if err != nil {
			t.Fatal(err)
		}
		tok := enrolTokenRE.FindStringSubmatch(link.URL)[1]
		secrets = append(secrets, tok)
		return tok
	}
	demo := func() string {
		link, err := s.auth.IssueDemoLink(ctx, org.Operator(s.st, a.Org.ID, "demo"), a.Member)
		if err != nil {
			t.Fatal(err)
		}
		tok := link[strings.LastIndex(link, "/")+1:]
		secrets = append(secrets, tok)
		return tok
	}
	unknown := func() string {
		var b [32]byte
		_, _ = rand.Read(b[:])
		tok := base64.RawURLEncoding.EncodeToString(b[:])
		secrets = append(secrets, tok)
		return tok
	}
	secrets = append(secrets, a.InviteToken, *a.Course.Completion.CertificateCode)
	// valid is a secret that works on the route.
	valid := func(r secretRoute) string {
		switch r.group {
		case "enrol":
			return invite()
		case "demo":
			return demo()
		}
		return *a.Course.Completion.CertificateCode
	}

	addr := listen(t, s)
	raw := func(request string) *http.Response {
		t.Helper()
		resp, _ := rawRequest(t, addr, request)
		return resp
	}

	anon := s.browser(t)
	anon.get("/signin")
	// send makes the request a browser would, with a CSRF token.
	send := func(b *browser, r secretRoute, secret string, headers ...string) *http.Response {
		t.Helper()
		path := fmt.Sprintf(r.path, secret)
		if r.method == "GET" {
			resp, _ := b.get(path, headers...)
			return resp
		}
		if r.group == "enrol" {
			req := httptest.NewRequest("POST", path, strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json")
			req.Header.Set("X-CSRF-Token", b.token())
			setHeaders(req, headers)
			resp, _ := b.do(req)
			return resp
		}
		resp, _ := b.post(path, nil, headers...)
		return resp
	}
	seen := map[string]bool{}
	check := func(what string, resp *http.Response, want int) {
		t.Helper()
		key := fmt.Sprintf("%d %s", want, what)
		seen[key] = true
		if resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d", what, resp.StatusCode, want)
		}
		id := resp.Header.Get("X-Request-ID")
		logs := s.logs.String()
		if id == "" || !regexp.MustCompile(`msg=request .*status=`+fmt.Sprint(resp.StatusCode)+` .*request_id=`+id).MatchString(logs) {
			t.Errorf("%s: no access-log line with the request id %q", what, id)
		}
		for _, sec := range secrets {
			if strings.Contains(logs, sec) {
				t.Fatalf("%s: the log holds the secret %s:\n%s", what, sec, logs)
			}
		}
	}

	// It works.
	v := s.browser(t)
	v.enrol("/enrol/" + invite()) // the page, begin and finish: each fails the test unless 200
	for _, r := range secretRoutes {
		if r.group == "enrol" {
			seen["200 "+r.name] = true
		}
	}
	check("GET /demo/:token", send(anon, secretRoutes[3], demo()), 200)
	check("POST /demo/:token", send(s.browser(t), secretRoutes[4], demo()), http.StatusSeeOther)
	check("GET /verify/:code", send(anon, secretRoutes[5], *a.Course.Completion.CertificateCode), 200)
	resp, _ := anon.get("/verify?code=" + *a.Course.Completion.CertificateCode)
	check("GET /verify?code=", resp, http.StatusSeeOther)

	for _, r := range secretRoutes {
		// 400: a request fasthttp cannot parse; 501: a method Fiber does
		// not know; both with a secret that works.
		path := fmt.Sprintf(r.path, valid(r))
		check(r.name+" malformed", raw(r.method+" "+path+" HTTP/1.1\r\nHost: localhost\r\nContent-Length: x\r\n\r\n"), 400)
		check(r.name+" unknown method", raw("BREW "+path+" HTTP/1.1\r\nHost: localhost\r\n\r\n"), 501)
		// 413 and 431, before any middleware.
		check(r.name+" body too large", raw(r.method+" "+path+" HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
			"Content-Length: 32768\r\n\r\n"+strings.Repeat("a", 32<<10)), 413)
		check(r.name+" headers too large", raw(r.method+" "+path+" HTTP/1.1\r\nHost: localhost\r\nX-Padding: "+strings.Repeat("a", 20<<10)+"\r\n\r\n"), 431)
		check(r.name+" address too long", raw(r.method+" "+path+"?"+strings.Repeat("a", 20<<10)+" HTTP/1.1\r\nHost: localhost\r\n\r\n"), 431)
		// 404: a secret that does not work.
		if r.name == "GET /verify/:code" {
			check(r.name+" unknown", send(anon, r, "ZZZZ-ZZZZ-ZZZZ"), 404)
			secrets = append(secrets, "ZZZZ-ZZZZ-ZZZZ")
		} else {
			check(r.name+" unknown", send(anon, r, unknown()), 404)
		}
		if r.method != "POST" {
			continue
		}
		// 403: refused by the CSRF check or the same-origin check, before
		// the route runs.
		resp, _ := anon.postRaw(fmt.Sprintf(r.path, valid(r)), url.Values{})
		check(r.name+" without a CSRF token", resp, 403)
		check(r.name+" cross-site", send(anon, r, valid(r), "Sec-Fetch-Site", "cross-site"), 403)
	}
	// 400 from the application: a passkey answer that is not one.
	check("POST /enrol/:token/finish bad ceremony", send(anon, secretRoutes[2], invite()), 400)

	// 500: the tables behind the secrets are broken.
	tables := []string{"invites", "demo_links", "certificates"}
	for _, tb := range tables {
		if _, err := s.owner.ExecContext(ctx, "ALTER TABLE "+tb+" RENAME TO broken_"+tb); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range secretRoutes {
		check(r.name+" broken database", send(anon, r, anyToken(r, a)), 500)
	}
	for _, tb := range tables {
		if _, err := s.owner.ExecContext(ctx, "ALTER TABLE broken_"+tb+" RENAME TO "+tb); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(s.logs.String(), "request failed") {
		t.Error("the 500s are not logged as failures")
	}

	// 503: the database is gone.
	fresh := map[string]string{}
	for _, r := range secretRoutes {
		fresh[r.name] = valid(r)
	}
	restore := dbtest.Cut(t, s.owner)
	for _, r := range secretRoutes {
		check(r.name+" database outage", send(anon, r, fresh[r.name]), 503)
	}
	restore()

	// 429: too many tries from one address.
	for _, r := range secretRoutes {
		secret := valid(r)
		var last *http.Response
		for range 70 {
			req := httptest.NewRequest("GET", fmt.Sprintf(secretRoutes[map[string]int{"enrol": 0, "demo": 3, "verify": 5}[r.group]].path, unknown()), nil)
			if last = mustDo(t, s, req); last.StatusCode == http.StatusTooManyRequests {
				break
			}
		}
		check(r.name+" rate limited", send(anon, r, secret), 429)
	}

	for _, r := range secretRoutes {
		for _, st := range []int{400, 404, 413, 429, 431, 500, 503} {
			found := false
			for k := range seen {
				if strings.HasPrefix(k, fmt.Sprintf("%d %s", st, r.name)) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: no case ends in %d", r.name, st)
			}
		}
	}
}

// anyToken is a secret for r while its table is broken: the certificate
// code, or any token (looking it up fails first).
func anyToken(r secretRoute, a *tenant) string {
	if r.group == "verify" {
		return *a.Course.Completion.CertificateCode
	}
	return a.InviteToken
}

func mustDo(t *testing.T, s *testServer, req *http.Request) *http.Response {
	t.Helper()
	resp, _ := s.do(t, req)
	return resp
}
