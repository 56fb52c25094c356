package web

import (
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/upstand/upstand/app/learning"
	"github.com/upstand/upstand/app/store"
)

// notFoundMessage is what every 404 says unless its error says something
// more specific (an enrolment link that cannot be used). A page that is
// not there and a page that is someone else's read the same, on purpose.
const notFoundMessage = "There is no page at this address. It may have moved, or the link may be mistyped."

// handleError is the one place an error becomes a response. Server faults
// are logged here, once, with the request id; client errors are not noise
// worth logging beyond the access log line.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status := fiber.StatusInternalServerError
	heading := http.StatusText(status)
	message := "Something went wrong on our side. Please try again; if it keeps happening, tell your administrator the reference below."
	var fe *fiber.Error
	switch {
	case errors.As(err, &fe):
		status, heading = fe.Code, http.StatusText(fe.Code)
		if status < 500 {
			message = fe.Message
		}
	case errors.Is(err, store.ErrNotFound), errors.Is(err, learning.ErrNotFound):
		// A handler that passed the not-found on unmapped: still a 404.
		status = fiber.StatusNotFound
	}
	if status == fiber.StatusNotFound {
		heading = "Page not found"
		if fe == nil || fe.Message == utils.StatusMessage(status) {
			message = notFoundMessage
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
		"Title":   heading,
		"Heading": heading,
		"Message": message,
		"Status":  status,
	})
}

// notFound is the catch-all after every route.
func (s *Server) notFound(*fiber.Ctx) error { return fiber.ErrNotFound }
