package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"
	"github.com/google/uuid"

	"github.com/upstand/upstand/app/auth"
	"github.com/upstand/upstand/app/config"
	"github.com/upstand/upstand/app/content"
	"github.com/upstand/upstand/app/dbtest"
	"github.com/upstand/upstand/app/learning"
	"github.com/upstand/upstand/app/mail"
	"github.com/upstand/upstand/app/passkeytest"
	"github.com/upstand/upstand/app/store"
)

// Helpers for the identity tests (admin pages, sessions, CSRF, tenant
// isolation): a server with every route wired, browsers with cookie jars,
// and passkeys made by a software authenticator and used over HTTP exactly
// as passkey.js uses them.

// idServer is a server with the bundled courses, a fresh database and an
// injected clock.
type idServer struct {
	*Server
	clock *testClock
	logs  *syncBuffer
	rp    virtualwebauthn.RelyingParty
}

// idOptions vary the server: env holds UPSTAND_* settings (such as an https
// base URL), mail an SMTP sender.
type idOptions struct {
	env  map[string]string
	mail *mail.Sender
}

func newIDServer(t *testing.T, o idOptions) *idServer {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	build := config.FlagSet(fs, func(k string) (string, bool) { v, ok := o.env[k]; return v, ok })
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	cfg, err := build()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := content.Load(os.DirFS("../.."))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	clock := &testClock{t: time.Now().UTC().Truncate(time.Microsecond)}
	st := store.New(dbtest.New(t))
	identity, err := auth.New(st, auth.DefaultConfig(cfg.BaseURL), clock.Now, log)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Deps{Config: cfg, Log: log, Assets: os.DirFS("../../assets"), Now: clock.Now,
		Ready: func(context.Context) error { return nil }, Store: st, Auth: identity,
		Learning: learning.New(st, cat, clock.Now), Mail: o.mail})
	if err != nil {
		t.Fatal(err)
	}
	return &idServer{Server: s, clock: clock, logs: logs,
		rp: virtualwebauthn.RelyingParty{ID: cfg.BaseURL.Hostname(), Name: "Upstand", Origin: cfg.Origin()}}
}

// visitor is one browser: its own cookies, sent and updated on every
// request through app.Test.
type visitor struct {
	t   *testing.T
	s   *idServer
	mu  sync.Mutex
	jar map[string]*http.Cookie
}

func (s *idServer) visitor(t *testing.T) *visitor {
	return &visitor{t: t, s: s, jar: map[string]*http.Cookie{}}
}

func (v *visitor) do(req *http.Request) (*http.Response, string) {
	v.t.Helper()
	v.mu.Lock()
	for _, c := range v.jar {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	v.mu.Unlock()
	resp, err := v.s.App().Test(req, -1)
	if err != nil {
		v.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" || (!c.Expires.IsZero() && c.Expires.Before(time.Now())) {
			delete(v.jar, c.Name)
		} else {
			v.jar[c.Name] = c
		}
	}
	return resp, string(b)
}

// cookie is the value of one of the visitor's cookies ("" if none).
func (v *visitor) cookie(name string) string {
	v.mu.Lock()
	defer v.mu.Unlock()
	if c, ok := v.jar[name]; ok {
		return c.Value
	}
	return ""
}

func (v *visitor) setCookie(name, value string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.jar[name] = &http.Cookie{Name: name, Value: value}
}

// session is the visitor's session token ("" when signed out).
func (v *visitor) session() string { return v.cookie(v.s.sessionCookie) }

func (v *visitor) get(path string) (*http.Response, string) {
	v.t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Accept", "text/html")
	return v.do(req)
}

// token is the CSRF token a page gave the visitor, fetching a page first if
// it has none yet.
func (v *visitor) token() string {
	v.t.Helper()
	if v.cookie(v.s.csrfCookie) == "" {
		v.get("/")
	}
	return v.cookie(v.s.csrfCookie)
}

