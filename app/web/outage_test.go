package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/upstand/upstand/app/dbtest"
)

// TestDatabaseOutage cuts the test database off for real — its
// connections terminated and new ones refused, as when PostgreSQL is
// restarting or fails over — and checks every way in answers 503 with the
// request id and Retry-After, not a 500 and not the CSRF refusal: a
// signed-in page, a signed-in form, and an anonymous page and forms whose
// only use of the database is the CSRF token's storage. Once the database
// is back, the same browsers carry on where they were.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	learner, _ := s.person(t, s.organisation(t, "Ash Trust"), "Olu Outage", false)
	learner.page("/courses")
	anon := s.browser(t)
	anon.page("/signin")
	learnerToken, anonToken := learner.token(), anon.token()

	restore := dbtest.Cut(t, s.owner)

	check := func(what string, resp *http.Response, body string, json bool) {
		t.Helper()
		id := resp.Header.Get("X-Request-ID")
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("%s: status %d, want 503\n%s", what, resp.StatusCode, clip(body))
			return
		}
		if id == "" || !strings.Contains(body, id) {
			t.Errorf("%s: the request id %q is not in the response:\n%s", what, id, clip(body))
		}
		if resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", what)
		}
		if !json && !strings.Contains(body, "briefly unavailable") {
			t.Errorf("%s: the page does not say the service is briefly unavailable:\n%s", what, clip(body))
		}
		if json && !strings.Contains(body, `"status":503`) {
			t.Errorf("%s: JSON %s", what, body)
		}
		if !strings.Contains(s.logs.String(), "request_id="+id) || !strings.Contains(s.logs.String(), "status=503") {
			t.Errorf("%s: the outage is not logged with the request id", what)
		}
	}
	resp, body := learner.get("/courses")
	check("signed-in page", resp, body, false)
	resp, body = learner.postRaw("/courses/microaggressions/start", url.Values{"_csrf": {learnerToken}})
	check("signed-in form", resp, body, false)
	resp, body = anon.get("/signin")
	check("anonymous page (the CSRF token's read)", resp, body, false)
	resp, body = anon.postRaw("/signout", url.Values{"_csrf": {anonToken}})
	check("anonymous form (the CSRF token's check)", resp, body, false)
	resp, body = anon.postJSON("/signin/begin", "{}")
	check("sign-in script", resp, body, true)
	if strings.Contains(s.logs.String(), "csrf refused") {
		t.Errorf("an outage was taken for a CSRF attack:\n%s", s.logs)
	}

	// The outage changed nothing the browsers hold: the learner is still
	// signed in, and the form token on the page the anonymous browser has
	// open still works.
	restore()
	if got := anon.cookie(s.csrfCookie); got != anonToken {
		t.Errorf("the CSRF cookie changed during the outage: %q, was %q", got, anonToken)
	}
	anon.begin("/signin/begin")
	learner.page("/courses", "Olu Outage")
}
