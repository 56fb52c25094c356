package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/org"
	"github.com/upstand/upstand/app/store"
)

// mailTimeout bounds the wait for the SMTP server while the admin's page
// loads; the link is on the page whatever happens.
const mailTimeout = 10 * time.Second

// emailLink sends an enrolment link to its person when mail is on. It
// reports whether the message was accepted by the SMTP server, and whether
// sending failed (which is logged, without the link: it is a secret).
func (s *Server) emailLink(c *fiber.Ctx, p store.Person, link org.Link, reenrol bool) (emailed, failed bool) {
	if !s.mail.Enabled() {
		return false, false
	}
	msg, err := s.org.InviteEmail(c.UserContext(), actor(c), p, link, reenrol)
	if err != nil {
		s.log.Warn("enrolment link not emailed: organisation", "err", err, "request_id", requestID(c))
		return false, true
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), mailTimeout)
	defer cancel()
	if err := s.mail.Send(ctx, msg); err != nil {
		s.log.Warn("enrolment link not emailed", "err", err, "person", p.ID, "request_id", requestID(c))
		return false, true
	}
	s.log.Info("enrolment link emailed", "person", p.ID, "request_id", requestID(c))
	return true, false
}