// post sends a form as a browser does, with the visitor's CSRF token.
func (v *visitor) post(path string, form url.Values) (*http.Response, string) {
	v.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", v.token())
	return v.postRaw(path, form, nil)
}

// postRaw sends a form exactly as given (no token added) with extra headers.
func (v *visitor) postRaw(path string, form url.Values, headers map[string]string) (*http.Response, string) {
	v.t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	for k, val := range headers {
		req.Header.Set(k, val)
	}
	return v.do(req)
}

// postJSON is passkey.js's fetch: JSON in and out, token in X-CSRF-Token.
func (v *visitor) postJSON(path, body string) (*http.Response, string) {
	v.t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-CSRF-Token", v.token())
	req.Header.Set("Origin", v.s.cfg.Origin())
	return v.do(req)
}

// mustPage GETs a page and fails the test unless it is a 200.
func (v *visitor) mustPage(path string, wants ...string) string {
	v.t.Helper()
	resp, body := v.get(path)
	if resp.StatusCode != 200 {
		v.t.Fatalf("GET %s: status %d\n%.1500s", path, resp.StatusCode, body)
	}
	if !strings.Contains(body, "</html>") {
		v.t.Fatalf("GET %s: the page did not render completely\n%s", path, body)
	}
	for _, w := range wants {
		if !strings.Contains(body, w) {
			v.t.Errorf("GET %s lacks %q", path, w)
		}
	}
	return body
}

// mustRedirect POSTs a form and fails unless the answer is a 303 to a path
// starting with want; it returns the location.
func (v *visitor) mustRedirect(path string, form url.Values, want string) string {
	v.t.Helper()
	resp, body := v.post(path, form)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, want) {
		v.t.Fatalf("POST %s: status %d to %q, want 303 to %s\n%.1500s", path, resp.StatusCode, loc, want, body)
	}
	return loc
}

// passkey is a software authenticator holding one credential.
type passkey struct {
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
}

type ceremonyJSON struct {
	Ceremony string          `json:"ceremony"`
	Options  json.RawMessage `json:"options"`
}

func (v *visitor) begin(path string) ceremonyJSON {
	v.t.Helper()
	resp, body := v.postJSON(path, "{}")
	if resp.StatusCode != 200 {
		v.t.Fatalf("POST %s: status %d: %s", path, resp.StatusCode, body)
	}
	var c ceremonyJSON
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		v.t.Fatalf("POST %s: %v: %s", path, err, body)
	}
	return c
}

var enrolTokenRE = regexp.MustCompile(`/enrol/([A-Za-z0-9_-]+)`)

// enrol opens an enrolment link and registers a new passkey from it, which
// signs the visitor in.
func (v *visitor) enrol(link string) *passkey {
	v.t.Helper()
	m := enrolTokenRE.FindStringSubmatch(link)
	if m == nil {
		v.t.Fatalf("not an enrolment link: %q", link)
	}
	base := "/enrol/" + m[1]
	v.mustPage(base)
	c := v.begin(base + "/begin")
	ao, err := virtualwebauthn.ParseAttestationOptions(string(c.Options))
	if err != nil {
		v.t.Fatal(err)
	}
	pk := &passkey{
		auth: virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte(ao.UserID)}),
		cred: passkeytest.NewCredential(v.t),
	}
	body := virtualwebauthn.CreateAttestationResponse(v.s.rp, pk.auth, pk.cred, *ao)
	resp, out := v.postJSON(base+"/finish?ceremony="+url.QueryEscape(c.Ceremony)+"&name=Laptop", body)
	if resp.StatusCode != 200 {
		v.t.Fatalf("finish enrolment: status %d: %s", resp.StatusCode, out)
	}
	pk.auth.AddCredential(pk.cred)
	return pk
}

// signIn signs the visitor in with a passkey through /signin; it returns
// the finish response.
func (v *visitor) signIn(pk *passkey) (*http.Response, string) {
	v.t.Helper()
	v.get("/signin")
	return v.finishSignIn(v.begin("/signin/begin"), pk)
}

