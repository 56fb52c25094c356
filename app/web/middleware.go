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
		path := c.Path()
		// Enrolment links carry their secret in the path: log the pattern.
		if r := c.Route(); r != nil && strings.Contains(r.Path, ":token") {
			path = r.Path
		}
		s.log.Info("request",
			"method", c.Method(),
			"path", path,
			"status", c.Response().StatusCode(),
			"duration", time.Since(start).Round(time.Microsecond),
			"ip", c.IP(),
			"request_id", requestID(c))
		return nil
	}
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
