package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/upstand/upstand/app/passkeytest"
)

// The security suite's cases that no other test holds: a passkey the
// server does not know answered as one it knows but cannot verify, log
// lines that cannot be forged, signed-in pages that are never stored,
// fields a form does not have (another organisation's ids, roles)
// ignored, and indexed form fields out of range.

// TestUnknownPasskeyGetsTheSameAnswer: an assertion from a credential the
// server has never seen and one for a registered credential that fails to
// verify (signed by another key, or for another origin) get the same
// status and the same words, so the answer tells an attacker nothing
// about which credential ids exist. Neither signs the browser in.
func TestUnknownPasskeyGetsTheSameAnswer(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Rowan")
	known := a.memberKey

	stranger := &passkey{cred: passkeytest.NewCredential(t)}
	stranger.auth = virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte("nobody-we-know")})
	stranger.auth.AddCredential(stranger.cred)

	// The member's credential id and user handle, another private key.
	impostor := &passkey{auth: known.auth, cred: passkeytest.NewCredential(t)}
	impostor.cred.ID = known.cred.ID

	answers := map[string]string{}
	for _, tc := range []struct {
		name string
		pk   *passkey
		rp   virtualwebauthn.RelyingParty
	}{
		{"an unknown credential", stranger, s.rp},
		{"a known credential signed by another key", impostor, s.rp},
		{"a known credential for another origin", known, virtualwebauthn.RelyingParty{ID: s.rp.ID, Name: s.rp.Name, Origin: "https://upstand.example.net"}},
	} {
		v := s.browser(t)
		v.get("/signin")
		c := v.begin("/signin/begin")
		ao, err := virtualwebauthn.ParseAssertionOptions(string(c.Options))
		if err != nil {
			t.Fatal(err)
		}
		cred := tc.pk.cred
		cred.Counter = known.cred.Counter + 100
		resp, body := v.postJSON("/signin/finish?ceremony="+url.QueryEscape(c.Ceremony), virtualwebauthn.CreateAssertionResponse(tc.rp, tc.pk.auth, cred, *ao))
		if v.session() != "" {
			t.Errorf("%s signed the browser in", tc.name)
		}
		answers[tc.name] = fmt.Sprintf("%d %s", resp.StatusCode, strings.ReplaceAll(body, resp.Header.Get("X-Request-ID"), "ID"))
	}
	want := answers["an unknown credential"]
	if !strings.HasPrefix(want, "401 ") {
		t.Errorf("an unknown credential: %s, want a 401", want)
	}
	for name, got := range answers {
		if got != want {
			t.Errorf("%s: %s\nan unknown credential: %s", name, got, want)
		}
	}
	// The member's own passkey still works.
	if resp, body := s.browser(t).signIn(known); resp.StatusCode != 200 {
		t.Errorf("the genuine passkey afterwards: %d %s", resp.StatusCode, body)
	}
}

// TestLogLinesCannotBeForged: carriage returns and line feeds in a path,
// a query, a header and form fields end up inside one quoted value of one
// log line: every line the server writes is one whole record.
func TestLogLinesCannotBeForged(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Larch")
	const forged = "\r\ntime=2026-12-03T00:00:00Z level=ERROR msg=FORGED\n"
	escaped := url.PathEscape(forged)
	v := s.browser(t)
	v.get("/no-such-page/" + escaped)
	v.get("/courses?q=" + url.QueryEscape(forged))
	v.get("/signin", "User-Agent", "curl"+strings.ReplaceAll(forged, "\r\n", " "))
	v.postRaw("/signout", url.Values{"_csrf": {forged}})                                           // a CSRF refusal
	a.adminV.post("/admin/teams", url.Values{"name": {"Team" + forged}})                           // a refused control character
	a.adminV.post("/admin/support", url.Values{"name": {"Line one\nline two" + forged}})           // ditto
	a.memberV.get("/admin/people/" + escaped)                                                      // a denial
	a.memberV.postJSON("/signin/finish?ceremony="+url.QueryEscape(forged), `{"id":"`+escaped+`"}`) // an auth failure
	lines := strings.Split(strings.TrimRight(s.logs.String(), "\n"), "\n")
	if len(lines) < 8 {
		t.Fatalf("only %d log lines", len(lines))
	}
	for _, line := range lines {
		if !strings.HasPrefix(line, "time=") || strings.HasPrefix(line, "time=2026-12-03T00:00:00Z") {
			t.Errorf("a log line that is not a whole record: %q", line)
		}
	}
}

// TestSignedInPagesAreNotStored: every page a signed-in person can open
// without a parameter, and every parameter page of the cross-tenant
// matrix with the owner's own ids, is sent with Cache-Control: no-store,
// so a shared computer's browser cache or a proxy keeps none of it.
func TestSignedInPagesAreNotStored(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Maple")
	who := map[string]*browser{"admin": a.adminV, "member": a.memberV, "trainer": a.trainerV}
	var pages []struct{ path, as string }
	for _, r := range s.App().GetRoutes(true) {
		if r.Method != http.MethodGet || strings.HasPrefix(r.Path, "/assets") || strings.Contains(r.Path, "*") {
			continue
		}
		if len(r.Params) == 0 {
			for _, as := range []string{"admin", "member", "trainer"} {
				pages = append(pages, struct{ path, as string }{r.Path, as})
			}
			continue
		}
		if row, ok := tenantRoutes["GET "+r.Path]; ok && row.exempt == "" {
			as := row.ownAs
			if as == "" {
				as = "member"
			}
			pages = append(pages, struct{ path, as string }{a.fill(row.path), as})
		}
	}
	seen := 0
	for _, p := range pages {
		resp, _ := who[p.as].get(p.path)
		if resp.StatusCode != http.StatusOK {
			continue
		}
		seen++
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") && !strings.Contains(p.path, "/healthz") {
			t.Errorf("GET %s as the %s: Cache-Control %q, want no-store", p.path, p.as, cc)
		}
	}
	if seen < 30 {
		t.Errorf("only %d signed-in pages answered 200", seen)
	}
}

