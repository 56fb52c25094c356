package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/upstand/upstand/app/store"
)

// confidencePage is the confidence check before the first step ("pre") or
// after the last ("post"): the course's statements, each answered 1–5 or
// left blank, and a way to skip it all.
func (s *Server) confidencePage(c *fiber.Ctx) error {
	phase := utils.CopyString(c.Params("phase"))
	v, err := s.learn.Confidence(c.UserContext(), actor(c), moduleParam(c), phase)
	if err != nil {
		return err
	}
	if len(v.Statements) == 0 {
		return c.Redirect(resumeURL(v.Progress), fiber.StatusSeeOther)
	}
	title := "Before you start: how confident do you feel?"
	if phase == store.PhasePost {
		title = "Now you have finished: how confident do you feel?"
	}
	data, err := s.courseFrame(c, v.Progress, "Confidence check")
	if err != nil {
		return err
	}
	data["Heading"] = title
	data["Check"] = v
	data["NextURL"] = resumeURL(v.Progress)
	data["Action"] = confidenceURL(v.Progress.Module.ID, phase)
	if phase == store.PhasePost {
		data["Action"] = finishURL(v.Progress.Module.ID)
	}
	return s.render(c, "pages/confidence", data)
}

// confidenceValues reads statement answers s1..sN from the form: 1–5, or 0
// for blank. "skip" blanks them all.
func confidenceValues(c *fiber.Ctx, n int) []int {
	values := make([]int, n)
	if c.FormValue("skip") != "" {
		return values
	}
	for i := range values {
		v, err := strconv.Atoi(c.FormValue("s" + strconv.Itoa(i+1)))
		if err == nil {
			values[i] = v
		}
	}
	return values
}

// confidenceSave stores the opening check, then moves on to the first step
// not done. (The closing check is saved by finishing the course.)
func (s *Server) confidenceSave(c *fiber.Ctx) error {
	phase := utils.CopyString(c.Params("phase"))
	m, ok, err := s.servedModule(c, moduleParam(c))
	if err != nil {
		return err
	}
	if !ok {
		return fiber.ErrNotFound
	}
	if phase == store.PhasePost {
		return s.finishSave(c)
	}
	if err := s.learn.AnswerConfidence(c.UserContext(), actor(c), m.ID, phase, confidenceValues(c, len(m.Confidence))); err != nil {
		return err
	}
	p, err := s.learn.Course(c.UserContext(), actor(c), m.ID)
	if err != nil {
		return err
	}
	return c.Redirect(resumeURL(p), fiber.StatusSeeOther)
}
