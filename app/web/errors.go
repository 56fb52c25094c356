package web

import (
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"
)

// handleError is the one place an error becomes a response. Server faults
// are logged here, once, with the request id; client errors are not noise
// worth logging beyond the access log line.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status := fiber.StatusInternalServerError
	message := "Something went wrong on our side. Please try again; if it keeps happening, tell your administrator the reference below."
	var fe *fiber.Error
	if errors.As(err, &fe) {
		status = fe.Code
		if status < 500 {
			message = fe.Message
		}
	}
	if status >= 500 {
		s.log.Error("request failed", "method", c.Method(), "path", loggedPath(c), "status", status,
			"request_id", requestID(c), "err", err)
	}
	c.Status(status)
	if c.Accepts(fiber.MIMETextHTML, fiber.MIMEApplicationJSON) == fiber.MIMEApplicationJSON {
		return c.JSON(fiber.Map{"error": message, "status": status, "request_id": requestID(c)})
	}
	return s.render(c, "pages/error", fiber.Map{
		"Title":   http.StatusText(status),
		"Heading": http.StatusText(status),
		"Message": message,
		"Status":  status,
	})
}

func (s *Server) notFound(c *fiber.Ctx) error {
	return fiber.NewError(fiber.StatusNotFound, "There is no page at this address. It may have moved, or the link may be mistyped.")
}
