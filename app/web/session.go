package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/csrf"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/upstand/upstand/app/auth"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/secret"
	"github.com/upstand/upstand/app/store"
)

const (
	personKey = "person"
	tokenKey  = "session_token"
	// sessionHashKey holds the signed-in session's id hash, to which the
	// request's CSRF token is bound.
	sessionHashKey = "session_hash"
	actorKey       = "actor"
	csrfKey        = "csrf"
	// csrfStorageKey holds the request's *csrfStorage.
	csrfStorageKey = "csrf_storage"
	// demoKey marks a request whose session began from a demo link.
	demoKey = "demo_session"
)

// loadSession resolves the session cookie to the signed-in person, if any.
// An unknown, idle, expired or deactivated session is simply "signed out":
// the stale cookie is cleared.
func (s *Server) loadSession() fiber.Handler {
	return func(c *fiber.Ctx) error {
		token := c.Cookies(s.sessionCookie)
		if token == "" {
			return c.Next()
		}
		sess, p, err := s.auth.Session(c.UserContext(), token)
		switch {
		case errors.Is(err, auth.ErrNoSession):
			s.clearSessionCookie(c)
		case err != nil:
			return err
		case sess.Demo && !s.demoMode():
			// Begun without a passkey while the server ran in demo mode:
			// worthless once it does not.
			s.clearSessionCookie(c)
		default:
			c.Locals(personKey, p)
			c.Locals(tokenKey, token)
			c.Locals(sessionHashKey, sess.IDHash)
			// Who acts in this request, with the request's one way to
			// organisation data: bound to the organisation the session
			// belongs to, never to a request parameter.
			c.Locals(actorKey, org.ActorFor(s.st, p, c.IP()))
			c.Locals(demoKey, sess.Demo)
		}
		return c.Next()
	}
}

// signedIn returns the person this request is signed in as.
func signedIn(c *fiber.Ctx) (store.Person, bool) {
	p, ok := c.Locals(personKey).(store.Person)
	return p, ok
}

// actor is the signed-in person acting in this request; only for handlers
// behind requireSignedIn.
func actor(c *fiber.Ctx) org.Actor {
	a, _ := c.Locals(actorKey).(org.Actor)
	return a
}

// me returns the signed-in person; only for handlers behind requireSignedIn.
func me(c *fiber.Ctx) store.Person {
	p, _ := signedIn(c)
	return p
}

// requireSignedIn sends anonymous visitors to the sign-in page (HTML) or
// answers 401 (JSON).
func (s *Server) requireSignedIn(c *fiber.Ctx) error {
	if _, ok := signedIn(c); ok {
		return c.Next()
	}
	if c.Method() == fiber.MethodGet && c.Accepts(fiber.MIMETextHTML, fiber.MIMEApplicationJSON) != fiber.MIMEApplicationJSON {
		return c.Redirect("/signin", fiber.StatusSeeOther)
	}
	return fiber.NewError(fiber.StatusUnauthorized, "Please sign in first.")
}

// requireOrgAdmin lets only the organisation's admins through. Others get
// 404, as if the admin pages did not exist.
func (s *Server) requireOrgAdmin(c *fiber.Ctx) error {
	if p, ok := signedIn(c); ok && p.IsOrgAdmin {
		return c.Next()
	}
	return fiber.ErrNotFound
}

