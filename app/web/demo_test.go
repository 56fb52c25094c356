package web

import (
	"context"
	"crypto/rand"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// demoPerson adds someone to a new organisation and returns them with a
// demo link's path for them, as the demo start-up prints it.
func demoPerson(t *testing.T, s *testServer, name string) (store.Person, string) {
	t.Helper()
	ctx := context.Background()
	o := s.organisation(t, "Demo organisation")
	handle := make([]byte, 64)
	_, _ = rand.Read(handle)
	p, err := s.st.Org(o.ID).CreatePerson(ctx, store.NewPerson{Name: name, Email: "learner@demo.example", UserHandle: handle})
	if err != nil {
		t.Fatal(err)
	}
	link, err := s.auth.IssueDemoLink(ctx, org.Operator(s.st, o.ID, "demo"), p)
	if err != nil {
		t.Fatal(err)
	}
	path, ok := strings.CutPrefix(link, s.cfg.BaseURL.String())
	if !ok || !strings.HasPrefix(path, "/demo/") {
		t.Fatalf("demo link %q is not under the base URL's /demo/", link)
	}
	return p, path
}

var demoMode = serverOptions{env: map[string]string{"UPSTAND_DEMO": "true"}}

// TestDemoLinkSignsInOnce: opening a demo link only asks; the button
// (with its CSRF token) signs in on a demo session that every page
// announces; the link then works no more, and the token is never logged.
func TestDemoLinkSignsInOnce(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, demoMode)
	p, path := demoPerson(t, s, "Dana Demo")
	token := strings.TrimPrefix(path, "/demo/")

	v := s.browser(t)
	for range 2 { // looking twice uses nothing up
		v.page(path, "Sign in as Dana Demo", `<form method="post" action="`+path+`">`, `name="_csrf"`)
	}
	if v.session() != "" {
		t.Fatal("opening a demo link signed the browser in")
	}
	if resp, _ := v.postRaw(path, nil); resp.StatusCode != http.StatusForbidden || v.session() != "" {
		t.Fatalf("POST without a CSRF token: status %d, want 403 and no session", resp.StatusCode)
	}

	v.redirect(path, nil, "/")
	if got := v.signedInAs(); got != p.Name {
		t.Fatalf("signed in as %q, want %q", got, p.Name)
	}
	for _, page := range []string{"/", "/courses", "/account"} {
		v.page(page, `<div class="demo-banner" role="status">`, "<strong>Demo mode:</strong> you signed in without a passkey")
	}
	resp, body := v.get("/no-such-page")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, `class="demo-banner"`) {
		t.Errorf("error page: status %d, banner shown: %v", resp.StatusCode, strings.Contains(body, `class="demo-banner"`))
	}

	// Used up: another browser gets nowhere with it, nor does this one.
	w := s.browser(t)
	for _, b := range []*browser{w, v} {
		if resp, body := b.get(path); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "This demo link cannot be used") {
			t.Errorf("GET a used demo link: status %d\n%s", resp.StatusCode, clip(body))
		}
	}
	if resp, body := w.post(path, nil); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "This demo link cannot be used") {
		t.Errorf("POST a used demo link: status %d\n%s", resp.StatusCode, clip(body))
	}
	if w.session() != "" {
		t.Error("a used demo link signed a second browser in")
	}

	// Audited like any sign-in; the refusal too.
	actions := auditActionsOf(t, s, p.OrgID, store.AuditFilter{PersonID: &p.ID})
	if !slices.Contains(actions, "signin") || !slices.Contains(actions, "demo.link") {
		t.Errorf("audit log for the person: %v, want demo.link and signin", actions)
	}
	if !strings.Contains(s.logs.String(), "demo link unknown, used or expired") {
		t.Error("the refused second use is not logged")
	}
	if strings.Contains(s.logs.String(), token) {
		t.Errorf("the logs hold the demo token:\n%s", s.logs)
	}
	if !strings.Contains(s.logs.String(), "path=/demo/:token") {
		t.Errorf("the access log does not show the route:\n%s", s.logs)
	}

	// A passkey session shows no banner.
	x, _ := s.person(t, s.organisation(t, "Elm"), "Pat Passkey", false)
	if body := x.page("/courses"); strings.Contains(body, "demo-banner") {
		t.Error("a session without a demo link shows the demo banner")
	}
}

// TestDemoSessionIsRotated: signing in with a demo link over an existing
// session ends that session and starts a fresh one, as a passkey does.
func TestDemoSessionIsRotated(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, demoMode)
	p, path := demoPerson(t, s, "Dana Demo")
	v, _ := s.person(t, s.organisation(t, "Elm"), "Pat Passkey", false)
	before := v.session()
	v.page(path, "You are signed in as Pat Passkey")
	v.redirect(path, nil, "/")
	if after := v.session(); after == "" || after == before {
		t.Fatalf("session %q after the demo sign-in, %q before", after, before)
	}
	if sessionAlive(t, s, before) {
		t.Error("the earlier session survived the demo sign-in")
	}
	if got := v.signedInAs(); got != p.Name {
		t.Errorf("signed in as %q, want %q", got, p.Name)
	}
}

// TestNoDemoLinksWithoutDemoMode: without --demo there is no demo route,
// a link made anyway is a plain 404 that signs nobody in, and a demo
// session from an earlier demo run signs nobody in either.
func TestNoDemoLinksWithoutDemoMode(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	for _, r := range s.App().GetRoutes(true) {
		if strings.HasPrefix(r.Path, "/demo") {
			t.Errorf("route %s %s exists without demo mode", r.Method, r.Path)
		}
	}
	_, path := demoPerson(t, s, "Dana Demo")
	v := s.browser(t)
	if resp, body := v.get(path); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Sign in as") {
		t.Errorf("GET %s: status %d\n%s", path, resp.StatusCode, clip(body))
	}
	if resp, _ := v.post(path, nil); resp.StatusCode != http.StatusNotFound || v.session() != "" {
		t.Errorf("POST %s: status %d, session %q", path, resp.StatusCode, v.session())
	}
	if strings.Contains(s.logs.String(), strings.TrimPrefix(path, "/demo/")) {
		t.Errorf("the logs hold the demo token:\n%s", s.logs)
	}

	// A demo session still in the database is worthless without demo mode.
	p, _ := demoPerson(t, s, "Dana Demo")
	token, _, err := s.auth.StartDemoSession(context.Background(), p, "192.0.2.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	w := s.browser(t)
	w.setCookie(s.sessionCookie, token)
	if got := w.signedInAs(); got != "" {
		t.Errorf("a demo session works without demo mode: signed in as %q", got)
	}
}
