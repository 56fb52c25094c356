package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/upstand/upstand/app/content"
)

// stepPage shows step n of a course, whatever its kind.
func (s *Server) stepPage(c *fiber.Ctx) error {
	n, err := stepParam(c)
	if err != nil {
		return err
	}
	m, ok, err := s.servedModule(c, moduleParam(c))
	if err != nil {
		return err
	}
	if !ok || n > len(m.Steps) {
		return fiber.ErrNotFound
	}
	switch m.Steps[n-1].Kind {
	case content.LessonStep:
		return s.lessonPage(c, m.ID, n)
	case content.ScenarioStep:
		return s.scenarioPage(c, m.ID, n)
	case content.QuizStep:
		return s.quizPage(c, m.ID, n)
	default:
		return s.reflectionPage(c, m.ID, n)
	}
}

// lessonPage shows a lesson and records that the learner opened it.
func (s *Server) lessonPage(c *fiber.Ctx, module string, n int) error {
	p, st, err := s.learn.OpenLesson(c.UserContext(), actor(c), module, n)
	if err != nil {
		return err
	}
	data, err := s.stepFrame(c, p, st.Lesson.Title, n)
	if err != nil {
		return err
	}
	data["Lesson"] = st.Lesson
	return s.render(c, "pages/lesson", data)
}

// servedModule finds a module the signed-in person's organisation serves:
// the library's or its own.
func (s *Server) servedModule(c *fiber.Ctx, id string) (*content.Module, bool, error) {
	cat, err := s.learn.Served(c.UserContext(), actor(c))
	if err != nil {
		return nil, false, err
	}
	m, ok := cat.Module(id)
	return m, ok, nil
}
