package web

import "testing"

// TestEnrolPageKeepsTheSameOriginReferrer: the enrolment page's own POSTs
// (begin and finish) must carry a same-origin Referer, or Fiber's CSRF
// check refuses them whenever the site is served over https. The site-wide
// same-origin policy already keeps the token in its URL from other sites.
func TestEnrolPageKeepsTheSameOriginReferrer(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Elm")
	resp, _ := s.browser(t).get("/enrol/" + a.InviteToken)
	if resp.StatusCode != 200 {
		t.Fatalf("enrolment page: %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Referrer-Policy"); got != "same-origin" {
		t.Errorf("Referrer-Policy %q on the enrolment page, want same-origin", got)
	}
}
