package web

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/passkeytest"
)

// withRequestID gives a request an id as frame does, for tests that build
// a Fiber app of their own around the error handler.
func withRequestID(c *fiber.Ctx) error {
	c.Locals(requestIDKey, "test-request-id")
	c.Set(fiber.HeaderXRequestID, "test-request-id")
	return c.Next()
}

// listen serves s on a real listener, for requests app.Test cannot send
// (fasthttp refuses to hand app.Test an oversized body, and a malformed
// request cannot be an *http.Request); it returns the address.
func listen(t *testing.T, s *testServer) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.App().Listener(ln) }()
	t.Cleanup(func() { _ = s.Shutdown() })
	return ln.Addr().String()
}

// rawRequest writes request to addr as it is and reads the response. A
// request left unfinished is answered when the server's read timeout ends
// it: the read waits for that answer, nothing sleeps.
func rawRequest(t *testing.T, addr, request string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%.80q: %v", request, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// TestEveryResponseIsFramed: whatever answers a request — a handler, the
// error handler, Fiber before any middleware (an unknown method), or
// fasthttp before Fiber (a body over the limit, headers or an address too
// long, a malformed request, a read timeout), a static file, or a path of
// more segments than any route has — the response carries a
// request id and every security header, an error page shows the id, and
// the access log has one line with that id and the status. HSTS is sent
// exactly when the base URL is https, though the request arrives over
// plain http (TLS ended at a proxy).
func TestEveryResponseIsFramed(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"http://localhost:8080", "https://learn.framed.example"} {
		t.Run(base, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, serverOptions{env: map[string]string{"UPSTAND_BASE_URL": base, "UPSTAND_BODY_LIMIT": "8192"}})
			s.App().Server().ReadTimeout = 500 * time.Millisecond
			addr := listen(t, s)
			secure := strings.HasPrefix(base, "https:")
			_, home := s.do(t, httptest.NewRequest("GET", "/", nil))
			asset := regexp.MustCompile(`/assets/css/app\.[0-9a-f]{12}\.css`).FindString(home)
			if asset == "" {
				t.Fatal("no stylesheet on the home page")
			}
			const get = "GET / HTTP/1.1\r\nHost: localhost\r\nAccept: text/html\r\n"
			for _, tc := range []struct {
				name    string
				request string
				status  int
			}{
				{"a page", get + "\r\n", 200},
				{"no such page", "GET /no-such-page HTTP/1.1\r\nHost: localhost\r\n\r\n", 404},
				{"body too large", "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 16384\r\n\r\n" +
					strings.Repeat("a", 16384), 413},
				{"headers too large", get + "X-Padding: " + strings.Repeat("a", 20<<10) + "\r\n\r\n", 431},
				{"address too long", "GET /?q=" + strings.Repeat("a", 20<<10) + " HTTP/1.1\r\nHost: localhost\r\n\r\n", 431},
				{"malformed", get + "Content-Length: many\r\n\r\n", 400},
				{"unknown method", "BREW / HTTP/1.1\r\nHost: localhost\r\n\r\n", 501},
				{"read timeout (headers never finished)", get, 408},
				{"a static file", "GET " + asset + " HTTP/1.1\r\nHost: localhost\r\n\r\n", 200},
				{"no such static file", "GET /assets/css/app.000000000000.css HTTP/1.1\r\nHost: localhost\r\n\r\n", 404},
				{"31+ path segments", "GET /" + strings.Repeat("a/", 40) + "b HTTP/1.1\r\nHost: localhost\r\n\r\n", 404},
				{"31+ path segments in the signed-in part", "GET /admin/people/" + strings.Repeat("x/", 40) + "edit HTTP/1.1\r\nHost: localhost\r\n\r\n", 303},
			} {
				resp, body := rawRequest(t, addr, tc.request)
				checkFrame(t, s, tc.name, resp, body, tc.status, secure)
			}
			// A panic and a database that is not ready, through app.Test.
			s.ready = func(context.Context) error { panic("kaboom") }
			resp, body := s.do(t, httptest.NewRequest("GET", "/readyz", nil))
			checkFrame(t, s, "panic", resp, body, 500, secure)
		})
	}
}

