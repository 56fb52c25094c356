package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/upstand/upstand/app/auth"
	"github.com/upstand/upstand/app/store"
)

// sessionAlive asks the server whether a session token still names a live
// session.
func sessionAlive(t *testing.T, s *testServer, token string) bool {
	t.Helper()
	_, _, err := s.auth.Session(context.Background(), token)
	if err != nil && !errors.Is(err, auth.ErrNoSession) {
		t.Fatal(err)
	}
	return err == nil
}

// setCookieHeader returns the raw Set-Cookie header for name.
func setCookieHeader(resp *http.Response, name string) string {
	for _, h := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, name+"=") {
			return h
		}
	}
	return ""
}

// TestSessionFixation: a session cookie planted before sign-in is never
// adopted. An unknown planted token stays unknown; a live one (the
// attacker's own session) is ended; the new session id is fresh.
func TestSessionFixation(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Juniper")

	// An unknown token, planted right up to the finish of the ceremony.
	var b [32]byte
	_, _ = rand.Read(b[:])
	planted := base64.RawURLEncoding.EncodeToString(b[:])
	v := s.browser(t)
	v.get("/signin")
	c := v.begin("/signin/begin")
	v.setCookie(s.sessionCookie, planted)
	resp, body := v.finishSignIn(c, a.memberKey)
	if resp.StatusCode != 200 {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, body)
	}
	got := v.session()
	if got == "" || got == planted {
		t.Fatalf("session after sign-in %q, planted %q", got, planted)
	}
	if sessionAlive(t, s, planted) {
		t.Error("the planted token became a session")
	}
	if !sessionAlive(t, s, got) || v.signedInAs() != a.Member.Name {
		t.Error("the new session does not work")
	}

	// A live session planted in the victim's browser: the attacker's own.
	attacker := a.adminV.session()
	victim := s.browser(t)
	victim.setCookie(s.sessionCookie, attacker)
	if resp, _ := victim.signIn(a.memberKey); resp.StatusCode != 200 {
		t.Fatalf("sign-in over a planted session: %d", resp.StatusCode)
	}
	if victim.session() == attacker {
		t.Fatal("the planted session was kept")
	}
	if sessionAlive(t, s, attacker) {
		t.Error("the planted session is still alive after someone else signed in over it")
	}
	if victim.signedInAs() != a.Member.Name {
		t.Error("the victim is not signed in as themselves")
	}
}

// TestSessionCookieFlags: HttpOnly, SameSite=Lax, Path=/ and no Domain
// always; over https the names carry __Host- and the cookies are Secure.
// The token carries 256 random bits.
func TestSessionCookieFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		base           string
		session, csrfC string
		secure         bool
	}{
		{"", "upstand_session", "upstand_csrf", false},
		{"https://learn.juniper.example", "__Host-upstand_session", "__Host-upstand_csrf", true},
	} {
		s := newTestServer(t, serverOptions{env: map[string]string{"UPSTAND_BASE_URL": tc.base}})
		a := s.newTenant(t, "Kauri")
		v := s.browser(t)
		v.get("/signin")
		c := v.begin("/signin/begin")
		resp, _ := v.finishSignIn(c, a.memberKey)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: sign-in %d", tc.base, resp.StatusCode)
		}
		for _, name := range []string{tc.session, tc.csrfC} {
			var ck *http.Cookie
			for _, x := range resp.Cookies() {
				if x.Name == name {
					ck = x
				}
			}
			if name == tc.csrfC {
				// Sign-in replaces the CSRF token: the next page sets it.
				r, _ := v.get("/account")
				for _, x := range r.Cookies() {
					if x.Name == name {
						ck = x
					}
				}
			}
			if ck == nil {
				t.Errorf("%s: no %s cookie set", tc.base, name)
				continue
			}
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" || ck.Secure != tc.secure {
				t.Errorf("%s: cookie %s: HttpOnly %v SameSite %v Path %q Domain %q Secure %v", tc.base, name, ck.HttpOnly, ck.SameSite, ck.Path, ck.Domain, ck.Secure)
			}
		}
		if h := setCookieHeader(resp, tc.session); !strings.Contains(strings.ToLower(h), "samesite=lax") || !strings.Contains(strings.ToLower(h), "httponly") {
			t.Errorf("%s: Set-Cookie %q", tc.base, h)
		}
		raw, err := base64.RawURLEncoding.DecodeString(v.session())
		if err != nil || len(raw) < 16 {
			t.Errorf("%s: session token %q is not at least 128 random bits", tc.base, v.session())
		}
	}
}