// finishSignIn answers a sign-in ceremony with an assertion from pk.
func (v *visitor) finishSignIn(c ceremonyJSON, pk *passkey) (*http.Response, string) {
	v.t.Helper()
	ao, err := virtualwebauthn.ParseAssertionOptions(string(c.Options))
	if err != nil {
		v.t.Fatal(err)
	}
	pk.cred.Counter++
	body := virtualwebauthn.CreateAssertionResponse(v.s.rp, pk.auth, pk.cred, *ao)
	return v.postJSON("/signin/finish?ceremony="+url.QueryEscape(c.Ceremony), body)
}

// signedInAs reports whom the visitor's session belongs to, by asking the
// server ("" when not signed in).
func (v *visitor) signedInAs() string {
	v.t.Helper()
	resp, body := v.get("/account")
	if resp.StatusCode == http.StatusSeeOther {
		return ""
	}
	m := regexp.MustCompile(`<dd id="my-name">([^<]*)</dd>`).FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		v.t.Fatalf("GET /account: status %d\n%.1000s", resp.StatusCode, body)
	}
	return m[1]
}

// actor is an Actor for setting up data as the operator would.
func operator(org uuid.UUID) auth.Actor { return auth.Actor{OrgID: org, IP: "operator"} }

// tenant is an organisation with everything a route can name: an admin and
// a member signed in with passkeys, a person with an open enrolment link, a
// team, a label, the member's learning records and a support resource.
type tenant struct {
	org                    store.Organisation
	admin, member, invitee store.Person
	adminV, memberV        *visitor
	adminKey, memberKey    *passkey
	inviteeToken           string
	invite                 uuid.UUID
	team, label            store.Group
	passkeyID              string // base64url, as in /account/passkeys/:id
	cert                   uuid.UUID
	certCode               string
	reflection             uuid.UUID
	scenarioAttempt        uuid.UUID
	quizAttempt            uuid.UUID
	support                uuid.UUID
	module                 string
	scenarioStep           int
	quizStep               int
	reflectionStep         int
	// secrets are strings only this organisation's pages may show.
	secrets []string
}

// newTenant builds an organisation whose every name carries tag, so that
// its data is easy to spot in another organisation's pages.
func (s *idServer) newTenant(t *testing.T, tag string) *tenant {
	t.Helper()
	ctx := context.Background()
	lower := strings.ToLower(tag)
	x := &tenant{}
	org, admin, link, err := s.auth.CreateOrganisation(ctx, tag+" Trust", tag+" Adminson", "admin@"+lower+".example")
	if err != nil {
		t.Fatal(err)
	}
	x.org, x.admin = org, admin
	x.adminV = s.visitor(t)
	x.adminKey = x.adminV.enrol(link.URL)
	a := operator(org.ID)
	if x.team, err = s.auth.CreateGroup(ctx, a, store.Teams, tag+" Ward"); err != nil {
		t.Fatal(err)
	}
	if x.label, err = s.auth.CreateGroup(ctx, a, store.Labels, tag+" Responder"); err != nil {
		t.Fatal(err)
	}
	member, link, err := s.auth.Invite(ctx, a, auth.Invitation{Name: tag + " Memberley", Email: "member@" + lower + ".example",
		Teams: []uuid.UUID{x.team.ID}, Labels: []uuid.UUID{x.label.ID}})
	if err != nil {
		t.Fatal(err)
	}
	x.member = member
	x.memberV = s.visitor(t)
	x.memberKey = x.memberV.enrol(link.URL)
	keys, err := s.st.Credentials(ctx, org.ID, member.ID)
	if err != nil || len(keys) != 1 {
		t.Fatalf("member passkeys: %v %v", keys, err)
	}
	x.passkeyID = passkeyKey(keys[0].ID)
	invitee, link, err := s.auth.Invite(ctx, a, auth.Invitation{Name: tag + " Inviteeson", Email: "invitee@" + lower + ".example"})
	if err != nil {
		t.Fatal(err)
	}
	x.invitee, x.invite = invitee, link.InviteID
	x.inviteeToken = enrolTokenRE.FindStringSubmatch(link.URL)[1]
	x.learnerRecords(t, s)
	res, err := s.learn.AddSupportResource(ctx, learning.Editor{OrgID: org.ID, PersonID: admin.ID, IP: "operator"}, learning.SupportInput{Name: tag + " Helpline", Description: tag + " counselling", Phone: "0800 000 0000"})
	if err != nil {
		t.Fatal(err)
	}
	x.support = res.ID
	x.secrets = []string{org.Name, admin.Name, admin.Email, member.Name, member.Email, invitee.Name, invitee.Email,
		x.team.Name, x.label.Name, tag + " Helpline", tag + " private note"}
	return x
}

