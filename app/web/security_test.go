package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCSRF: a state-changing request without the token, with another
// session's token, or with a valid token but marked by the browser as
// coming from another site, is refused with 403 and changes nothing in the
// database; sent as a GET with its token in the query, it changes nothing. The same request done properly goes through, which shows the
// refusals are the protection at work.
func TestCSRF(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, path string
		form       url.Values
		as         string // "admin" or "member"
		ok         int
	}{
		{"invite", "/admin/people", url.Values{"name": {"Forged Person"}, "email": {"forged@example.org"}}, "admin", 200},
		{"create a team", "/admin/teams", url.Values{"name": {"Forged team"}}, "admin", http.StatusSeeOther},
		{"edit a person", "/admin/people/{member}", url.Values{"name": {"Forged Name"}, "email": {"forged@example.org"}, "org_admin": {"1"}}, "admin", http.StatusSeeOther},
		{"deactivate", "/admin/people/{member}/deactivate", nil, "admin", http.StatusSeeOther},
		{"delete a label", "/admin/labels/{label}/delete", nil, "admin", http.StatusSeeOther},
		{"rename a passkey", "/account/passkeys/{passkey}/rename", url.Values{"name": {"Forged"}}, "member", http.StatusSeeOther},
		{"sign out everywhere", "/account/signout-everywhere", nil, "member", http.StatusSeeOther},
		{"sign out", "/signout", nil, "member", http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, serverOptions{})
			a := s.newTenant(t, "Oak")
			v := a.adminV
			if tc.as == "member" {
				v = a.memberV
			}
			// Another browser, signed in as someone else, with its own token.
			other := s.browser(t)
			if resp, _ := other.signIn(a.adminKey); resp.StatusCode != 200 {
				t.Fatal("second browser sign-in")
			}
			path, form := a.fill(tc.path), a.fillForm(tc.form)
			with := func(token string) url.Values { return withToken(form, token) }
			before := a.snapshot(t, s)
			for _, attack := range []struct {
				name    string
				form    url.Values
				headers []string // name, value pairs
			}{
				{"no token", with(""), nil},
				{"another session's token", with(other.token()), nil},
				{"a token never issued", with("0b4c6a5e-2f41-4b7e-9d4f-1f6f9d9d1a11"), nil},
				{"a valid token from another origin", with(v.token()), []string{"Origin", "https://evil.example"}},
				{"a valid token, cross-site fetch", with(v.token()), []string{"Sec-Fetch-Site", "cross-site"}},
				{"a valid token, same-site (not same-origin) fetch", with(v.token()), []string{"Sec-Fetch-Site", "same-site"}},
				{"a valid token, Origin null", with(v.token()), []string{"Origin", "null"}},
			} {
				resp, body := v.postRaw(path, attack.form, attack.headers...)
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s: status %d, want 403", attack.name, resp.StatusCode)
				}
				if strings.Contains(body, "Forged") {
					t.Errorf("%s: the response shows the forged input", attack.name)
				}
				if after := a.snapshot(t, s); after != before {
					t.Fatalf("%s changed the database:\nbefore %s\nafter  %s", attack.name, before, after)
				}
			}
			// The same form sent as a GET, token and all in the query (a
			// link or an image on another site) changes nothing either.
			if resp, _ := v.get(path + "?" + with(v.token()).Encode()); resp.StatusCode < 400 && resp.StatusCode != http.StatusOK {
				t.Errorf("sent as a GET: status %d", resp.StatusCode)
			}
			if after := a.snapshot(t, s); after != before {
				t.Fatalf("the form sent as a GET changed the database:\nbefore %s\nafter  %s", before, after)
			}
			// Done properly, from this site's own page, it works.
			resp, body := v.postRaw(path, with(v.token()), "Origin", s.cfg.Origin(), "Sec-Fetch-Site", "same-origin")
			if resp.StatusCode != tc.ok {
				t.Fatalf("the genuine request: status %d, want %d\n%.1000s", resp.StatusCode, tc.ok, body)
			}
			if after := a.snapshot(t, s); after == before {
				t.Error("the genuine request changed nothing")
			}
		})
	}
}

// TestLoginCSRF: the passkey ceremony endpoints are state-changing too: a
// cross-site page cannot start or finish a sign-in (which would sign the
// victim in as the attacker).
func TestLoginCSRF(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Pine")
	v := s.browser(t)
	v.get("/signin")
	for _, path := range []string{"/signin/begin", "/signin/finish?ceremony=x", "/enrol/" + a.InviteToken + "/begin"} {
		for name, h := range map[string][]string{
			"no token":    {"Content-Type", "application/json"},
			"cross-site":  {"Content-Type", "application/json", "X-CSRF-Token", v.token(), "Sec-Fetch-Site", "cross-site"},
			"evil origin": {"Content-Type", "application/json", "X-CSRF-Token", v.token(), "Origin", "https://evil.example"},
		} {
			if resp, _ := v.postRaw(path, url.Values{}, h...); resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with %s: status %d, want 403", path, name, resp.StatusCode)
			}
		}
	}
	if v.session() != "" {
		t.Error("a refused request signed the visitor in")
	}
}

// withToken is a copy of form with token as its CSRF field (none when
// token is empty).
func withToken(form url.Values, token string) url.Values {
	f := url.Values{}
	for k, vs := range form {
		f[k] = vs
	}
	if token != "" {
		f.Set("_csrf", token)
	}
	return f
}
