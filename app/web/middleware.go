package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

const requestIDKey = "request_id"

// contentSecurityPolicy allows nothing inline and nothing from elsewhere:
// every script and style is a file under /assets.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// recover turns a panic into a 500 through the error handler, with the stack
// in the log.
func (s *Server) recover() fiber.Handler {
	return func(c *fiber.Ctx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
			}
		}()
		return c.Next()
	}
}

// serveAll puts every response the server sends, whatever produced it,
// inside the same frame: a fresh request id (X-Request-ID, shown on error
// pages), the security headers, and one access-log line once the status
// is final. It wraps Fiber's own fasthttp handler, so a response Fiber
// makes outside the middleware (an unknown HTTP method) is framed too, and
// fasthttp's handler of requests it could not read (a body over the limit,
// headers or an address too long, a malformed request, a read timeout),
// which Fiber's middleware never sees. Both are answered by the one error
// handler, as an unknown method is (501). A handler may still override a
// header it sets (the enrolment page's Referrer-Policy).
//
// Only a connection fasthttp refuses before reading a request (over its
// concurrency limit) is answered without; fasthttp logs that through
// serverLog.
func (s *Server) serveAll() {
	srv := s.app.Server()
	fiberHandler := srv.Handler
	srv.Handler = func(fctx *fasthttp.RequestCtx) {
		s.frame(fctx, func(fctx *fasthttp.RequestCtx) {
			// Fiber answers a method it does not know with a bare "Invalid
			// http method" of its own; answer it here, like any error.
			if !slices.Contains(fiber.DefaultMethods, string(fctx.Method())) {
				s.answerError(fctx, fiber.NewError(fiber.StatusNotImplemented, "Upstand does not know that kind of request."))
				return
			}
			fiberHandler(fctx)
		})
	}
	srv.ErrorHandler = func(fctx *fasthttp.RequestCtx, err error) {
		s.frame(fctx, func(fctx *fasthttp.RequestCtx) { s.answerError(fctx, readError(err, s.cfg.BodyLimit)) })
	}
	srv.Logger = serverLog{s.log}
	// fasthttp's error texts leave out the request's bytes, which could
	// hold a secret path.
	srv.SecureErrorLogMessage = true
}

// frame runs next inside the frame serveAll describes.
func (s *Server) frame(fctx *fasthttp.RequestCtx, next fasthttp.RequestHandler) {
	start := time.Now()
	var b [12]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	fctx.SetUserValue(requestIDKey, id) // what c.Locals(requestIDKey) reads
	fctx.Response.Header.Set(fiber.HeaderXRequestID, id)
	for _, h := range s.headers {
		fctx.Response.Header.Set(h[0], h[1])
	}
	next(fctx)
	route, _ := fctx.UserValue(routeKey).(string)
	if route == "" { // answered before Fiber's routing: fasthttp refused it
		route = "unmatched"
	}
	s.metrics.Request(route, string(fctx.Method()), fctx.Response.StatusCode(), time.Since(start))
	c := s.app.AcquireCtx(fctx) // for c.IP(), which knows the trusted proxies
	defer s.app.ReleaseCtx(c)
	s.log.Info("request",
		"method", c.Method(),
		"path", c.Path(),
		"status", fctx.Response.StatusCode(),
		"duration", time.Since(start).Round(time.Microsecond),
		"ip", c.IP(),
		"request_id", id)
}

// readError is the answer to a request fasthttp could not read.
// fasthttp's error text is for no one: it names buffer sizes and parser
// states. A body over bodyLimit (a long text pasted into a form, a big
// file) is told the limit in words, since no handler saw it to say more.
func readError(err error, bodyLimit int) error {
	var (
		small  *fasthttp.ErrSmallBuffer
		netErr net.Error
	)
	switch {
	case errors.As(err, &small):
		return fiber.NewError(fiber.StatusRequestHeaderFieldsTooLarge, "The address or the headers of the request are too long.")
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return fiber.NewError(fiber.StatusRequestEntityTooLarge, fmt.Sprintf(
			"What was sent is too large: Upstand accepts at most %s at a time, so nothing of it was saved. Make it smaller and try again.", byteSize(bodyLimit)))
	case errors.As(err, &netErr) && netErr.Timeout(), strings.Contains(err.Error(), "timeout"):
		return fiber.NewError(fiber.StatusRequestTimeout, "The request took too long to arrive.")
	}
	return fiber.NewError(fiber.StatusBadRequest, "The request could not be read.")
}

// byteSize is n bytes as people read it: "1 MiB", "16 KiB", "1.5 MiB".
func byteSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// answerError answers a request outside Fiber's routing through the one
// error handler.
func (s *Server) answerError(fctx *fasthttp.RequestCtx, err error) {
	c := s.app.AcquireCtx(fctx)
	defer s.app.ReleaseCtx(c)
	if herr := s.handleError(c, err); herr != nil {
		_ = c.SendStatus(fiber.StatusInternalServerError)
	}
}

// requestContext puts the request id (set by frame) into the request's
// context, so the services' log lines about this request carry it.
func (s *Server) requestContext(c *fiber.Ctx) error {
	c.SetUserContext(context.WithValue(c.UserContext(), requestIDContext{}, requestID(c)))
	err := c.Next()
	c.Context().SetUserValue(routeKey, routeOf(c))
	return err
}

// routeKey holds the route pattern a request matched, for frame's metrics.
const routeKey = "upstand.route"

// routeOf is the pattern of the route that answered c ("/courses/:module"),
// or "unmatched" when none did: no route has the path, or app-wide
// middleware refused the request before one could (only the home page's
// pattern is "/").
func routeOf(c *fiber.Ctx) string {
	r := c.Route()
	if r == nil || (r.Path == "/" && c.Path() != "/") {
		return "unmatched"
	}
	return r.Path
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(requestIDKey).(string)
	return id
}

// securityHeaders are set on every response (see frame): a strict CSP
// and friends. Referrer-Policy is same-origin, not no-referrer: Fiber's
// CSRF check over HTTPS needs a same-origin Referer. HSTS is sent whenever
// the base URL is https, which is when browsers reach Upstand over https,
// whether TLS ends here or at a proxy in front.
func securityHeaders(secure bool) [][2]string {
	h := [][2]string{
		{fiber.HeaderContentSecurityPolicy, contentSecurityPolicy},
		{fiber.HeaderReferrerPolicy, "same-origin"},
		{fiber.HeaderXFrameOptions, "DENY"},
		{fiber.HeaderXContentTypeOptions, "nosniff"},
		{fiber.HeaderXXSSProtection, "0"},
		{"Cross-Origin-Embedder-Policy", "require-corp"},
		{"Cross-Origin-Opener-Policy", "same-origin"},
		{"Cross-Origin-Resource-Policy", "same-origin"},
		{"Origin-Agent-Cluster", "?1"},
		{"X-DNS-Prefetch-Control", "off"},
		{"X-Download-Options", "noopen"},
		{"X-Permitted-Cross-Domain-Policies", "none"},
		{fiber.HeaderPermissionsPolicy, "camera=(), microphone=(), geolocation=(), payment=(), publickey-credentials-create=(self), publickey-credentials-get=(self)"},
	}
	if secure {
		h = append(h, [2]string{fiber.HeaderStrictTransportSecurity, "max-age=31536000; includeSubDomains"})
	}
	return h
}