// learnerRecords gives the member a scenario attempt, a quiz attempt, a
// reflection and a certificate, through the learning service.
func (x *tenant) learnerRecords(t *testing.T, s *idServer) {
	t.Helper()
	ctx := context.Background()
	l := learning.Learner{OrgID: x.org.ID, PersonID: x.member.ID}
	svc := s.learn
	m, _ := svc.Content().Module("microaggressions")
	x.module = m.ID
	if _, err := svc.Start(ctx, l, m.ID, false); err != nil {
		t.Fatal(err)
	}
	for _, st := range m.Steps {
		switch st.Kind {
		case content.LessonStep:
			if _, _, err := svc.OpenLesson(ctx, l, m.ID, st.Index); err != nil {
				t.Fatal(err)
			}
		case content.ScenarioStep:
			play, err := svc.StartScenario(ctx, l, m.ID, st.Index)
			if err != nil {
				t.Fatal(err)
			}
			for i, ch := range learning.PathTo(st.Scenario, content.Positive) {
				if play, err = svc.Choose(ctx, l, m.ID, st.Index, play.Attempt.ID, i, ch); err != nil {
					t.Fatal(err)
				}
			}
			if x.scenarioStep == 0 {
				x.scenarioStep, x.scenarioAttempt = st.Index, play.Attempt.ID
			}
		case content.QuizStep:
			picks := make([]int, len(st.Quiz.Questions))
			for i, q := range st.Quiz.Questions {
				for j, o := range q.Options {
					if o.Correct {
						picks[i] = j + 1
					}
				}
			}
			res, err := svc.SubmitQuiz(ctx, l, m.ID, st.Index, picks)
			if err != nil {
				t.Fatal(err)
			}
			x.quizStep, x.quizAttempt = st.Index, res.Attempt.ID
		case content.ReflectionStep:
			r, err := svc.Reflect(ctx, l, m.ID, st.Index, strings.Fields(x.org.Name)[0]+" private note")
			if err != nil {
				t.Fatal(err)
			}
			x.reflectionStep, x.reflection = st.Index, r.ID
		}
	}
	c, _, _, err := svc.Finish(ctx, l, m.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.CertificateID == nil {
		certs, err := s.st.LatestCompletions(ctx, x.org.ID, x.member.ID)
		if err != nil || len(certs) == 0 || certs[0].CertificateID == nil {
			t.Fatalf("no certificate: %v %v", certs, err)
		}
		c = certs[0]
	}
	x.cert, x.certCode = *c.CertificateID, *c.CertificateCode
}

// leaks returns the other organisation's secrets that appear in body.
func (x *tenant) leaks(body string) []string {
	var found []string
	for _, s := range x.secrets {
		if strings.Contains(body, s) {
			found = append(found, s)
		}
	}
	return found
}

// passkeyKey is a credential id as the account page puts it in URLs.
func passkeyKey(id []byte) string { return base64.RawURLEncoding.EncodeToString(id) }