func (s *Server) setSessionCookie(c *fiber.Ctx, token string, expires time.Time) {
	c.Cookie(&fiber.Cookie{Name: s.sessionCookie, Value: token, Path: "/", Expires: expires,
		Secure: s.cfg.Secure(), HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
}

func (s *Server) clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: s.sessionCookie, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
		Secure: s.cfg.Secure(), HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
}

// signIn starts a fresh session for p: the session id is always new, any
// session the browser had is ended, and the CSRF token is replaced, so
// nothing planted before sign-in survives it.
func (s *Server) signIn(c *fiber.Ctx, p store.Person) error {
	return s.startSession(c, p, s.auth.StartSession)
}

// signInDemo is signIn for a demo link: the new session is marked as a
// demo session, which every page then shows.
func (s *Server) signInDemo(c *fiber.Ctx, p store.Person) error {
	return s.startSession(c, p, s.auth.StartDemoSession)
}

func (s *Server) startSession(c *fiber.Ctx, p store.Person,
	start func(ctx context.Context, p store.Person, ip, userAgent string) (string, time.Time, error)) error {
	if old := c.Cookies(s.sessionCookie); old != "" {
		if prev, ok := signedIn(c); ok {
			if err := s.auth.EndSession(c.UserContext(), old, prev, c.IP()); err != nil {
				return err
			}
		}
	}
	token, expires, err := start(c.UserContext(), p, c.IP(), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return err
	}
	s.setSessionCookie(c, token, expires)
	return s.issueCSRF(c, token)
}

// csrfLifetime is how long a CSRF token lasts without being used.
const csrfLifetime = 2 * time.Hour

// csrfProtection guards every state-changing request with a token that
// must come in the form body (_csrf) or the X-CSRF-Token header — never
// the query string, which ends up in logs, histories and Referers — and
// must be the one issued to this very session:
//
//   - Signed in, the token is derived from the session's secret token (the
//     cookie's value, which PostgreSQL never holds: it keeps a hash): a
//     SHA-256 of it under a label of its own (sessionCSRF). Every app
//     server can check it with nothing stored, so a signed-in page costs
//     no read or write for it; it changes with the session (new at every
//     sign-in) and dies with it (a session ended anywhere is unknown
//     everywhere at once, and its requests are then signed out). Knowing
//     the token gives nothing towards the session's secret.
//   - Signed out (the sign-in and enrolment pages), the token is random,
//     must match the cookie (double submit) and must be known server-side
//     (shared storage, so any app server can check it) as issued signed
//     out: the stored record says so, and a lookup from a session finds
//     nothing (see csrfStorage).
//
// So neither another session's token nor a pair picked up signed out (GET
// /signin) works with someone's session cookie. Sign-in and sign-out
// issue a new token at once (issueCSRF).
//
// Fiber's middleware drops its storage's errors: a token it could not read
// looks unknown ("this form has expired"), a token it could not write looks
// stored. So each request gets the middleware over its own csrfStorage,
// which keeps the first error, and a failed read or write is answered as
// that error (a database outage: 503) here or in csrfStored, which runs
// next. The middleware keeps no state of its own between requests; its
// configuration is built once.
func (s *Server) csrfProtection() fiber.Handler {
	kv := s.st.KV(s.now)
	refuse := func(c *fiber.Ctx, err error) error {
		if err := s.csrfStorageFailed(c); err != nil {
			return err
		}
		s.log.Warn("csrf refused", "path", c.Path(), "ip", c.IP(), "reason", err.Error(), "request_id", requestID(c))
		return fiber.NewError(fiber.StatusForbidden, "This form has expired or did not come from this site. Go back, reload the page and try again.")
	}
	cfg := csrf.Config{
		CookieName:        s.csrfCookie,
		CookiePath:        "/",
		CookieSecure:      s.cfg.Secure(),
		CookieHTTPOnly:    true,
		CookieSameSite:    fiber.CookieSameSiteLaxMode,
		CookieSessionOnly: true,
		Expiration:        csrfLifetime,
		ContextKey:        csrfKey,
		KeyGenerator:      func() string { t, _ := secret.New(); return t },
		Extractor:         csrfFromBodyOrHeader,
		ErrorHandler:      refuse,
	}
	return func(c *fiber.Ctx) error {
		st := &csrfStorage{KV: kv, binding: csrfBinding(c.Locals(sessionHashKey))}
		c.Locals(csrfStorageKey, st)
		if session, ok := c.Locals(tokenKey).(string); ok && session != "" {
			return s.sessionCSRFCheck(c, session, refuse)
		}
		perRequest := cfg
		perRequest.Storage = st
		return csrf.New(perRequest)(c)
	}
}

// sessionCSRF is the CSRF token of the session whose secret token is
// session (see csrfProtection).
func sessionCSRF(session string) string {
	sum := sha256.Sum256(append([]byte("upstand csrf token\x00"), session...))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// sessionCSRFCheck is csrfProtection for a signed-in request: a
// state-changing one must carry the session's token in the body or a
// header; every one gets it for its forms and in the cookie (which
// passkey.js reads).
func (s *Server) sessionCSRFCheck(c *fiber.Ctx, session string, refuse func(*fiber.Ctx, error) error) error {
	want := sessionCSRF(session)
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions, fiber.MethodTrace:
	default:
		got, err := csrfFromBodyOrHeader(c)
		if err != nil {
			return refuse(c, err)
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			return refuse(c, csrf.ErrTokenInvalid)
		}
	}
	if c.Cookies(s.csrfCookie) != want {
		s.setCSRFCookie(c, want)
	}
	c.Vary(fiber.HeaderCookie)
	c.Locals(csrfKey, want)
	return c.Next()
}

// setCSRFCookie sets the CSRF cookie as the middleware does (see
// csrfProtection's config).
func (s *Server) setCSRFCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{Name: s.csrfCookie, Value: token, Path: "/", Secure: s.cfg.Secure(), HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, SessionOnly: true})
}

