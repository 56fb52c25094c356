package web

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/csrf"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/upstand/upstand/app/auth"
	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

const (
	personKey = "person"
	tokenKey  = "session_token"
	actorKey  = "actor"
	csrfKey   = "csrf"
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
	if h, ok := c.Locals(csrf.ConfigDefault.HandlerContextKey).(*csrf.CSRFHandler); ok {
		if err := h.DeleteToken(c); err != nil && !errors.Is(err, csrf.ErrTokenNotFound) {
			return err
		}
	}
	return nil
}

// csrfProtection guards every state-changing request with a token that must
// match the cookie (double submit) and exist server-side (shared storage,
// so any app server can check it). Forms send it as _csrf, scripts as the
// X-CSRF-Token header.
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
		CookieSecure:      s.cfg.Secure(),
		CookieHTTPOnly:    true,
		CookieSameSite:    fiber.CookieSameSiteLaxMode,
		CookieSessionOnly: true,
		Expiration:        2 * time.Hour,
		ContextKey:        csrfKey,
		Extractor: func(c *fiber.Ctx) (string, error) {
			if t := c.Get("X-CSRF-Token"); t != "" {
				return t, nil
			}
			if t := c.FormValue("_csrf"); t != "" {
				return t, nil
			}
			return "", csrf.ErrTokenNotFound
		},
		ErrorHandler: refuse,
	}
	return func(c *fiber.Ctx) error {
		st := &csrfStorage{KV: kv}
		c.Locals(csrfStorageKey, st)
		perRequest := cfg
		perRequest.Storage = st
		return csrf.New(perRequest)(c)
	}
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
// it, keeping the first error (see csrfProtection).
type csrfStorage struct {
	*store.KV
	err error
}

func (k *csrfStorage) keep(err error) error {
	if err != nil && k.err == nil {
		k.err = err
	}
	return err
}

func (k *csrfStorage) Get(key string) ([]byte, error) {
	v, err := k.KV.Get(key)
	return v, k.keep(err)
}

func (k *csrfStorage) Set(key string, val []byte, exp time.Duration) error {
	return k.keep(k.KV.Set(key, val, exp))
}

func (k *csrfStorage) Delete(key string) error { return k.keep(k.KV.Delete(key)) }

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