// TestFieldsAFormDoesNotHaveAreIgnored (mass assignment): fields naming
// another organisation, another person or a role, added to forms that do
// not have them, change nothing they name: the other organisation is
// untouched, nobody gains a role, and the form does what it does without
// them.
func TestFieldsAFormDoesNotHaveAreIgnored(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a, b := s.newTenant(t, "Aspen"), s.newTenant(t, "Beech")
	extra := func(form url.Values) url.Values {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		for k, v := range map[string]string{
			"org_id": b.Org.ID.String(), "org": b.Org.ID.String(), "organisation_id": b.Org.ID.String(),
			"person_id": b.Member.ID.String(), "id": b.Admin.ID.String(), "owner_id": b.Admin.ID.String(),
			"org_admin": "1", "is_org_admin": "true", "role": "admin", "roles": "org_admin", "trainer": "1", "active": "false",
		} {
			if _, ok := form[k]; !ok {
				f.Set(k, v)
			}
		}
		return f
	}
	roles := func() string {
		ps, err := s.st.Org(a.Org.ID).People(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range ps {
			out = append(out, fmt.Sprintf("%s %v %v", p.Name, p.Roles(), p.Active))
		}
		slices.Sort(out)
		return strings.Join(out, "; ")
	}
	for _, tc := range []struct {
		route string // a row of the cross-tenant matrix, or a form of its own
		path  string
		form  url.Values
		as    string
		want  int
	}{
		{route: "POST /account/passkeys/:id/rename"},
		{route: "POST /admin/teams/:id/rename"},
		{route: "POST /admin/support/:id"},
		{route: "POST /admin/requirements/:id"},
		{route: "POST /studio/:kind/:id"},
		{path: "/admin/teams", form: url.Values{"name": {"Aspen new team"}}, as: "admin", want: http.StatusSeeOther},
		{path: "/admin/support", form: url.Values{"name": {"Aspen helpline"}, "phone": {"0800 222 2222"}}, as: "admin", want: http.StatusSeeOther},
		{path: "/courses/{module}/steps/{reflectionStep}/reflection", form: url.Values{"note": {"Aspen note"}}, as: "member", want: http.StatusSeeOther},
	} {
		path, form, as, want := tc.path, tc.form, tc.as, tc.want
		if tc.route != "" {
			row := tenantRoutes[tc.route]
			path, form, as, want = row.path, row.form, row.ownAs, row.own
		}
		v := map[string]*browser{"admin": a.adminV, "member": a.memberV, "trainer": a.trainerV}[as]
		beforeB, beforeRoles := b.snapshot(t, s), roles()
		resp, body := v.post(a.fill(path), extra(a.fillForm(form)))
		name := tc.route + tc.path
		if resp.StatusCode != want {
			t.Errorf("%s with extra fields: status %d, want %d\n%s", name, resp.StatusCode, want, clip(body))
		}
		if after := b.snapshot(t, s); after != beforeB {
			t.Errorf("%s changed the other organisation:\nbefore %s\nafter  %s", name, beforeB, after)
		}
		if after := roles(); after != beforeRoles {
			t.Errorf("%s changed roles:\nbefore %s\nafter  %s", name, beforeRoles, after)
		}
	}
}

// TestOddFormIndices: numbered fields out of range, repeated, negative,
// huge or not numbers at all (a quiz's q1…qN, a confidence check's
// s1…sN) are refused with a 400 or ignored; never a 500, and a refused
// answer records nothing.
func TestOddFormIndices(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Elm")
	quiz := a.fill("/courses/{module}/steps/{quizStep}/quiz")
	confidence := a.fill("/courses/{module}/confidence/post")
	records := func() string {
		var quizzes, checks int
		ctx := context.Background()
		if err := s.owner.NewRaw("SELECT count(*) FROM quiz_attempts").Scan(ctx, &quizzes); err != nil {
			t.Fatal(err)
		}
		if err := s.owner.NewRaw("SELECT count(*) FROM confidence_answers").Scan(ctx, &checks); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%d quiz attempts, %d confidence checks", quizzes, checks)
	}
	for _, form := range []url.Values{
		{"q0": {"1"}},
		{"q-1": {"1"}},
		{"q99999999999999999999": {"1"}},
		{"q1": {"-1"}},
		{"q1": {"99999999999999999999"}},
		{"q1": {"0x10"}},
		{"q1": {"1", "2", "3"}},
		{"q1[]": {"1"}, "q[1]": {"1"}},
		{"q1": {""}},
	} {
		for _, path := range []string{quiz, confidence} {
			f := url.Values{}
			for k, v := range form {
				f[strings.Replace(k, "q", map[bool]string{true: "q", false: "s"}[path == quiz], 1)] = v
			}
			before := records()
			resp, body := a.memberV.post(path, f)
			switch {
			case resp.StatusCode == http.StatusBadRequest:
				if after := records(); after != before {
					t.Errorf("POST %s %v: refused, but recorded (%s, was %s)", path, f, after, before)
				}
			case resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusOK:
				t.Errorf("POST %s %v: status %d\n%s", path, f, resp.StatusCode, clip(body))
			}
		}
	}
	if strings.Contains(s.logs.String(), "level=ERROR") {
		t.Errorf("an odd index was logged as an error:\n%s", s.logs)
	}
}