// csrfFromBodyOrHeader reads the token from the X-CSRF-Token header or
// the form body, never from the query string: fiber's CsrfFromForm (and
// c.FormValue) would take ?_csrf= from the URL too.
func csrfFromBodyOrHeader(c *fiber.Ctx) (string, error) {
	if t := c.Get(csrf.HeaderName); t != "" {
		return t, nil
	}
	if t := c.Request().PostArgs().Peek("_csrf"); len(t) > 0 { // form-urlencoded bodies only
		return string(t), nil
	}
	if form, err := c.Request().MultipartForm(); err == nil {
		if v := form.Value["_csrf"]; len(v) > 0 && v[0] != "" {
			return v[0], nil
		}
	}
	return "", csrf.ErrTokenNotFound
}

// csrfBinding is what a CSRF token's stored record says it was issued to:
// a session, by a hash of its id hash (neither the cookie nor the
// sessions table's key can be rebuilt from it), or nobody signed in.
func csrfBinding(sessionHash any) []byte {
	h, ok := sessionHash.([]byte)
	if !ok || len(h) == 0 {
		return []byte("signed-out")
	}
	sum := sha256.Sum256(append([]byte("upstand csrf binding\x00"), h...))
	return []byte("session:" + hex.EncodeToString(sum[:]))
}

// issueCSRF replaces the request's CSRF token at sign-in and sign-out:
// the old token, if it was a stored signed-out one (the cookie's, or the
// one this request was checked with), is deleted; the new one is the new
// session's (session, its secret token) or, signing out (session ""), a
// new random one stored as issued signed out. It is set as the cookie and
// given to any page this response renders.
func (s *Server) issueCSRF(c *fiber.Ctx, session string) error {
	st, ok := c.Locals(csrfStorageKey).(*csrfStorage)
	if !ok {
		return errors.New("web: issueCSRF on a route without CSRF protection")
	}
	var signedIn string // the token of the session this request came with
	if old, ok := c.Locals(tokenKey).(string); ok && old != "" {
		signedIn = sessionCSRF(old)
	}
	for _, old := range []string{c.Cookies(s.csrfCookie), csrfToken(c)} {
		if old != "" && old != signedIn {
			if err := st.Delete(old); err != nil {
				return err
			}
		}
	}
	token := sessionCSRF(session)
	if session == "" {
		st.binding = csrfBinding(nil)
		token, _ = secret.New()
		if err := st.Set(token, st.binding, csrfLifetime); err != nil {
			return err
		}
	}
	s.setCSRFCookie(c, token)
	c.Locals(csrfKey, token)
	return nil
}

