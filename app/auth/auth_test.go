package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"github.com/upstand/upstand/app/auth"
	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/fixture"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/passkeytest"
	"github.com/upstand/upstand/app/store"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var rp = virtualwebauthn.RelyingParty{ID: "localhost", Name: "Upstand", Origin: "http://localhost:8080"}

// env is the identity service on a fresh database, with an organisation
// whose admin has not enrolled yet.
type env struct {
	svc    *auth.Service
	admins *org.Service // organisation administration, for invites
	st     *store.Store
	clock  *fixture.Clock
	org    store.Organisation
	admin  store.Person
	token  string // the admin's enrolment token
	logs   *bytes.Buffer
}

func setup(t *testing.T) *env {
	t.Helper()
	st := store.New(dbtest.New(t))
	base, _ := url.Parse(rp.Origin)
	c := fixture.NewClock(time.Time{})
	logs := &bytes.Buffer{}
	svc, err := auth.New(st, auth.DefaultConfig(base), c.Now, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	admins := org.New(st, org.Config{BaseURL: base}, c.Now)
	o, admin, link, err := admins.CreateOrganisation(context.Background(), "Riverside Trust", "Ama Mensah", "ama@riverside.example")
	if err != nil {
		t.Fatal(err)
	}
	return &env{svc: svc, admins: admins, st: st, clock: c, org: o, admin: admin, token: tokenOf(t, link), logs: logs}
}

func tokenOf(t *testing.T, l org.Link) string {
	t.Helper()
	i := strings.LastIndex(l.URL, "/enrol/")
	if i < 0 {
		t.Fatalf("link %q", l.URL)
	}
	return l.URL[i+len("/enrol/"):]
}

// device is a person's software authenticator and its one passkey.
type device struct {
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
}

func optionsJSON(t *testing.T, c auth.Ceremony) string {
	t.Helper()
	b, err := json.Marshal(c.Options)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// enrol registers a new passkey from an enrolment link.
func (f *env) enrol(t *testing.T, token string, opts virtualwebauthn.AuthenticatorOptions) (device, store.Person) {
	t.Helper()
	ctx := context.Background()
	c, err := f.svc.BeginEnrol(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	ao, err := virtualwebauthn.ParseAttestationOptions(optionsJSON(t, c))
	if err != nil {
		t.Fatal(err)
	}
	opts.UserHandle = []byte(ao.UserID)
	d := device{auth: virtualwebauthn.NewAuthenticatorWithOptions(opts), cred: passkeytest.NewCredential(t)}
	body := virtualwebauthn.CreateAttestationResponse(rp, d.auth, d.cred, *ao)
	p, err := f.svc.FinishEnrol(ctx, token, c.ID, []byte(body), "Laptop", "127.0.0.1")
	if err != nil {
		t.Fatalf("finish enrol: %v", err)
	}
	d.auth.AddCredential(d.cred)
	return d, p
}

// assert makes a sign-in assertion for a fresh ceremony.
func (f *env) assert(t *testing.T, d *device, origin virtualwebauthn.RelyingParty) (ceremony string, body string) {
	t.Helper()
	c, err := f.svc.BeginSignIn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ao, err := virtualwebauthn.ParseAssertionOptions(optionsJSON(t, c))
	if err != nil {
		t.Fatal(err)
	}
	d.cred.Counter++
	return c.ID, virtualwebauthn.CreateAssertionResponse(origin, d.auth, d.cred, *ao)
}

func (f *env) signIn(t *testing.T, d *device) (store.Person, error) {
	t.Helper()
	id, body := f.assert(t, d, rp)
	return f.svc.FinishSignIn(context.Background(), id, []byte(body), "127.0.0.1")
}

func auditCount(t *testing.T, f *env, action string) int {
	t.Helper()
	es, err := f.st.Org(f.org.ID).AuditLog(context.Background(), store.AuditFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

func TestRegisterThenSignIn(t *testing.T) {
	t.Parallel()
	f := setup(t)
	d, p := f.enrol(t, f.token, virtualwebauthn.AuthenticatorOptions{})
	if p.ID != f.admin.ID {
		t.Fatalf("enrolled %v, want %v", p.ID, f.admin.ID)
	}
	got, err := f.signIn(t, &d)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	if got.ID != f.admin.ID || got.OrgID != f.org.ID {
		t.Errorf("signed in as %v", got.ID)
	}
	keys, err := f.svc.Passkeys(context.Background(), got)
	if err != nil || len(keys) != 1 || keys[0].Name != "Laptop" || keys[0].LastUsedAt == nil || keys[0].SignCount != 1 {
		t.Errorf("passkeys after sign-in: %+v %v", keys, err)
	}
	if auditCount(t, f, "enrol") != 1 || auditCount(t, f, "signin") != 1 {
		t.Error("enrolment and sign-in not audited")
	}
	// The link is single use.
	if _, err := f.svc.BeginEnrol(context.Background(), f.token); !errors.Is(err, auth.ErrLinkInvalid) {
		t.Errorf("used link: %v, want ErrLinkInvalid", err)
	}
}

func TestReplayedAssertionRefused(t *testing.T) {
	t.Parallel()
	f := setup(t)
	d, _ := f.enrol(t, f.token, virtualwebauthn.AuthenticatorOptions{})
	id, body := f.assert(t, &d, rp)
	if _, err := f.svc.FinishSignIn(context.Background(), id, []byte(body), "ip"); err != nil {
		t.Fatal(err)
	}
	// The same ceremony and assertion again.
	if _, err := f.svc.FinishSignIn(context.Background(), id, []byte(body), "ip"); !errors.Is(err, auth.ErrSignInFailed) {
		t.Errorf("replay on the same ceremony: %v", err)
	}
	// The old assertion against a new ceremony: the challenge differs.
	fresh, err := f.svc.BeginSignIn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.FinishSignIn(context.Background(), fresh.ID, []byte(body), "ip"); !errors.Is(err, auth.ErrSignInFailed) {
		t.Errorf("replay on a new ceremony: %v", err)
	}
	// The first replay never reached a person (its ceremony was gone), so
	// it is audited without an organisation; the second names the admin.
	if n := auditCount(t, f, "signin.failed"); n != 1 {
		t.Errorf("%d failed sign-ins audited for the organisation, want 1", n)
	}
}

// TestRefusedPasskeysAreLoggedAndAudited: an enrolment from a link, a
// passkey added from the account page and a sign-in are refused when the
// answer was made for another origin (a look-alike site relaying the
// ceremony) or without user verification, or comes with an unknown
// ceremony or malformed. Each refusal is one log line and one audit entry
// naming the reason and the person, and changes nothing: the link still
// works afterwards, and no passkey is added.
func TestRefusedPasskeysAreLoggedAndAudited(t *testing.T) {
	t.Parallel()
	evil := rp
	evil.Origin = "http://localhost:8081"
	for _, a := range []struct {
		name     string
		origin   virtualwebauthn.RelyingParty
		noUV     bool
		ceremony string // replaces the ceremony id when set
		body     string // replaces the answer when set
		reason   string
	}{
		{name: "foreign origin", origin: evil, reason: "foreign origin"},
		{name: "no user verification", origin: rp, noUV: true, reason: "user not verified"},
		{name: "unknown ceremony", origin: rp, ceremony: "not-a-ceremony", reason: "ceremony"},
		{name: "malformed answer", origin: rp, body: "{}", reason: "malformed"},
	} {
		t.Run(a.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			ctx := context.Background()
			const ip = "192.0.2.1"
			answer := func(id, body string) (string, string) {
				if a.ceremony != "" {
					id = a.ceremony
				}
				if a.body != "" {
					body = a.body
				}
				return id, body
			}
			register := func(c auth.Ceremony, err error) (string, string) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
				ao, err := virtualwebauthn.ParseAttestationOptions(optionsJSON(t, c))
				if err != nil {
					t.Fatal(err)
				}
				au := virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte(ao.UserID), UserNotVerified: a.noUV})
				return answer(c.ID, virtualwebauthn.CreateAttestationResponse(a.origin, au, passkeytest.NewCredential(t), *ao))
			}

			id, body := register(f.svc.BeginEnrol(ctx, f.token))
			if _, err := f.svc.FinishEnrol(ctx, f.token, id, []byte(body), "Laptop", ip); !errors.Is(err, auth.ErrCeremony) {
				t.Errorf("enrolment: %v, want ErrCeremony", err)
			}
			d, p := f.enrol(t, f.token, virtualwebauthn.AuthenticatorOptions{}) // the link still works

			id, body = register(f.svc.BeginAddPasskey(ctx, p))
			if err := f.svc.FinishAddPasskey(ctx, p, id, []byte(body), "Phone", ip); !errors.Is(err, auth.ErrCeremony) {
				t.Errorf("adding a passkey: %v, want ErrCeremony", err)
			}
			if keys, err := f.svc.Passkeys(ctx, p); err != nil || len(keys) != 1 {
				t.Errorf("passkeys after a refused one: %d %v, want 1", len(keys), err)
			}

			refusals := map[org.Action]string{org.EnrolFailed: "enrolment refused", org.PasskeyAddFailed: "passkey add refused"}
			// A sign-in whose ceremony is unknown or whose answer is
			// malformed names no one, so its entry is in no organisation's
			// log (TestReplayedAssertionRefused); the others are.
			if a.ceremony == "" && a.body == "" {
				d.auth.Options.UserNotVerified = a.noUV
				id, body := f.assert(t, &d, a.origin)
				if _, err := f.svc.FinishSignIn(ctx, id, []byte(body), ip); !errors.Is(err, auth.ErrSignInFailed) {
					t.Errorf("sign-in: %v, want ErrSignInFailed", err)
				}
				refusals[org.SignInFailed] = "sign-in refused"
			}

			for action, msg := range refusals {
				es, err := f.st.Org(f.org.ID).AuditLog(ctx, store.AuditFilter{Action: string(action)})
				if err != nil {
					t.Fatal(err)
				}
				if len(es) != 1 || es[0].Detail["reason"] != a.reason || es[0].SubjectID == nil || *es[0].SubjectID != p.ID || es[0].IP != ip {
					t.Errorf("%s: audit entries %+v, want one for %s with the reason %q", action, es, p.ID, a.reason)
				}
				line := regexp.MustCompile(`(?m)^.*level=WARN msg="` + msg + `" reason="?` + regexp.QuoteMeta(a.reason) + `"? .*ip=` + ip + `$`)
				if n := len(line.FindAllString(f.logs.String(), -1)); n != 1 {
					t.Errorf("%s: %d log lines %q with the reason %q, want 1:\n%s", action, n, msg, a.reason, f.logs)
				}
			}
		})
	}
}

func TestSignCountRegressionRefused(t *testing.T) {
	t.Parallel()
	f := setup(t)
	d, _ := f.enrol(t, f.token, virtualwebauthn.AuthenticatorOptions{})
	d.cred.Counter = 9 // the next assertion says 10
	if _, err := f.signIn(t, &d); err != nil {
		t.Fatal(err)
	}
	clone := d
	clone.cred.Counter = 3 // a copy of the key that has signed fewer times
	if _, err := f.signIn(t, &clone); !errors.Is(err, auth.ErrSignInFailed) {
		t.Errorf("sign count went backwards: %v", err)
	}
	es, _ := f.st.Org(f.org.ID).AuditLog(context.Background(), store.AuditFilter{Action: "signin.failed"})
	if len(es) != 1 || !strings.Contains(es[0].Detail["reason"].(string), "clone") {
		t.Errorf("clone warning not audited: %+v", es)
	}
}

func TestExpiredCeremonyRefused(t *testing.T) {
	t.Parallel()
	f := setup(t)
	d, _ := f.enrol(t, f.token, virtualwebauthn.AuthenticatorOptions{})
	id, body := f.assert(t, &d, rp)
	f.clock.Add(6 * time.Minute)
	if _, err := f.svc.FinishSignIn(context.Background(), id, []byte(body), "ip"); !errors.Is(err, auth.ErrSignInFailed) {
		t.Errorf("expired ceremony: %v", err)
	}
}

func TestAnotherUsersHandleRefused(t *testing.T) {
	t.Parallel()
	f := setup(t)
	mine, _ := f.enrol(t, f.token, virtualwebauthn.AuthenticatorOptions{})
	_, link, err := f.admins.Invite(context.Background(), org.Actor{Org: f.st.Org(f.org.ID), PersonID: f.admin.ID},
		store.PersonDetails{Name: "Tomasz Nowak", Email: "tomasz@riverside.example"})
	if err != nil {
		t.Fatal(err)
	}
	theirs, _ := f.enrol(t, tokenOf(t, link), virtualwebauthn.AuthenticatorOptions{})
	// My credential, presented with their user handle.
	mine.auth.Options.UserHandle = theirs.auth.Options.UserHandle
	if _, err := f.signIn(t, &mine); !errors.Is(err, auth.ErrSignInFailed) {
		t.Errorf("my credential under another user's handle: %v", err)
	}
}

func TestEnrolmentLinkRules(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	a := org.Actor{Org: f.st.Org(f.org.ID), PersonID: f.admin.ID}
	_, link, err := f.admins.Invite(ctx, a, store.PersonDetails{Name: "Bea Okafor", Email: "bea@riverside.example"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.admins.Invite(ctx, a, store.PersonDetails{Name: "Bea Again", Email: "BEA@riverside.example"}); err == nil {
		t.Error("a second person with the same email (any case) was invited")
	}
	if err := f.admins.RevokeInvite(ctx, a, link.InviteID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.BeginEnrol(ctx, tokenOf(t, link)); !errors.Is(err, auth.ErrLinkInvalid) {
		t.Errorf("revoked link: %v", err)
	}
	// Expiry: a fresh link is dead after 7 days.
	p, link2, err := f.admins.Invite(ctx, a, store.PersonDetails{Name: "Chen Wei", Email: "chen@riverside.example"})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(7*24*time.Hour + time.Second)
	if _, err := f.svc.BeginEnrol(ctx, tokenOf(t, link2)); !errors.Is(err, auth.ErrLinkInvalid) {
		t.Errorf("expired link: %v", err)
	}
	// Re-enrolment gives a working link and withdraws the old one.
	link3, err := f.admins.Reenrol(ctx, a, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.BeginEnrol(ctx, tokenOf(t, link3)); err != nil {
		t.Errorf("fresh link: %v", err)
	}
	if _, err := f.svc.BeginEnrol(ctx, "not-a-token"); !errors.Is(err, auth.ErrLinkInvalid) {
		t.Errorf("unknown token: %v", err)
	}
}
