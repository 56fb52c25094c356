package web

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestHomePage(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	resp, body := s.do(t, httptest.NewRequest("GET", "/", nil))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{
		`<html lang="en-GB">`,
		`<a class="skip-link" href="#main">Skip to main content</a>`,
		`<main id="main"`,
		`<header`, `<footer`, `<nav`,
		`href="https://www.bbc.co.uk/weather" data-quick-exit`,
		`>Leave this site</a>`,
		`<title>Practise the conversations that matter – Upstand</title>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %s", want)
		}
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "style=") {
		t.Error("home page has inline script or style, which the CSP blocks")
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q is not strict", csp)
	}
	for h, want := range map[string]string{
		"Referrer-Policy":        "same-origin",
		"X-Frame-Options":        "DENY",
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "no-store",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if resp.Header.Get("X-Request-ID") == "" {
		t.Error("no request id")
	}
}

func TestAssetsAreHashedAndCached(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	_, body := s.do(t, httptest.NewRequest("GET", "/", nil))
	m := regexp.MustCompile(`href="(/assets/css/app\.[0-9a-f]{12}\.css)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no hashed stylesheet link on the home page")
	}
	resp, css := s.do(t, httptest.NewRequest("GET", m[1], nil))
	if resp.StatusCode != 200 || !strings.Contains(css, ".quick-exit") {
		t.Fatalf("stylesheet: status %d", resp.StatusCode)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control %q", cc)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type %q", ct)
	}
	if resp, _ := s.do(t, httptest.NewRequest("GET", "/assets/css/app.css", nil)); resp.StatusCode != 404 {
		t.Errorf("unhashed asset name: status %d, want 404", resp.StatusCode)
	}
}

func TestErrorsByAccept(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	resp, body := s.do(t, httptest.NewRequest("GET", "/no/such/page", nil))
	if resp.StatusCode != 404 || !strings.Contains(body, "<h1>Page not found</h1>") || !strings.Contains(body, "Leave this site") {
		t.Errorf("HTML 404: status %d body %.200s", resp.StatusCode, body)
	}
	req := httptest.NewRequest("GET", "/no/such/page", nil)
	req.Header.Set("Accept", "application/json")
	resp, body = s.do(t, req)
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !strings.Contains(body, `"status":404`) {
		t.Errorf("JSON 404: status %d type %q body %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

func TestPanicBecomesLogged500(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	s.ready = func(context.Context) error { panic("kaboom") }
	resp, body := s.do(t, httptest.NewRequest("GET", "/readyz", nil))
	if resp.StatusCode != 500 {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	if strings.Contains(body, "kaboom") {
		t.Error("panic value leaked into the page")
	}
	if n := strings.Count(s.logs.String(), "request failed"); n != 1 {
		t.Errorf("error logged %d times, want once:\n%s", n, s.logs)
	}
	if !strings.Contains(s.logs.String(), "kaboom") {
		t.Error("the panic is not in the log")
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	ok := newTestServer(t, serverOptions{})
	if resp, body := ok.do(t, httptest.NewRequest("GET", "/healthz", nil)); resp.StatusCode != 200 || !strings.Contains(body, "ok") {
		t.Errorf("healthz: %d %s", resp.StatusCode, body)
	}
	if resp, _ := ok.do(t, httptest.NewRequest("GET", "/readyz", nil)); resp.StatusCode != 200 {
		t.Errorf("readyz when ready: %d", resp.StatusCode)
	}
	down := newTestServer(t, serverOptions{})
	down.ready = func(context.Context) error { return errors.New("db: cannot reach PostgreSQL at secret-host:5432") }
	if resp, _ := down.do(t, httptest.NewRequest("GET", "/healthz", nil)); resp.StatusCode != 200 {
		t.Errorf("healthz must not depend on the database: %d", resp.StatusCode)
	}
	resp, body := down.do(t, httptest.NewRequest("GET", "/readyz", nil))
	if resp.StatusCode != 503 {
		t.Errorf("readyz when not ready: %d", resp.StatusCode)
	}
	if strings.Contains(body, "secret-host") || !strings.Contains(down.logs.String(), "secret-host") {
		t.Errorf("the reason belongs in the log, not the response: body %s", body)
	}
}

// TestBodyLimit goes through a real listener: fasthttp refuses an oversized
// body while reading the request, before any handler runs.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{env: map[string]string{"UPSTAND_BODY_LIMIT": "8192"}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.App().Listener(ln) }()
	t.Cleanup(func() { _ = s.Shutdown() })
	resp, err := http.Post("http://"+ln.Addr().String()+"/", "text/plain", bytes.NewReader(bytes.Repeat([]byte("a"), 64<<10)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != fiber.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: status %d, want 413", resp.StatusCode)
	}
}
