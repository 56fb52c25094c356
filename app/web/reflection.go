package web

import (
	"github.com/gofiber/fiber/v2"
)

// reflectionPage shows a reflection prompt with a private note field and
// the learner's own notes for it.
func (s *Server) reflectionPage(c *fiber.Ctx, module string, n int) error {
	v, err := s.learn.Reflection(c.UserContext(), actor(c), module, n)
	if err != nil {
		return err
	}
	data, err := s.stepFrame(c, v.Progress, "Reflection", n)
	if err != nil {
		return err
	}
	data["Reflection"] = v
	data["Action"] = stepURL(module, n) + "/reflection"
	data["Saved"] = c.Query("saved")
	return s.render(c, "pages/reflection", data)
}

// reflectionSave stores a private note, or records that the learner
// skipped the step ("skip"), then moves on.
func (s *Server) reflectionSave(c *fiber.Ctx) error {
	n, err := stepParam(c)
	if err != nil {
		return err
	}
	module := moduleParam(c)
	if c.FormValue("skip") != "" {
		if err := s.learn.SkipReflection(c.UserContext(), actor(c), module, n); err != nil {
			return err
		}
		return c.Redirect(s.afterStep(c, module, n), fiber.StatusSeeOther)
	}
	if _, err := s.learn.Reflect(c.UserContext(), actor(c), module, n, c.FormValue("note")); err != nil {
		return err
	}
	return c.Redirect(stepURL(module, n)+"?saved=1", fiber.StatusSeeOther)
}

// afterStep is where the learner goes after finishing step n.
func (s *Server) afterStep(c *fiber.Ctx, module string, n int) string {
	if m, ok, _ := s.servedModule(c, module); ok && n < len(m.Steps) {
		return stepURL(module, n+1)
	}
	return finishURL(module)
}

// reflectionDelete deletes one of the learner's own notes for good. Anyone
// else's note — an org admin's session included — is a 404.
func (s *Server) reflectionDelete(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	r, err := s.learn.DeleteReflection(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	if m, ok, err := s.servedModule(c, r.ModuleID); err != nil {
		return err
	} else if ok {
		for _, st := range m.Steps {
			if st.ID == r.StepID {
				return c.Redirect(stepURL(m.ID, st.Index)+"?saved=deleted", fiber.StatusSeeOther)
			}
		}
	}
	return c.Redirect("/record", fiber.StatusSeeOther)
}
