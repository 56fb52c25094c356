package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/learning"
)

// finishPage is the end of a course: what is still missing, or the closing
// confidence check and the button that completes the course.
func (s *Server) finishPage(c *fiber.Ctx) error {
	p, err := s.learn.Course(c.UserContext(), actor(c), moduleParam(c))
	if err != nil {
		return err
	}
	if !p.Started() {
		return c.Redirect(courseURL(p.Module.ID), fiber.StatusSeeOther)
	}
	if p.Complete() {
		return c.Redirect(completeURL(p.Module.ID), fiber.StatusSeeOther)
	}
	data, err := s.courseFrame(c, p, "Finish the course")
	if err != nil {
		return err
	}
	data["Action"] = finishURL(p.Module.ID)
	if p.Met && !p.PostAnswered {
		v, err := s.learn.Confidence(c.UserContext(), actor(c), p.Module.ID, "post")
		if err != nil {
			return err
		}
		data["Check"] = v
	}
	return s.render(c, "pages/finish", data)
}

// finishSave completes the course (saving the closing confidence check if
// the form has one). Completing is idempotent: a double submit or a retry
// lands on the same completion.
func (s *Server) finishSave(c *fiber.Ctx) error {
	module := moduleParam(c)
	m, ok, err := s.servedModule(c, module)
	if err != nil {
		return err
	}
	if !ok {
		return fiber.ErrNotFound
	}
	var post []int
	if c.FormValue("confidence") == "1" {
		post = confidenceValues(c, len(m.Confidence))
	}
	_, _, _, err = s.learn.Finish(c.UserContext(), actor(c), module, post)
	if errors.Is(err, learning.ErrIncomplete) {
		return c.Redirect(finishURL(module), fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	return c.Redirect(completeURL(module), fiber.StatusSeeOther)
}

// completePage celebrates a completion and links the certificate.
func (s *Server) completePage(c *fiber.Ctx) error {
	p, err := s.learn.Course(c.UserContext(), actor(c), moduleParam(c))
	if err != nil {
		return err
	}
	if !p.Complete() {
		return c.Redirect(finishURL(p.Module.ID), fiber.StatusSeeOther)
	}
	data, err := s.courseFrame(c, p, "Course complete")
	if err != nil {
		return err
	}
	data["Completion"] = p.Completion
	return s.render(c, "pages/complete", data)
}