// TestIdleAndAbsoluteTimeouts with the injected clock: 30 minutes without
// a request ends a session; activity keeps it going, but never past 12
// hours from sign-in.
func TestIdleAndAbsoluteTimeouts(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Larch")
	v := a.memberV
	token := v.session()

	s.clock.Add(29 * time.Minute)
	if v.signedInAs() != a.Member.Name {
		t.Fatal("signed out after 29 idle minutes")
	}
	s.clock.Add(29 * time.Minute) // 58 minutes in, 29 since the last request
	if v.signedInAs() != a.Member.Name {
		t.Fatal("signed out although active")
	}
	s.clock.Add(30*time.Minute + time.Second)
	if v.signedInAs() != "" {
		t.Fatal("still signed in after 30 idle minutes")
	}
	if v.session() != "" {
		t.Error("the stale cookie was not cleared")
	}
	if sessionAlive(t, s, token) {
		t.Error("the idle session is alive on the server")
	}

	// Active all day: a request every 20 minutes, for 12 hours.
	if resp, _ := v.signIn(a.memberKey); resp.StatusCode != 200 {
		t.Fatalf("sign in again: %d", resp.StatusCode)
	}
	start := s.clock.Now()
	for s.clock.Now().Sub(start) < 12*time.Hour-20*time.Minute {
		s.clock.Add(20 * time.Minute)
		if v.signedInAs() != a.Member.Name {
			t.Fatalf("signed out %v after sign-in while active", s.clock.Now().Sub(start))
		}
	}
	s.clock.Add(20 * time.Minute)
	if v.signedInAs() != "" {
		t.Fatalf("still signed in %v after sign-in", s.clock.Now().Sub(start))
	}
}

// TestSignOutEndsTheServerSession: after signing out, the old cookie value
// is worthless; signing out everywhere ends every session of the person
// and no one else's.
func TestSignOutEndsTheServerSession(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Maple")
	v := a.memberV
	token := v.session()
	resp, _ := v.post("/signout", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?signed_out=1" {
		t.Fatalf("sign out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if v.session() != "" {
		t.Error("the cookie was not cleared")
	}
	replay := s.browser(t)
	replay.setCookie(s.sessionCookie, token)
	if replay.signedInAs() != "" || sessionAlive(t, s, token) {
		t.Error("the signed-out session still works")
	}

	// Three browsers of the same person; sign out everywhere from one.
	var browsers []*browser
	for range 3 {
		b := s.browser(t)
		if resp, _ := b.signIn(a.memberKey); resp.StatusCode != 200 {
			t.Fatal("sign in")
		}
		browsers = append(browsers, b)
	}
	tokens := []string{browsers[0].session(), browsers[1].session(), browsers[2].session()}
	resp, _ = browsers[0].post("/account/signout-everywhere", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out everywhere: %d", resp.StatusCode)
	}
	for i, b := range browsers {
		if sessionAlive(t, s, tokens[i]) || b.signedInAs() != "" {
			t.Errorf("browser %d is still signed in", i)
		}
	}
	if a.adminV.signedInAs() != a.Admin.Name {
		t.Error("signing out everywhere ended someone else's session")
	}
	got := auditActionsOf(t, s, a.Org.ID, store.AuditFilter{PersonID: &a.Member.ID})
	if !slices.Contains(got, "signout") || !slices.Contains(got, "signout.everywhere") {
		t.Errorf("sign-outs not audited: %v", got)
	}
}

// TestDeactivationTakesEffectAtOnce: a person deactivated mid-session is
// signed out on their very next request, and reactivation does not bring
// the old session back.
func TestDeactivationTakesEffectAtOnce(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, serverOptions{})
	a := s.newTenant(t, "Nutmeg")
	v := a.memberV
	token := v.session()
	v.page("/account", a.Member.Name)
	csrf := v.token()

	a.adminV.redirect("/admin/people/"+a.Member.ID.String()+"/deactivate", nil, "/admin/people/"+a.Member.ID.String())
	resp, _ := v.get("/account")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Errorf("the next page after deactivation: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A form the person had open is refused too: its CSRF token was bound
	// to the session that ended, so it is refused before the sign-in check.
	resp, _ = v.postRaw("/account/passkeys/"+a.passkeyID+"/rename", url.Values{"_csrf": {csrf}, "name": {"Still here"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a form after deactivation: status %d, want 403", resp.StatusCode)
	}
	if keys, _ := s.st.Org(a.Org.ID).Member(a.Member.ID).Credentials(context.Background()); keys[0].Name != "Laptop" {
		t.Error("the deactivated person renamed a passkey")
	}
	a.adminV.redirect("/admin/people/"+a.Member.ID.String()+"/reactivate", nil, "/admin/people/"+a.Member.ID.String())
	if sessionAlive(t, s, token) {
		t.Error("reactivation revived the old session")
	}
}
