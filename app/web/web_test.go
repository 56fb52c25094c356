package web

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/auth"
	"github.com/upstand/upstand/app/config"
	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/store"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// newTestServer builds the web layer with the real embedded templates, the
// repository's assets and a fresh database; ready is what /readyz will see.
func newTestServer(t *testing.T, ready error) (*Server, *bytes.Buffer) {
	t.Helper()
	s, logs, _ := newTestServerClock(t, ready)
	return s, logs
}

func newTestServerClock(t *testing.T, ready error) (*Server, *bytes.Buffer, *testClock) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	build := config.FlagSet(fs, func(string) (string, bool) { return "", false })
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	cfg, err := build()
	if err != nil {
		t.Fatal(err)
	}
	cfg.BodyLimit = 8 << 10
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	clock := &testClock{t: time.Now().UTC().Truncate(time.Microsecond)}
	st := store.New(dbtest.New(t))
	identity, err := auth.New(st, auth.DefaultConfig(cfg.BaseURL), clock.Now, log)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Deps{
		Config: cfg,
		Log:    log,
		Assets: os.DirFS("../../assets"),
		Ready:  func(context.Context) error { return ready },
		Now:    clock.Now,
		Store:  st,
		Auth:   identity,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, &logs.Buffer, clock
}

func do(t *testing.T, s *Server, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

func TestHomePage(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, nil)
	resp, body := do(t, s, httptest.NewRequest("GET", "/", nil))
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
	s, _ := newTestServer(t, nil)
	_, body := do(t, s, httptest.NewRequest("GET", "/", nil))
	m := regexp.MustCompile(`href="(/assets/css/app\.[0-9a-f]{12}\.css)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no hashed stylesheet link on the home page")
	}
	resp, css := do(t, s, httptest.NewRequest("GET", m[1], nil))
	if resp.StatusCode != 200 || !strings.Contains(css, ".quick-exit") {
		t.Fatalf("stylesheet: status %d", resp.StatusCode)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control %q", cc)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type %q", ct)
	}
	if resp, _ := do(t, s, httptest.NewRequest("GET", "/assets/css/app.css", nil)); resp.StatusCode != 404 {
		t.Errorf("unhashed asset name: status %d, want 404", resp.StatusCode)
	}
}

func TestErrorsByAccept(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, nil)
	resp, body := do(t, s, httptest.NewRequest("GET", "/no/such/page", nil))
	if resp.StatusCode != 404 || !strings.Contains(body, "<h1>Not Found</h1>") || !strings.Contains(body, "Leave this site") {
		t.Errorf("HTML 404: status %d body %.200s", resp.StatusCode, body)
	}
	req := httptest.NewRequest("GET", "/no/such/page", nil)
	req.Header.Set("Accept", "application/json")
	resp, body = do(t, s, req)
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !strings.Contains(body, `"status":404`) {
		t.Errorf("JSON 404: status %d type %q body %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

func TestPanicBecomesLogged500(t *testing.T) {
	t.Parallel()
	s, logs := newTestServer(t, nil)
	s.ready = func(context.Context) error { panic("kaboom") }
	resp, body := do(t, s, httptest.NewRequest("GET", "/readyz", nil))
	if resp.StatusCode != 500 {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	if strings.Contains(body, "kaboom") {
		t.Error("panic value leaked into the page")
	}
	if n := strings.Count(logs.String(), "request failed"); n != 1 {
		t.Errorf("error logged %d times, want once:\n%s", n, logs)
	}
	if !strings.Contains(logs.String(), "kaboom") {
		t.Error("the panic is not in the log")
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	ok, _ := newTestServer(t, nil)
	if resp, body := do(t, ok, httptest.NewRequest("GET", "/healthz", nil)); resp.StatusCode != 200 || !strings.Contains(body, "ok") {
		t.Errorf("healthz: %d %s", resp.StatusCode, body)
	}
	if resp, _ := do(t, ok, httptest.NewRequest("GET", "/readyz", nil)); resp.StatusCode != 200 {
		t.Errorf("readyz when ready: %d", resp.StatusCode)
	}
	down, logs := newTestServer(t, errors.New("db: cannot reach PostgreSQL at secret-host:5432"))
	if resp, _ := do(t, down, httptest.NewRequest("GET", "/healthz", nil)); resp.StatusCode != 200 {
		t.Errorf("healthz must not depend on the database: %d", resp.StatusCode)
	}
	resp, body := do(t, down, httptest.NewRequest("GET", "/readyz", nil))
	if resp.StatusCode != 503 {
		t.Errorf("readyz when not ready: %d", resp.StatusCode)
	}
	if strings.Contains(body, "secret-host") || !strings.Contains(logs.String(), "secret-host") {
		t.Errorf("the reason belongs in the log, not the response: body %s", body)
	}
}

// TestBodyLimit goes through a real listener: fasthttp refuses an oversized
// body while reading the request, before any handler runs.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, nil)
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

// testClock is an injectable clock tests move forward.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// syncBuffer is a log buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}
