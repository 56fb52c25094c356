package web

import (
	"context"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/auth"
	"github.com/upstand/upstand/app/mail"
	"github.com/upstand/upstand/app/store"
)

// mailTimeout bounds the wait for the SMTP server while the admin's page
// loads; the link is on the page whatever happens.
const mailTimeout = 10 * time.Second

// emailLink sends an enrolment link to its person when mail is on. It
// reports whether the message was accepted by the SMTP server, and whether
// sending failed (which is logged, without the link: it is a secret).
func (s *Server) emailLink(c *fiber.Ctx, p store.Person, link auth.Link, reenrol bool) (emailed, failed bool) {
	if !s.mail.Enabled() {
		return false, false
	}
	org, err := myOrg(c).Organisation(c.UserContext())
	if err != nil {
		s.log.Warn("enrolment link not emailed: organisation", "err", err, "request_id", requestID(c))
		return false, true
	}
	days := int(s.auth.Config().InviteTTL / (24 * time.Hour))
	intro := fmt.Sprintf("%s has invited you to Upstand, where %s takes its training on responding well at work: courses and practice conversations.", me(c).Name, org.Name)
	subject := "Your invitation to Upstand from " + org.Name
	if reenrol {
		intro = fmt.Sprintf("%s has given you a new link to set up a passkey for your Upstand account at %s. Your records stay as they are.", me(c).Name, org.Name)
		subject = "A new Upstand sign-in link from " + org.Name
	}
	text := fmt.Sprintf("Hello %s,\n\n%s\n\nOpen this link to set up a passkey, so you can sign in without a password:\n\n%s\n\n"+
		"The link works once and for %d days. Do not forward it: whoever opens it can set up the passkey for your account.\n"+
		"If you did not expect this email, you can ignore it, or tell %s.\n",
		p.Name, intro, link.URL, days, me(c).Name)
	ctx, cancel := context.WithTimeout(c.UserContext(), mailTimeout)
	defer cancel()
	err = s.mail.Send(ctx, mail.Message{ToName: p.Name, To: p.Email, Subject: subject, Text: text})
	if err != nil {
		s.log.Warn("enrolment link not emailed", "err", err, "person", p.ID, "request_id", requestID(c))
		return false, true
	}
	s.log.Info("enrolment link emailed", "person", p.ID, "request_id", requestID(c))
	return true, false
}
