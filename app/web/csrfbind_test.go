package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCSRFTokenIsBoundToTheSession: with a victim's session cookie, a
// CSRF cookie and token that are a valid pair — but another session's,
// or one picked up signed out from GET /signin — are refused, as is the
// victim's own token sent in the URL's query instead of the body or a
// header. Nothing changes. The victim's own token, in the body or the
// header, works.
func TestCSRFTokenIsBoundToTheSession(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Hazel")

	// The attacker's pairs: a session of their own, and a signed-out one.
	other := s.browser(t)
	if resp, _ := other.signIn(a.memberKey); resp.StatusCode != 200 {
		t.Fatal("the other browser's sign-in")
	}
	otherToken := other.token()
	anon := s.browser(t)
	anon.page("/signin")
	anonToken := anon.token()
	victim := a.adminV
	victimToken := victim.token()
	for name, tok := range map[string]string{"other session": otherToken, "signed out": anonToken} {
		if tok == "" || tok == victimToken {
			t.Fatalf("%s: token %q, the victim's %q", name, tok, victimToken)
		}
	}

	// The victim's own token in the header works (as passkey.js sends it);
	// the forgeries below are refused for what they are, not for the route.
	req := []string{"X-CSRF-Token", victimToken}
	if resp, body := victim.postRaw("/admin/teams", url.Values{"name": {"Genuine team"}}, req...); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the victim's token in the header: status %d\n%.500s", resp.StatusCode, body)
	}

	for _, tc := range []struct {
		name, path string
		form       url.Values
		ok         int
	}{
		{"create a team", "/admin/teams", url.Values{"name": {"Forged team"}}, http.StatusSeeOther},
		{"edit a person", "/admin/people/{member}", url.Values{"name": {"Forged Name"}, "email": {"forged@example.org"}, "org_admin": {"1"}}, http.StatusSeeOther},
		{"deactivate", "/admin/people/{member}/deactivate", nil, http.StatusSeeOther},
		{"sign out everywhere", "/account/signout-everywhere", nil, http.StatusSeeOther},
	} {
		path, form := a.fill(tc.path), a.fillForm(tc.form)
		with := func(token string) url.Values { return withToken(form, token) }
		before := a.snapshot(t, s)
		for _, attack := range []struct {
			name              string
			cookie, bodyToken string
			query             string
			header            string
		}{
			{name: "another session's pair", cookie: otherToken, bodyToken: otherToken},
			{name: "another session's pair, in the header", cookie: otherToken, header: otherToken},
			{name: "a signed-out pair from GET /signin", cookie: anonToken, bodyToken: anonToken},
			{name: "a signed-out pair, in the header", cookie: anonToken, header: anonToken},
			{name: "the victim's own token in the query", cookie: victimToken, query: victimToken},
		} {
			// The victim's browser, with the attacker's CSRF cookie planted.
			f := s.browser(t)
			f.setCookie(s.sessionCookie, victim.session())
			f.setCookie(s.csrfCookie, attack.cookie)
			p := path
			if attack.query != "" {
				p += "?_csrf=" + url.QueryEscape(attack.query)
			}
			var headers []string
			if attack.header != "" {
				headers = []string{"X-CSRF-Token", attack.header}
			}
			resp, body := f.postRaw(p, with(attack.bodyToken), headers...)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: %s: status %d, want 403", tc.name, attack.name, resp.StatusCode)
			}
			if strings.Contains(body, "Forged") {
				t.Errorf("%s: %s: the response shows the forged input", tc.name, attack.name)
			}
			if after := a.snapshot(t, s); after != before {
				t.Fatalf("%s: %s changed the database:\nbefore %s\nafter  %s", tc.name, attack.name, before, after)
			}
		}
		if tc.name == "sign out everywhere" {
			// Done by the victim, with their own token in the body, it works
			// (and, at sign-out, hands them a new signed-out token).
			resp, body := victim.postRaw(path, with(victimToken))
			if resp.StatusCode != tc.ok {
				t.Fatalf("the genuine request: status %d, want %d\n%.1000s", resp.StatusCode, tc.ok, body)
			}
			if got := victim.cookie(s.csrfCookie); got == "" || got == victimToken {
				t.Errorf("sign-out left the CSRF token %q (was %q)", got, victimToken)
			}
		}
	}
}

// TestSignInAndOutIssueNewCSRFTokens: the response that signs a browser in
// sets a new CSRF token, bound to the new session: the signed-out token
// used to sign in no longer works, the new one does. Signing out does the
// same the other way.
func TestSignInAndOutIssueNewCSRFTokens(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Linden")
	v := s.browser(t)
	v.page("/signin")
	before := v.token()
	resp, body := v.finishSignIn(v.begin("/signin/begin"), a.memberKey)
	if resp.StatusCode != 200 {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, body)
	}
	after := setCookieValue(resp, s.csrfCookie)
	if after == "" || after == before {
		t.Fatalf("the sign-in response set the CSRF cookie to %q (was %q)", after, before)
	}
	if got := v.cookie(s.csrfCookie); got != after {
		t.Fatalf("browser holds %q, want %q", got, after)
	}
	// The page shown next carries the new token, and it works.
	if page := v.page("/account"); !strings.Contains(page, `value="`+after+`"`) {
		t.Error("the next page's forms do not carry the new token")
	}
	// The token used before sign-in, with its own cookie, is dead.
	f := s.browser(t)
	f.setCookie(s.sessionCookie, v.session())
	f.setCookie(s.csrfCookie, before)
	if resp, _ := f.postRaw("/account/signout-everywhere", url.Values{"_csrf": {before}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the pre-sign-in token after sign-in: status %d, want 403", resp.StatusCode)
	}
	if v.signedInAs() != a.Member.Name {
		t.Fatal("signed out by a refused request")
	}

	// Sign out: a new signed-out token in the same response.
	resp, _ = v.postRaw("/signout", url.Values{"_csrf": {after}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", resp.StatusCode)
	}
	out := setCookieValue(resp, s.csrfCookie)
	if out == "" || out == after {
		t.Fatalf("the sign-out response set the CSRF cookie to %q (was %q)", out, after)
	}
	// The signed-out token works for a signed-out form; the session's does not.
	v.page("/signin")
	if resp, body := v.postJSON("/signin/begin", "{}"); resp.StatusCode != 200 {
		t.Errorf("the signed-out token: %d %s", resp.StatusCode, body)
	}
	g := s.browser(t)
	g.setCookie(s.csrfCookie, after)
	if resp, _ := g.postRaw("/signin/begin", url.Values{"_csrf": {after}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the ended session's token, signed out: status %d, want 403", resp.StatusCode)
	}
}

// setCookieValue is the value a response sets for a cookie ("" if none).
func setCookieValue(resp *http.Response, name string) string {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}
