package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// quizPage shows a quiz: every question on one page, with the pass mark and
// the learner's earlier attempts.
func (s *Server) quizPage(c *fiber.Ctx, module string, n int) error {
	v, err := s.learn.Quiz(c.UserContext(), actor(c), module, n)
	if err != nil {
		return err
	}
	data, err := s.stepFrame(c, v.Progress, "Quiz", n)
	if err != nil {
		return err
	}
	data["Quiz"] = v
	data["Action"] = stepURL(module, n) + "/quiz"
	return s.render(c, "pages/quiz", data)
}

// quizSubmit scores the answers (q1..qN, each the 1-based option picked)
// and shows the result.
func (s *Server) quizSubmit(c *fiber.Ctx) error {
	n, err := stepParam(c)
	if err != nil {
		return err
	}
	module := moduleParam(c)
	m, ok, err := s.servedModule(c, module)
	if err != nil {
		return err
	}
	if !ok || n > len(m.Steps) || m.Steps[n-1].Quiz == nil {
		return fiber.ErrNotFound
	}
	picks := make([]int, len(m.Steps[n-1].Quiz.Questions))
	for i := range picks {
		picks[i], _ = strconv.Atoi(c.FormValue("q" + strconv.Itoa(i+1)))
	}
	r, err := s.learn.SubmitQuiz(c.UserContext(), actor(c), module, n, picks)
	if err != nil {
		return err
	}
	return c.Redirect(quizResultURL(module, n, r.Attempt.ID), fiber.StatusSeeOther)
}

// quizResult shows one of the learner's attempts: score, pass or not, and
// the feedback on each answer. Someone else's attempt is a 404.
func (s *Server) quizResult(c *fiber.Ctx) error {
	n, err := stepParam(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	module := moduleParam(c)
	r, err := s.learn.QuizResult(c.UserContext(), actor(c), module, n, id)
	if err != nil {
		return err
	}
	data, err := s.stepFrame(c, r.Progress, "Quiz result", n)
	if err != nil {
		return err
	}
	data["Result"] = r
	data["RetakeURL"] = stepURL(module, n)
	return s.render(c, "pages/quiz_result", data)
}
