package web

import (
	"github.com/gofiber/fiber/v2"
)

// withRequestID gives a request an id as frame does, for tests that build
// a Fiber app of their own around the error handler.
func withRequestID(c *fiber.Ctx) error {
	c.Locals(requestIDKey, "test-request-id")
	c.Set(fiber.HeaderXRequestID, "test-request-id")
	return c.Next()
}
