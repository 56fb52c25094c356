package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/helmet"
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

// requestID gives every request a random id, echoed in X-Request-ID and
// shown on error pages, so a report from a user can be found in the log.
// An incoming X-Request-ID is not trusted: anyone could forge log lines.
func (s *Server) requestID() fiber.Handler {
	return func(c *fiber.Ctx) error {
		var b [12]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		c.Locals(requestIDKey, id)
		c.Set(fiber.HeaderXRequestID, id)
		return c.Next()
	}
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(requestIDKey).(string)
	return id
}

// accessLog logs one line per request after the error handler has decided
// the status, so the line shows what the client really got.
func (s *Server) accessLog() fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := s.now()
		if err := c.Next(); err != nil {
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		s.log.Info("request",
			"method", c.Method(),
			"path", loggedPath(c),
			"status", c.Response().StatusCode(),
			"duration", time.Since(start).Round(time.Microsecond),
			"ip", c.IP(),
			"request_id", requestID(c))
		return nil
	}
}

// secretPaths start the paths whose next segment is a secret token:
// enrolment links and demo sign-in links.
var secretPaths = []string{"/enrol/", "/demo/"}

// loggedPath is the request path as a log line may show it: a link that
// carries its secret in the path shows ":token" instead. The route's
// pattern is not enough on its own: middleware that refuses a request
// (CSRF) runs before the route matched, and an unknown path has none.
func loggedPath(c *fiber.Ctx) string {
	if r := c.Route(); r != nil && strings.Contains(r.Path, ":token") {
		return r.Path
	}
	path := c.Path()
	for _, prefix := range secretPaths {
		if rest, ok := strings.CutPrefix(path, prefix); ok {
			if _, tail, found := strings.Cut(rest, "/"); found {
				return prefix + ":token/" + tail
			}
			return prefix + ":token"
		}
	}
	return path
}

// securityHeaders sets a strict CSP and friends. Referrer-Policy is
// same-origin, not no-referrer: CSRF checks over HTTPS need a same-origin
// Referer.
func (s *Server) securityHeaders() fiber.Handler {
	cfg := helmet.Config{
		ContentSecurityPolicy:     contentSecurityPolicy,
		ReferrerPolicy:            "same-origin",
		XFrameOptions:             "DENY",
		CrossOriginEmbedderPolicy: "require-corp",
		CrossOriginOpenerPolicy:   "same-origin",
		CrossOriginResourcePolicy: "same-origin",
		PermissionPolicy:          "camera=(), microphone=(), geolocation=(), payment=(), publickey-credentials-create=(self), publickey-credentials-get=(self)",
	}
	if s.cfg.Secure() {
		cfg.HSTSMaxAge = 31536000
	}
	return helmet.New(cfg)
}
