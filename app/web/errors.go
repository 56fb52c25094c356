package web

import (
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/fault"
	"github.com/upstand/upstand/app/learning"
)

// The words the error page uses when an error brings none of its own.
const (
	notFoundMessage    = "There is no page at this address. It may have moved, or the link may be mistyped."
	forbiddenMessage   = "You cannot do that here. If you think you should be able to, ask your organisation's administrator."
	conflictMessage    = "That could not be done because something changed meanwhile. Reload the page and try again."
	invalidMessage     = "Something in what was sent is not right. Go back, check it and try again."
	unavailableMessage = "Upstand is briefly unavailable. Please try again in a minute; if it keeps happening, tell your administrator the reference below."
	internalMessage    = "Something went wrong on our side. Please try again; if it keeps happening, tell your administrator the reference below."
)

// retryAfter is the Retry-After of a 503, in seconds: long enough for a
// database restart or fail-over, short enough that a person retrying by
// hand is not told to wait longer than they would anyway.
const retryAfter = "30"

// problem is what a response says about an error.
type problem struct {
	Status  int
	Heading string
	Message string
	// Field is the input an Invalid error is about, for scripts (JSON).
	Field string
}

// problemOf decides the response to an error, by its fault kind (app/fault)
// or the status of a fiber.Error; anything else is a 500 whose details stay
// in the log.
func problemOf(err error) problem {
	status, msg, field := fiber.StatusInternalServerError, "", ""
	var fe *fiber.Error
	if f, ok := fault.As(err); ok {
		msg, field = f.Msg, f.Field
		switch f.Kind {
		case fault.NotFound:
			status = fiber.StatusNotFound
		case fault.Forbidden:
			status = fiber.StatusForbidden
		case fault.Conflict:
			status = fiber.StatusConflict
		case fault.Invalid:
			status = fiber.StatusBadRequest
		case fault.Unavailable:
			status = fiber.StatusServiceUnavailable
		case fault.Unauthenticated:
			status = fiber.StatusUnauthorized
		}
	} else if errors.As(err, &fe) {
		status = fe.Code
		if fe.Message != http.StatusText(fe.Code) { // fiber.ErrNotFound and friends say no more than the status
			msg = fe.Message
		}
	}
	switch {
	case status == fiber.StatusServiceUnavailable && msg == "":
		msg = unavailableMessage
	case status >= 500:
		msg, field = internalMessage, "" // an internal error's text never reaches the client
	case msg != "":
	case status == fiber.StatusNotFound:
		msg = notFoundMessage
	case status == fiber.StatusForbidden:
		msg = forbiddenMessage
	case status == fiber.StatusConflict:
		msg = conflictMessage
	case status == fiber.StatusBadRequest:
		msg = invalidMessage
	default:
		msg = http.StatusText(status) + "."
	}
	heading := http.StatusText(status)
	if status == fiber.StatusNotFound {
		heading = "Page not found"
	}
	return problem{Status: status, Heading: heading, Message: msg, Field: field}
}

// handleError is the one place an error becomes a response: handlers
// return the services' errors as they are, and problemOf answers each by
// its kind, so a forgotten mapping cannot turn a not-found into a 500.
// Server faults (5xx, a database outage included) are logged here, once,
// with the request id the page shows; client errors are not noise worth
// logging beyond the access log line.
//
// learning.ErrNotStarted (a step of a course not started yet) is the one
// error answered with a redirect: to the course page, where the course
// starts.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	if errors.Is(err, learning.ErrNotStarted) && c.Params("module") != "" {
		return c.Redirect(courseURL(moduleParam(c)), fiber.StatusSeeOther)
	}
	p := problemOf(err)
	if p.Status >= 500 {
		s.log.Error("request failed", "method", c.Method(), "path", c.Path(), "status", p.Status,
			"request_id", requestID(c), "err", err)
	}
	if p.Status == fiber.StatusServiceUnavailable {
		c.Set(fiber.HeaderRetryAfter, retryAfter)
	}
	c.Status(p.Status)
	if c.Accepts(fiber.MIMETextHTML, fiber.MIMEApplicationJSON) == fiber.MIMEApplicationJSON {
		body := fiber.Map{"error": p.Message, "status": p.Status, "request_id": requestID(c)}
		if p.Field != "" {
			body["field"] = p.Field
		}
		return c.JSON(body)
	}
	return s.render(c, "pages/error", fiber.Map{
		"Title":   p.Heading,
		"Heading": p.Heading,
		"Message": p.Message,
		"Status":  p.Status,
	})
}

func (s *Server) notFound(c *fiber.Ctx) error {
	return fault.New(fault.NotFound, notFoundMessage)
}