// checkFrame checks one response's frame (see TestEveryResponseIsFramed).
func checkFrame(t *testing.T, s *testServer, what string, resp *http.Response, body string, status int, secure bool) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("%s: status %d, want %d\n%s", what, resp.StatusCode, status, clip(body))
	}
	id := resp.Header.Get("X-Request-ID")
	if id == "" {
		t.Errorf("%s: no X-Request-ID", what)
	}
	for _, h := range securityHeaders(true) {
		got := resp.Header.Get(h[0])
		if h[0] == fiber.HeaderStrictTransportSecurity && !secure {
			if got != "" {
				t.Errorf("%s: HSTS %q over an http base URL", what, got)
			}
			continue
		}
		if got != h[1] {
			t.Errorf("%s: %s = %q, want %q", what, h[0], got, h[1])
		}
	}
	if status >= 400 && status != 404 && !strings.Contains(body, id) {
		t.Errorf("%s: the error page does not show the request id %s\n%s", what, id, clip(body))
	}
	line := regexp.MustCompile(`(?m)^.*msg=request .*status=` + regexp.QuoteMeta(resp.Status[:3]) + ` .*request_id=` + id + `$`)
	if n := len(line.FindAllString(s.logs.String(), -1)); id != "" && n != 1 {
		t.Errorf("%s: %d access-log lines with the request id %s, want 1", what, n, id)
	}
}

// TestRefusalsCarryTheRequestID: the identity service logs refused
// sign-ins and enrolments with the request's context, and the line
// carries the id of the request that was refused — a demo link that does
// not work, a passkey the server does not know, and an enrolment answered
// for another origin, whose line names that reason and not the link's
// token.
func TestRefusalsCarryTheRequestID(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, demoMode)
	v := s.browser(t)
	v.page("/signin")
	resp, _ := v.post("/demo/not-a-demo-token", nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown demo link: status %d", resp.StatusCode)
	}
	refused := func(msg, id string) bool {
		return regexp.MustCompile(`msg="` + msg + `" .*request_id=` + id + `\b`).MatchString(s.logs.String())
	}
	if id := resp.Header.Get("X-Request-ID"); !refused("sign-in refused", id) {
		t.Errorf("no sign-in refusal with the request id %s:\n%s", id, s.logs)
	}

	stranger := &passkey{cred: passkeytest.NewCredential(t)}
	stranger.auth = virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte("nobody-we-know")})
	stranger.auth.AddCredential(stranger.cred)
	resp, body := v.signIn(stranger)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unknown passkey: status %d %s", resp.StatusCode, body)
	}
	if id := resp.Header.Get("X-Request-ID"); !refused("sign-in refused", id) {
		t.Errorf("no sign-in refusal with the request id %s:\n%s", id, s.logs)
	}

	a := s.newTenant(t, "Aspen")
	link := "/enrol/" + a.InviteToken
	v.page(link)
	c := v.begin(link + "/begin")
	ao, err := virtualwebauthn.ParseAttestationOptions(string(c.Options))
	if err != nil {
		t.Fatal(err)
	}
	evil := s.rp
	evil.Origin = "https://upstand.example.net"
	au := virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte(ao.UserID)})
	resp, body = v.postJSON(link+"/finish?ceremony="+url.QueryEscape(c.Ceremony),
		virtualwebauthn.CreateAttestationResponse(evil, au, passkeytest.NewCredential(t), *ao))
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("enrolment from another origin: status %d %s", resp.StatusCode, body)
	}
	if id := resp.Header.Get("X-Request-ID"); !refused(`enrolment refused" reason="foreign origin`, id) {
		t.Errorf("no enrolment refusal for the foreign origin with the request id %s:\n%s", id, s.logs)
	}
	if strings.Contains(s.logs.String(), a.InviteToken) {
		t.Errorf("the log holds the enrolment token:\n%s", s.logs)
	}
}