// csrfStored follows csrfProtection: a request whose token could not be
// read or stored is answered with that storage error, before any page
// renders a form with a token that will not work.
func (s *Server) csrfStored(c *fiber.Ctx) error {
	if err := s.csrfStorageFailed(c); err != nil {
		return err
	}
	return c.Next()
}

// csrfStorageFailed is the error the request's CSRF storage met, if any.
// The middleware has by then replaced or expired the browser's token
// cookie, as it would for a token that is really unknown; that change is
// taken back, so the page the browser holds still works once the database
// answers again.
func (s *Server) csrfStorageFailed(c *fiber.Ctx) error {
	st, ok := c.Locals(csrfStorageKey).(*csrfStorage)
	if !ok || st.err == nil {
		return nil
	}
	c.Response().Header.DelCookie(s.csrfCookie)
	return st.err
}

// csrfStorage is the key/value table as one request's CSRF middleware sees
// it. It keeps the first error (see csrfProtection). It keys a token by its
// SHA-256, like every other secret Upstand stores, under "csrf:". And it
// binds tokens to the request's session: Set stores the request's binding
// (whatever value the middleware passes), and Get finds a token only if it
// was stored with the same binding, so to the middleware another
// session's token is simply unknown.
type csrfStorage struct {
	*store.KV
	binding []byte
	err     error
}

func (k *csrfStorage) keep(err error) error {
	if err != nil && k.err == nil {
		k.err = err
	}
	return err
}

func csrfStorageKeyOf(token string) string {
	return "csrf:" + hex.EncodeToString(secret.Hash(token))
}

func (k *csrfStorage) Get(token string) ([]byte, error) {
	v, err := k.KV.Get(csrfStorageKeyOf(token))
	if k.keep(err) != nil || subtle.ConstantTimeCompare(v, k.binding) != 1 {
		return nil, err
	}
	return v, nil
}

func (k *csrfStorage) Set(token string, _ []byte, exp time.Duration) error {
	return k.keep(k.KV.Set(csrfStorageKeyOf(token), k.binding, exp))
}

func (k *csrfStorage) Delete(token string) error {
	return k.keep(k.KV.Delete(csrfStorageKeyOf(token)))
}

func csrfToken(c *fiber.Ctx) string {
	t, _ := c.Locals(csrfKey).(string)
	return t
}

// sameOrigin refuses state-changing requests that a browser marks as coming
// from another site, whatever token they carry.
func (s *Server) sameOrigin(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if site := c.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return fiber.NewError(fiber.StatusForbidden, "Requests from other sites are refused.")
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" && origin != s.cfg.Origin() {
		return fiber.NewError(fiber.StatusForbidden, "Requests from other sites are refused.")
	}
	return c.Next()
}

// rateLimit allows max requests per window from one client address for a
// group of routes; the counters live in the shared key/value table. Fiber's
// limiter drops storage errors too, so in a database outage it lets
// requests through uncounted; every limited route uses the database itself
// and answers the outage with a 503.
func (s *Server) rateLimit(group string, max int, window time.Duration) fiber.Handler {
	return limiter.New(limiter.Config{
		Max:          max,
		Expiration:   window,
		Storage:      s.st.KV(s.now),
		KeyGenerator: func(c *fiber.Ctx) string { return "rate:" + group + ":" + c.IP() },
		LimitReached: func(c *fiber.Ctx) error {
			s.log.Warn("rate limit reached", "group", group, "ip", c.IP())
			return fiber.NewError(fiber.StatusTooManyRequests, "Too many attempts. Please wait a minute and try again.")
		},
	})
}
