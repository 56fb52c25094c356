package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/url"
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
}

func setup(t *testing.T) *env {
	t.Helper()
	st := store.New(dbtest.New(t))
	base, _ := url.Parse(rp.Origin)
	c := fixture.NewClock(time.Time{})
	svc, err := auth.New(st, auth.DefaultConfig(base), c.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	admins := org.New(st, org.Config{BaseURL: base}, c.Now)
	o, admin, link, err := admins.CreateOrganisation(context.Background(), "Riverside Trust", "Ama Mensah", "ama@riverside.example")
	if err != nil {
		t.Fatal(err)
	}
	return &env{svc: svc, admins: admins, st: st, clock: c, org: o, admin: admin, token: tokenOf(t, link)}
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

func TestWrongOriginRefused(t *testing.T) {
	t.Parallel()
	f := setup(t)
	d, _ := f.enrol(t, f.token, virtualwebauthn.AuthenticatorOptions{})
	evil := rp
	evil.Origin = "http://localhost:8081"
	id, body := f.assert(t, &d, evil)
	if _, err := f.svc.FinishSignIn(context.Background(), id, []byte(body), "ip"); !errors.Is(err, auth.ErrSignInFailed) {
		t.Errorf("wrong origin: %v", err)
	}
	// Registration from the wrong origin is refused too.
	link, err := f.admins.Reenrol(context.Background(), org.Actor{Org: f.st.Org(f.org.ID)}, f.admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	token := tokenOf(t, link)
	c, err := f.svc.BeginEnrol(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	ao, _ := virtualwebauthn.ParseAttestationOptions(optionsJSON(t, c))
	a := virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte(ao.UserID)})
	body = virtualwebauthn.CreateAttestationResponse(evil, a, passkeytest.NewCredential(t), *ao)
	if _, err := f.svc.FinishEnrol(context.Background(), token, c.ID, []byte(body), "x", "ip"); !errors.Is(err, auth.ErrCeremony) {
		t.Errorf("registration from the wrong origin: %v", err)
	}
}

func TestUserVerificationRequired(t *testing.T) {
	t.Parallel()
	f := setup(t)
	d, _ := f.enrol(t, f.token, virtualwebauthn.AuthenticatorOptions{})
	d.auth.Options.UserNotVerified = true
	if _, err := f.signIn(t, &d); !errors.Is(err, auth.ErrSignInFailed) {
		t.Errorf("sign-in without user verification: %v", err)
	}
	// Registering without user verification is refused as well.
	link, _ := f.admins.Reenrol(context.Background(), org.Actor{Org: f.st.Org(f.org.ID)}, f.admin.ID)
	token := tokenOf(t, link)
	c, _ := f.svc.BeginEnrol(context.Background(), token)
	ao, _ := virtualwebauthn.ParseAttestationOptions(optionsJSON(t, c))
	a := virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte(ao.UserID), UserNotVerified: true})
	body := virtualwebauthn.CreateAttestationResponse(rp, a, passkeytest.NewCredential(t), *ao)
	if _, err := f.svc.FinishEnrol(context.Background(), token, c.ID, []byte(body), "x", "ip"); !errors.Is(err, auth.ErrCeremony) {
		t.Errorf("registration without user verification: %v", err)
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
