package web

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"
)

// The "send reminder" action of the coverage pages (docs/coverage.md,
// "Reminders"). The dashboard's lists give each person due soon or
// overdue a form (writeRemindForm, written in Go as the partial writes
// it); other pages include partials/remind_button for a person and a
// course:
//
//	{{template "partials/remind_button" (remindButton .PersonID .ModuleID .Name $courseTitle $.CSRF $.Back)}}
//
// Either posts to /coverage/people/:id/remind. Without JavaScript the
// answer is a page saying what happened, with a link back; with htmx, the
// form is swapped for that sentence.

// remindButtonData is what a "send reminder" form (partials/remind_button) needs.
type remindButtonData struct {
	Person uuid.UUID
	Module string
	// Name and Course make the button's accessible name ("Send Ann a
	// reminder about Allyship at work") unique in a list of people.
	Name, Course string
	CSRF         string
	// Back is the page to return to (its path and query).
	Back string
}

// remindButton is the template function that gathers the partial's data.
func remindButton(person uuid.UUID, module, name, course, csrf, back string) remindButtonData {
	return remindButtonData{Person: person, Module: module, Name: name, Course: course, CSRF: csrf, Back: back}
}

// localPath is back if it is a path on this server (no scheme, no host,
// no protocol-relative "//"), or fallback: a reminder's "back" is never an
// open redirect.
func localPath(back, fallback string) string {
	u, err := url.Parse(back)
	if err != nil || back == "" || !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") ||
		strings.Contains(back, `\`) || u.Scheme != "" || u.Host != "" {
		return fallback
	}
	return u.RequestURI()
}

// remindSend queues a reminder to one person about one course: org admins
// for anyone, managers for people in their teams (others get a 404, as if
// the route did not exist).
func (s *Server) remindSend(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	module := utils.CopyString(c.FormValue("module"))
	back := localPath(utils.CopyString(c.FormValue("back")), "/coverage")
	sent, err := s.remind.Remind(c.UserContext(), actor(c), id, module)
	if err != nil {
		return err
	}
	data := fiber.Map{"Title": "Reminder for " + sent.Person.Name, "Sent": sent, "Back": back}
	if isHTMX(c) {
		c.Set(fiber.HeaderVary, "HX-Request")
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Render("partials/remind_sent", data, "")
	}
	return s.render(c, "pages/remind_sent", data)
}
