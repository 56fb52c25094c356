package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// healthz says only that the process is alive and serving: a load balancer
// restarts the process when this fails, so it must not depend on the database.
func (s *Server) healthz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz says whether this server can do useful work: the database answers
// and its schema matches the binary. A load balancer stops sending traffic
// while it fails.
func (s *Server) readyz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		s.log.WarnContext(ctx, "not ready", "err", err)
		// The reason goes to the log, not to whoever asked: it can name hosts.
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable"})
	}
	return c.JSON(fiber.Map{"status": "ready"})
}
