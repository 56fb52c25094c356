package web

import "github.com/gofiber/fiber/v2"

// coursePage shows a course: what it covers, its steps with the learner's
// progress, and start, resume or take again.
func (s *Server) coursePage(c *fiber.Ctx) error {
	p, err := s.learn.Course(c.UserContext(), actor(c), moduleParam(c))
	if err != nil {
		return err
	}
	data, err := s.courseFrame(c, p, "Course")
	if err != nil {
		return err
	}
	data["Title"] = p.Module.Title
	data["ResumeURL"] = resumeURL(p)
	return s.render(c, "pages/course", data)
}

// courseBegin is the content warning before a course starts: continue
// (which starts it) or not now (back to the catalogue). A course without a
// warning starts straight from the course page.
func (s *Server) courseBegin(c *fiber.Ctx) error {
	p, err := s.learn.Course(c.UserContext(), actor(c), moduleParam(c))
	if err != nil {
		return err
	}
	data, err := s.courseFrame(c, p, "Before you start")
	if err != nil {
		return err
	}
	data["Retake"] = c.Query("retake") == "1"
	return s.render(c, "pages/course_begin", data)
}

// courseStart starts the course (or continues it), then goes on to the
// opening confidence check or the next step. retake=1 starts afresh after a
// completion.
func (s *Server) courseStart(c *fiber.Ctx) error {
	p, err := s.learn.Start(c.UserContext(), actor(c), moduleParam(c), c.FormValue("retake") == "1")
	if err != nil {
		return err
	}
	return c.Redirect(resumeURL(p), fiber.StatusSeeOther)
}
